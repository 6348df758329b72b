-- +goose Up
-- +goose NO TRANSACTION
-- disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- create "new_orders" table
CREATE TABLE `new_orders` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `order_no` text NOT NULL, `status` text NOT NULL DEFAULT ('pending_payment'), `fulfilment` text NOT NULL, `pickup_code` text NULL, `pickup_attempts` integer NOT NULL DEFAULT (0), `pickup_window_at` datetime NULL, `address` json NULL, `delivery_distance_m` integer NULL, `goods_fen` integer NOT NULL, `delivery_fee_fen` integer NOT NULL DEFAULT (0), `discount_fen` integer NOT NULL DEFAULT (0), `level_discount_fen` integer NOT NULL DEFAULT (0), `level_name` text NOT NULL DEFAULT (''), `coupon_id` integer NULL, `coupon_discount_fen` integer NOT NULL DEFAULT (0), `points_used` integer NOT NULL DEFAULT (0), `points_discount_fen` integer NOT NULL DEFAULT (0), `delivery_fee_waived_fen` integer NOT NULL DEFAULT (0), `payable_fen` integer NOT NULL, `remark` text NOT NULL DEFAULT (''), `idempotency_key` text NOT NULL, `request_hash` text NOT NULL, `expires_at` datetime NOT NULL, `paid_at` datetime NULL, `cancelled_at` datetime NULL, `completed_at` datetime NULL, `cancel_reason` text NOT NULL DEFAULT (''), `shipped_at` datetime NULL, `delivered_at` datetime NULL, `receive_due_at` datetime NULL, `shopper_id` integer NOT NULL, `store_id` integer NOT NULL, CONSTRAINT `orders_shoppers_orders` FOREIGN KEY (`shopper_id`) REFERENCES `shoppers` (`id`) ON DELETE NO ACTION, CONSTRAINT `orders_stores_orders` FOREIGN KEY (`store_id`) REFERENCES `stores` (`id`) ON DELETE NO ACTION, CONSTRAINT `orders_amounts_nonneg` CHECK (goods_fen >= 0 AND delivery_fee_fen >= 0 AND discount_fen >= 0 AND payable_fen >= 0), CONSTRAINT `orders_discount_sum` CHECK (discount_fen = level_discount_fen + coupon_discount_fen + points_discount_fen AND points_used >= 0 AND delivery_fee_waived_fen >= 0), CONSTRAINT `orders_payable_sum` CHECK (payable_fen = goods_fen + delivery_fee_fen - discount_fen));
-- copy rows from old table "orders" to new temporary table "new_orders"
INSERT INTO `new_orders` (`id`, `created_at`, `updated_at`, `order_no`, `status`, `fulfilment`, `pickup_code`, `pickup_attempts`, `pickup_window_at`, `address`, `delivery_distance_m`, `goods_fen`, `delivery_fee_fen`, `discount_fen`, `payable_fen`, `remark`, `idempotency_key`, `request_hash`, `expires_at`, `paid_at`, `cancelled_at`, `completed_at`, `cancel_reason`, `shipped_at`, `delivered_at`, `receive_due_at`, `shopper_id`, `store_id`) SELECT `id`, `created_at`, `updated_at`, `order_no`, `status`, `fulfilment`, `pickup_code`, `pickup_attempts`, `pickup_window_at`, `address`, `delivery_distance_m`, `goods_fen`, `delivery_fee_fen`, `discount_fen`, `payable_fen`, `remark`, `idempotency_key`, `request_hash`, `expires_at`, `paid_at`, `cancelled_at`, `completed_at`, `cancel_reason`, `shipped_at`, `delivered_at`, `receive_due_at`, `shopper_id`, `store_id` FROM `orders`;
-- drop "orders" table after copying rows
DROP TABLE `orders`;
-- rename temporary table "new_orders" to "orders"
ALTER TABLE `new_orders` RENAME TO `orders`;
-- create index "orders_order_no_key" to table: "orders"
CREATE UNIQUE INDEX `orders_order_no_key` ON `orders` (`order_no`);
-- create index "order_shopper_id_idempotency_key" to table: "orders"
CREATE UNIQUE INDEX `order_shopper_id_idempotency_key` ON `orders` (`shopper_id`, `idempotency_key`);
-- create index "order_shopper_id_status" to table: "orders"
CREATE INDEX `order_shopper_id_status` ON `orders` (`shopper_id`, `status`);
-- create index "order_store_id_status" to table: "orders"
CREATE INDEX `order_store_id_status` ON `orders` (`store_id`, `status`);
-- create index "order_status_expires_at" to table: "orders"
CREATE INDEX `order_status_expires_at` ON `orders` (`status`, `expires_at`);
-- create index "order_status_receive_due_at" to table: "orders"
CREATE INDEX `order_status_receive_due_at` ON `orders` (`status`, `receive_due_at`);
-- create "new_order_items" table
CREATE TABLE `new_order_items` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `sku_id` integer NOT NULL, `product_id` integer NOT NULL, `title` text NOT NULL, `sku_name` text NOT NULL, `price_fen` integer NOT NULL, `quantity` integer NOT NULL, `amount_fen` integer NOT NULL, `discount_fen` integer NOT NULL DEFAULT (0), `refunded_quantity` integer NOT NULL DEFAULT (0), `image` text NOT NULL DEFAULT (''), `order_id` integer NOT NULL, CONSTRAINT `order_items_orders_items` FOREIGN KEY (`order_id`) REFERENCES `orders` (`id`) ON DELETE CASCADE, CONSTRAINT `order_items_amount` CHECK (price_fen >= 0 AND amount_fen = price_fen * quantity), CONSTRAINT `order_items_discount` CHECK (discount_fen >= 0 AND discount_fen <= amount_fen), CONSTRAINT `order_items_quantity` CHECK (quantity > 0 AND refunded_quantity >= 0 AND refunded_quantity <= quantity));
-- copy rows from old table "order_items" to new temporary table "new_order_items"
INSERT INTO `new_order_items` (`id`, `sku_id`, `product_id`, `title`, `sku_name`, `price_fen`, `quantity`, `amount_fen`, `refunded_quantity`, `image`, `order_id`) SELECT `id`, `sku_id`, `product_id`, `title`, `sku_name`, `price_fen`, `quantity`, `amount_fen`, `refunded_quantity`, `image`, `order_id` FROM `order_items`;
-- drop "order_items" table after copying rows
DROP TABLE `order_items`;
-- rename temporary table "new_order_items" to "order_items"
ALTER TABLE `new_order_items` RENAME TO `order_items`;
-- create "new_shoppers" table
CREATE TABLE `new_shoppers` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `openid` text NOT NULL, `unionid` text NULL, `phone` text NULL, `nickname` text NOT NULL DEFAULT (''), `avatar_url` text NOT NULL DEFAULT (''), `last_login_at` datetime NULL, `invite_code` text NULL);
-- copy rows from old table "shoppers" to new temporary table "new_shoppers"
INSERT INTO `new_shoppers` (`id`, `created_at`, `updated_at`, `openid`, `unionid`, `phone`, `nickname`, `avatar_url`, `last_login_at`) SELECT `id`, `created_at`, `updated_at`, `openid`, `unionid`, `phone`, `nickname`, `avatar_url`, `last_login_at` FROM `shoppers`;
-- drop "shoppers" table after copying rows
DROP TABLE `shoppers`;
-- rename temporary table "new_shoppers" to "shoppers"
ALTER TABLE `new_shoppers` RENAME TO `shoppers`;
-- create index "shoppers_openid_key" to table: "shoppers"
CREATE UNIQUE INDEX `shoppers_openid_key` ON `shoppers` (`openid`);
-- create index "shoppers_invite_code_key" to table: "shoppers"
CREATE UNIQUE INDEX `shoppers_invite_code_key` ON `shoppers` (`invite_code`);
-- create index "shopper_unionid" to table: "shoppers"
CREATE INDEX `shopper_unionid` ON `shoppers` (`unionid`);
-- create "referrals" table
CREATE TABLE `referrals` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `shopper_id` integer NOT NULL, `inviter_id` integer NOT NULL, `source` text NOT NULL DEFAULT ('share'), `reward_order_id` integer NULL, `reward_status` text NOT NULL DEFAULT ('none'), `reward_points` integer NOT NULL DEFAULT (0), `reward_coupon_id` integer NULL, `rewarded_at` datetime NULL, `revoked_at` datetime NULL, CONSTRAINT `referrals_not_self` CHECK (shopper_id <> inviter_id));
-- create index "referrals_shopper_id_key" to table: "referrals"
CREATE UNIQUE INDEX `referrals_shopper_id_key` ON `referrals` (`shopper_id`);
-- create index "referral_inviter_id" to table: "referrals"
CREATE INDEX `referral_inviter_id` ON `referrals` (`inviter_id`);
-- enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;

-- +goose Down
-- reverse: create index "referral_inviter_id" to table: "referrals"
DROP INDEX `referral_inviter_id`;
-- reverse: create index "referrals_shopper_id_key" to table: "referrals"
DROP INDEX `referrals_shopper_id_key`;
-- reverse: create "referrals" table
DROP TABLE `referrals`;
-- reverse: create index "shopper_unionid" to table: "shoppers"
DROP INDEX `shopper_unionid`;
-- reverse: create index "shoppers_invite_code_key" to table: "shoppers"
DROP INDEX `shoppers_invite_code_key`;
-- reverse: create index "shoppers_openid_key" to table: "shoppers"
DROP INDEX `shoppers_openid_key`;
-- reverse: create "new_shoppers" table
DROP TABLE `new_shoppers`;
-- reverse: create "new_order_items" table
DROP TABLE `new_order_items`;
-- reverse: create index "order_status_receive_due_at" to table: "orders"
DROP INDEX `order_status_receive_due_at`;
-- reverse: create index "order_status_expires_at" to table: "orders"
DROP INDEX `order_status_expires_at`;
-- reverse: create index "order_store_id_status" to table: "orders"
DROP INDEX `order_store_id_status`;
-- reverse: create index "order_shopper_id_status" to table: "orders"
DROP INDEX `order_shopper_id_status`;
-- reverse: create index "order_shopper_id_idempotency_key" to table: "orders"
DROP INDEX `order_shopper_id_idempotency_key`;
-- reverse: create index "orders_order_no_key" to table: "orders"
DROP INDEX `orders_order_no_key`;
-- reverse: create "new_orders" table
DROP TABLE `new_orders`;
