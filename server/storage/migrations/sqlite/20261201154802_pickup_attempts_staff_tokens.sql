-- +goose Up
-- Hand-edited: Atlas rebuilds a table for any added column with a DEFAULT;
-- SQLite adds a column with a constant default in place, in the transaction.
-- add columns "pickup_attempts", "pickup_window_at" to table: "orders"
ALTER TABLE `orders` ADD COLUMN `pickup_attempts` integer NOT NULL DEFAULT (0);
ALTER TABLE `orders` ADD COLUMN `pickup_window_at` datetime NULL;
-- add column "token_version" to table: "staff"
ALTER TABLE `staff` ADD COLUMN `token_version` integer NOT NULL DEFAULT (1);
-- create "login_throttles" table
CREATE TABLE `login_throttles` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `username` text NOT NULL, `failures` integer NOT NULL DEFAULT (0), `blocked_until` datetime NULL, `updated_at` datetime NOT NULL);
-- create index "login_throttles_username_key" to table: "login_throttles"
CREATE UNIQUE INDEX `login_throttles_username_key` ON `login_throttles` (`username`);
-- create index "loginthrottle_updated_at" to table: "login_throttles"
CREATE INDEX `loginthrottle_updated_at` ON `login_throttles` (`updated_at`);

-- +goose Down
DROP INDEX `loginthrottle_updated_at`;
DROP INDEX `login_throttles_username_key`;
DROP TABLE `login_throttles`;
ALTER TABLE `staff` DROP COLUMN `token_version`;
ALTER TABLE `orders` DROP COLUMN `pickup_window_at`;
ALTER TABLE `orders` DROP COLUMN `pickup_attempts`;
