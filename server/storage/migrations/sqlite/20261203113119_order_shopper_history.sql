-- +goose Up
-- create index "order_shopper_id_created_at" to table: "orders"
CREATE INDEX `order_shopper_id_created_at` ON `orders` (`shopper_id`, `created_at`);
-- create index "order_shopper_id_paid_at" to table: "orders"
CREATE INDEX `order_shopper_id_paid_at` ON `orders` (`shopper_id`, `paid_at`);

-- +goose Down
-- reverse: create index "order_shopper_id_paid_at" to table: "orders"
DROP INDEX `order_shopper_id_paid_at`;
-- reverse: create index "order_shopper_id_created_at" to table: "orders"
DROP INDEX `order_shopper_id_created_at`;
