-- +goose Up
-- add column "checked_at" to table: "payments"
ALTER TABLE `payments` ADD COLUMN `checked_at` datetime NULL;

-- +goose Down
-- reverse: add column "checked_at" to table: "payments"
ALTER TABLE `payments` DROP COLUMN `checked_at`;
