-- +goose Up
-- modify "orders" table
ALTER TABLE "orders" ADD COLUMN "pickup_attempts" bigint NOT NULL DEFAULT 0, ADD COLUMN "pickup_window_at" timestamptz NULL;
-- modify "staff" table
ALTER TABLE "staff" ADD COLUMN "token_version" bigint NOT NULL DEFAULT 1, ADD COLUMN "login_failures" bigint NOT NULL DEFAULT 0, ADD COLUMN "login_blocked_until" timestamptz NULL;

-- +goose Down
-- reverse: modify "staff" table
ALTER TABLE "staff" DROP COLUMN "login_blocked_until", DROP COLUMN "login_failures", DROP COLUMN "token_version";
-- reverse: modify "orders" table
ALTER TABLE "orders" DROP COLUMN "pickup_window_at", DROP COLUMN "pickup_attempts";
