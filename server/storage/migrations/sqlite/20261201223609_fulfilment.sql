-- +goose Up
-- Hand-written so SQLite alters in place (no table rebuild): new order
-- columns are nullable; the shipments tables were never written before this
-- version, so they are dropped and created anew.
ALTER TABLE `orders` ADD COLUMN `shipped_at` datetime NULL;
ALTER TABLE `orders` ADD COLUMN `delivered_at` datetime NULL;
ALTER TABLE `orders` ADD COLUMN `receive_due_at` datetime NULL;
CREATE INDEX `order_status_receive_due_at` ON `orders` (`status`, `receive_due_at`);
DROP TABLE `shipment_events`;
DROP TABLE `shipments`;
CREATE TABLE `shipments` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `kind` text NOT NULL DEFAULT ('express'), `out_no` text NOT NULL, `carrier` text NOT NULL DEFAULT (''), `tracking_no` text NOT NULL DEFAULT (''), `status` text NOT NULL, `fee_fen` integer NOT NULL DEFAULT (0), `distance_m` integer NULL, `rider_name` text NOT NULL DEFAULT (''), `rider_phone` text NOT NULL DEFAULT (''), `rider_lat` real NULL, `rider_lng` real NULL, `position_at` datetime NULL, `reason` text NOT NULL DEFAULT (''), `shipped_at` datetime NULL, `delivered_at` datetime NULL, `subscribed_at` datetime NULL, `wechat_uploaded_at` datetime NULL, `order_id` integer NOT NULL, CONSTRAINT `shipments_orders_shipments` FOREIGN KEY (`order_id`) REFERENCES `orders` (`id`) ON DELETE NO ACTION);
CREATE UNIQUE INDEX `shipments_out_no_key` ON `shipments` (`out_no`);
CREATE INDEX `shipment_order_id` ON `shipments` (`order_id`);
CREATE INDEX `shipment_carrier_tracking_no` ON `shipments` (`carrier`, `tracking_no`);
CREATE INDEX `shipment_status_updated_at` ON `shipments` (`status`, `updated_at`);
CREATE TABLE `shipment_events` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `status` text NOT NULL, `description` text NOT NULL DEFAULT (''), `location` text NOT NULL DEFAULT (''), `dedupe` text NOT NULL, `occurred_at` datetime NOT NULL, `created_at` datetime NOT NULL, `shipment_id` integer NOT NULL, CONSTRAINT `shipment_events_shipments_events` FOREIGN KEY (`shipment_id`) REFERENCES `shipments` (`id`) ON DELETE CASCADE);
CREATE UNIQUE INDEX `shipmentevent_shipment_id_dedupe` ON `shipment_events` (`shipment_id`, `dedupe`);
CREATE INDEX `shipmentevent_shipment_id_occurred_at` ON `shipment_events` (`shipment_id`, `occurred_at`);
-- create "jobs" table
CREATE TABLE `jobs` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `kind` text NOT NULL, `key` text NOT NULL, `order_id` integer NULL, `payload` text NOT NULL DEFAULT ('{}'), `state` text NOT NULL DEFAULT ('pending'), `attempts` integer NOT NULL DEFAULT (0), `next_at` datetime NOT NULL, `lease_until` datetime NULL, `last_error` text NOT NULL DEFAULT (''), `done_at` datetime NULL);
-- create index "jobs_key_key" to table: "jobs"
CREATE UNIQUE INDEX `jobs_key_key` ON `jobs` (`key`);
-- create index "job_state_next_at" to table: "jobs"
CREATE INDEX `job_state_next_at` ON `jobs` (`state`, `next_at`);
-- create index "job_order_id" to table: "jobs"
CREATE INDEX `job_order_id` ON `jobs` (`order_id`);
-- create "subscribe_grants" table
CREATE TABLE `subscribe_grants` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `shopper_id` integer NOT NULL, `template_id` text NOT NULL, `remaining` integer NOT NULL DEFAULT (0), `last_result` text NOT NULL DEFAULT (''));
-- create index "subscribegrant_shopper_id_template_id" to table: "subscribe_grants"
CREATE UNIQUE INDEX `subscribegrant_shopper_id_template_id` ON `subscribe_grants` (`shopper_id`, `template_id`);
-- enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;

-- +goose Down
DROP TABLE `subscribe_grants`;
DROP TABLE `jobs`;
DROP TABLE `shipment_events`;
DROP TABLE `shipments`;
CREATE TABLE `shipments` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `carrier` text NOT NULL DEFAULT (''), `tracking_no` text NOT NULL DEFAULT (''), `status` text NOT NULL DEFAULT ('pending'), `shipped_at` datetime NULL, `delivered_at` datetime NULL, `wechat_uploaded_at` datetime NULL, `order_id` integer NOT NULL, CONSTRAINT `shipments_orders_shipments` FOREIGN KEY (`order_id`) REFERENCES `orders` (`id`) ON DELETE NO ACTION);
CREATE INDEX `shipment_order_id` ON `shipments` (`order_id`);
CREATE INDEX `shipment_carrier_tracking_no` ON `shipments` (`carrier`, `tracking_no`);
CREATE TABLE `shipment_events` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `status` text NOT NULL, `description` text NOT NULL DEFAULT (''), `location` text NOT NULL DEFAULT (''), `occurred_at` datetime NOT NULL, `created_at` datetime NOT NULL, `shipment_id` integer NOT NULL, CONSTRAINT `shipment_events_shipments_events` FOREIGN KEY (`shipment_id`) REFERENCES `shipments` (`id`) ON DELETE CASCADE);
CREATE INDEX `shipmentevent_shipment_id_occurred_at` ON `shipment_events` (`shipment_id`, `occurred_at`);
DROP INDEX `order_status_receive_due_at`;
ALTER TABLE `orders` DROP COLUMN `receive_due_at`;
ALTER TABLE `orders` DROP COLUMN `delivered_at`;
ALTER TABLE `orders` DROP COLUMN `shipped_at`;
