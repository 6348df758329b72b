-- +goose Up
-- add column "price_fen" to table: "stocks"
ALTER TABLE `stocks` ADD COLUMN `price_fen` integer NULL;
-- create index "stock_own_prices" to table: "stocks"
CREATE INDEX `stock_own_prices` ON `stocks` (`store_id`, `sku_id`) WHERE price_fen IS NOT NULL;
-- create "price_changes" table
CREATE TABLE `price_changes` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `sku_id` integer NOT NULL, `store_id` integer NULL, `old_price_fen` integer NULL, `new_price_fen` integer NULL, `actor_type` text NOT NULL, `actor_id` integer NULL, `created_at` datetime NOT NULL);
-- create index "pricechange_sku_id_store_id" to table: "price_changes"
CREATE INDEX `pricechange_sku_id_store_id` ON `price_changes` (`sku_id`, `store_id`);

-- +goose Down
-- reverse: create index "pricechange_sku_id_store_id" to table: "price_changes"
DROP INDEX `pricechange_sku_id_store_id`;
-- reverse: create "price_changes" table
DROP TABLE `price_changes`;
-- reverse: create index "stock_own_prices" to table: "stocks"
DROP INDEX `stock_own_prices`;
-- reverse: add column "price_fen" to table: "stocks"
ALTER TABLE `stocks` DROP COLUMN `price_fen`;
