-- +goose Up
-- Hand-edited: Atlas rebuilds a table for any added column with a DEFAULT;
-- SQLite adds a column with a constant default in place, in the transaction.
-- add columns "pickup_attempts", "pickup_window_at" to table: "orders"
ALTER TABLE `orders` ADD COLUMN `pickup_attempts` integer NOT NULL DEFAULT (0);
ALTER TABLE `orders` ADD COLUMN `pickup_window_at` datetime NULL;
-- add columns "token_version", "login_failures", "login_blocked_until" to table: "staff"
ALTER TABLE `staff` ADD COLUMN `token_version` integer NOT NULL DEFAULT (1);
ALTER TABLE `staff` ADD COLUMN `login_failures` integer NOT NULL DEFAULT (0);
ALTER TABLE `staff` ADD COLUMN `login_blocked_until` datetime NULL;

-- +goose Down
ALTER TABLE `staff` DROP COLUMN `login_blocked_until`;
ALTER TABLE `staff` DROP COLUMN `login_failures`;
ALTER TABLE `staff` DROP COLUMN `token_version`;
ALTER TABLE `orders` DROP COLUMN `pickup_window_at`;
ALTER TABLE `orders` DROP COLUMN `pickup_attempts`;
