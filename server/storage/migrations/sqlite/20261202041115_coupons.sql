-- +goose Up
-- create "coupons" table
CREATE TABLE `coupons` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `shopper_id` integer NOT NULL, `seq` integer NOT NULL, `status` text NOT NULL DEFAULT ('unused'), `valid_from` datetime NOT NULL, `valid_until` datetime NOT NULL, `order_id` integer NULL, `source` text NOT NULL, `used_at` datetime NULL, `template_id` integer NOT NULL, CONSTRAINT `coupons_coupon_templates_coupons` FOREIGN KEY (`template_id`) REFERENCES `coupon_templates` (`id`) ON DELETE NO ACTION, CONSTRAINT `coupons_seq` CHECK (seq >= 0 AND seq < 100), CONSTRAINT `coupons_validity` CHECK (valid_until > valid_from));
-- create index "coupon_template_id_shopper_id_seq" to table: "coupons"
CREATE UNIQUE INDEX `coupon_template_id_shopper_id_seq` ON `coupons` (`template_id`, `shopper_id`, `seq`);
-- create index "coupon_shopper_id_status" to table: "coupons"
CREATE INDEX `coupon_shopper_id_status` ON `coupons` (`shopper_id`, `status`);
-- create index "coupon_order_id" to table: "coupons"
CREATE INDEX `coupon_order_id` ON `coupons` (`order_id`);
-- create "coupon_templates" table
CREATE TABLE `coupon_templates` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `description` text NOT NULL DEFAULT (''), `discount_fen` integer NULL, `percent_off` integer NULL, `max_discount_fen` integer NULL, `min_spend_fen` integer NOT NULL DEFAULT (0), `total` integer NOT NULL, `issued` integer NOT NULL DEFAULT (0), `per_shopper` integer NOT NULL, `valid_days` integer NULL, `starts_at` datetime NULL, `ends_at` datetime NULL, `claimable` bool NOT NULL DEFAULT (true), `status` text NOT NULL DEFAULT ('active'), `store_ids` json NOT NULL, `category_ids` json NOT NULL, `product_ids` json NOT NULL, CONSTRAINT `coupon_templates_amounts` CHECK (min_spend_fen >= 0 AND (max_discount_fen IS NULL OR max_discount_fen >= 1)), CONSTRAINT `coupon_templates_issued` CHECK (issued >= 0 AND issued <= total), CONSTRAINT `coupon_templates_kind` CHECK ((discount_fen IS NOT NULL AND discount_fen >= 1 AND percent_off IS NULL AND max_discount_fen IS NULL) OR (discount_fen IS NULL AND percent_off >= 1 AND percent_off <= 99)), CONSTRAINT `coupon_templates_per_shopper` CHECK (per_shopper >= 1 AND per_shopper <= 100), CONSTRAINT `coupon_templates_validity` CHECK ((valid_days IS NULL) <> (ends_at IS NULL) AND (valid_days IS NULL OR (valid_days >= 1 AND valid_days <= 3650))));

-- +goose Down
-- reverse: create "coupon_templates" table
DROP TABLE `coupon_templates`;
-- reverse: create index "coupon_order_id" to table: "coupons"
DROP INDEX `coupon_order_id`;
-- reverse: create index "coupon_shopper_id_status" to table: "coupons"
DROP INDEX `coupon_shopper_id_status`;
-- reverse: create index "coupon_template_id_shopper_id_seq" to table: "coupons"
DROP INDEX `coupon_template_id_shopper_id_seq`;
-- reverse: create "coupons" table
DROP TABLE `coupons`;
