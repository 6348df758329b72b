-- +goose Up
-- create "checkins" table
CREATE TABLE `checkins` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `shopper_id` integer NOT NULL, `day` text NOT NULL, `points` integer NOT NULL, `created_at` datetime NOT NULL);
-- create index "checkin_shopper_id_day" to table: "checkins"
CREATE UNIQUE INDEX `checkin_shopper_id_day` ON `checkins` (`shopper_id`, `day`);
-- create "counter_sales" table
CREATE TABLE `counter_sales` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `store_id` integer NOT NULL, `receipt_no` text NOT NULL, `scan_id` integer NOT NULL, `shopper_id` integer NOT NULL, `amount_fen` integer NOT NULL, `points` integer NOT NULL, `staff_id` integer NOT NULL, `created_at` datetime NOT NULL, CONSTRAINT `counter_sales_amount` CHECK (amount_fen > 0 AND points >= 0));
-- create index "counter_sales_scan_id_key" to table: "counter_sales"
CREATE UNIQUE INDEX `counter_sales_scan_id_key` ON `counter_sales` (`scan_id`);
-- create index "countersale_store_id_receipt_no" to table: "counter_sales"
CREATE UNIQUE INDEX `countersale_store_id_receipt_no` ON `counter_sales` (`store_id`, `receipt_no`);
-- create index "countersale_shopper_id_created_at" to table: "counter_sales"
CREATE INDEX `countersale_shopper_id_created_at` ON `counter_sales` (`shopper_id`, `created_at`);
-- create "member_levels" table
CREATE TABLE `member_levels` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `name` text NOT NULL, `min_spend_fen` integer NOT NULL, `percent_off` integer NOT NULL DEFAULT (0), `free_delivery` bool NOT NULL DEFAULT (false), CONSTRAINT `member_levels_values` CHECK (min_spend_fen >= 0 AND percent_off >= 0 AND percent_off <= 50));
-- create index "member_levels_name_key" to table: "member_levels"
CREATE UNIQUE INDEX `member_levels_name_key` ON `member_levels` (`name`);
-- create index "member_levels_min_spend_fen_key" to table: "member_levels"
CREATE UNIQUE INDEX `member_levels_min_spend_fen_key` ON `member_levels` (`min_spend_fen`);
-- create "member_scans" table
CREATE TABLE `member_scans` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `nonce` text NOT NULL, `shopper_id` integer NOT NULL, `store_id` integer NOT NULL, `staff_id` integer NOT NULL, `created_at` datetime NOT NULL, `expires_at` datetime NOT NULL, `used` bool NOT NULL DEFAULT (false));
-- create index "member_scans_nonce_key" to table: "member_scans"
CREATE UNIQUE INDEX `member_scans_nonce_key` ON `member_scans` (`nonce`);
-- create "point_accounts" table
CREATE TABLE `point_accounts` (`shopper_id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `available` integer NOT NULL DEFAULT (0), `pending` integer NOT NULL DEFAULT (0), `updated_at` datetime NOT NULL);
-- create "point_entries" table
CREATE TABLE `point_entries` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `shopper_id` integer NOT NULL, `kind` text NOT NULL, `ref_type` text NOT NULL, `ref_id` integer NOT NULL, `available_delta` integer NOT NULL, `pending_delta` integer NOT NULL, `order_id` integer NULL, `goods_refunded_fen` integer NOT NULL DEFAULT (0), `note` text NOT NULL DEFAULT (''), `created_at` datetime NOT NULL);
-- create index "pointentry_kind_ref_type_ref_id" to table: "point_entries"
CREATE UNIQUE INDEX `pointentry_kind_ref_type_ref_id` ON `point_entries` (`kind`, `ref_type`, `ref_id`);
-- create index "pointentry_shopper_id" to table: "point_entries"
CREATE INDEX `pointentry_shopper_id` ON `point_entries` (`shopper_id`);
-- create index "pointentry_order_id" to table: "point_entries"
CREATE INDEX `pointentry_order_id` ON `point_entries` (`order_id`);

-- +goose Down
-- reverse: create index "pointentry_order_id" to table: "point_entries"
DROP INDEX `pointentry_order_id`;
-- reverse: create index "pointentry_shopper_id" to table: "point_entries"
DROP INDEX `pointentry_shopper_id`;
-- reverse: create index "pointentry_kind_ref_type_ref_id" to table: "point_entries"
DROP INDEX `pointentry_kind_ref_type_ref_id`;
-- reverse: create "point_entries" table
DROP TABLE `point_entries`;
-- reverse: create "point_accounts" table
DROP TABLE `point_accounts`;
-- reverse: create index "member_scans_nonce_key" to table: "member_scans"
DROP INDEX `member_scans_nonce_key`;
-- reverse: create "member_scans" table
DROP TABLE `member_scans`;
-- reverse: create index "member_levels_min_spend_fen_key" to table: "member_levels"
DROP INDEX `member_levels_min_spend_fen_key`;
-- reverse: create index "member_levels_name_key" to table: "member_levels"
DROP INDEX `member_levels_name_key`;
-- reverse: create "member_levels" table
DROP TABLE `member_levels`;
-- reverse: create index "countersale_shopper_id_created_at" to table: "counter_sales"
DROP INDEX `countersale_shopper_id_created_at`;
-- reverse: create index "countersale_store_id_receipt_no" to table: "counter_sales"
DROP INDEX `countersale_store_id_receipt_no`;
-- reverse: create index "counter_sales_scan_id_key" to table: "counter_sales"
DROP INDEX `counter_sales_scan_id_key`;
-- reverse: create "counter_sales" table
DROP TABLE `counter_sales`;
-- reverse: create index "checkin_shopper_id_day" to table: "checkins"
DROP INDEX `checkin_shopper_id_day`;
-- reverse: create "checkins" table
DROP TABLE `checkins`;
