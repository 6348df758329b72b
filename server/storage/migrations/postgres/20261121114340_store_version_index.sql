-- +goose Up
-- create index "store_version" to table: "stores"
CREATE INDEX "store_version" ON "stores" ("version");

-- +goose Down
-- reverse: create index "store_version" to table: "stores"
DROP INDEX "store_version";
