-- +goose Up
-- modify "payments" table
ALTER TABLE "payments" ADD COLUMN "checked_at" timestamptz NULL;

-- +goose Down
-- reverse: modify "payments" table
ALTER TABLE "payments" DROP COLUMN "checked_at";
