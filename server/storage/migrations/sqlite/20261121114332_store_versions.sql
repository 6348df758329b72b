-- +goose Up
-- add column "version" to table: "stores"
ALTER TABLE `stores` ADD COLUMN `version` integer NULL;
-- create index "store_lat_lng" to table: "stores"
CREATE INDEX `store_lat_lng` ON `stores` (`lat`, `lng`);
-- create "counters" table
CREATE TABLE `counters` (`id` text NOT NULL, `value` integer NOT NULL DEFAULT (0), PRIMARY KEY (`id`));

-- +goose Down
-- reverse: create "counters" table
DROP TABLE `counters`;
-- reverse: create index "store_lat_lng" to table: "stores"
DROP INDEX `store_lat_lng`;
-- reverse: add column "version" to table: "stores"
ALTER TABLE `stores` DROP COLUMN `version`;
