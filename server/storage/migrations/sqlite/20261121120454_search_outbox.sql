-- +goose Up
-- create "leases" table
CREATE TABLE `leases` (`id` text NOT NULL, `holder` text NOT NULL DEFAULT (''), `expires_at` datetime NOT NULL, PRIMARY KEY (`id`));
-- create "search_outboxes" table
CREATE TABLE `search_outboxes` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `product_id` integer NOT NULL, `created_at` datetime NOT NULL, `processed_at` datetime NULL);
-- create index "searchoutbox_processed_at_id" to table: "search_outboxes"
CREATE INDEX `searchoutbox_processed_at_id` ON `search_outboxes` (`processed_at`, `id`);

-- +goose Down
-- reverse: create index "searchoutbox_processed_at_id" to table: "search_outboxes"
DROP INDEX `searchoutbox_processed_at_id`;
-- reverse: create "search_outboxes" table
DROP TABLE `search_outboxes`;
-- reverse: create "leases" table
DROP TABLE `leases`;
