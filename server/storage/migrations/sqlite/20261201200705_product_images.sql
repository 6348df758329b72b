-- +goose Up
-- add column "image" to table: "order_items" (edited by hand: Atlas rebuilt the table for it)
ALTER TABLE `order_items` ADD COLUMN `image` text NOT NULL DEFAULT ('');
-- add column "image_key" to table: "products" (edited by hand: Atlas rebuilt the table for it)
ALTER TABLE `products` ADD COLUMN `image_key` text NOT NULL DEFAULT ('');
-- create "product_images" table
CREATE TABLE `product_images` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `key` text NOT NULL, `content_type` text NOT NULL, `width` integer NOT NULL, `height` integer NOT NULL, `bytes` integer NOT NULL, `position` integer NOT NULL, `created_at` datetime NOT NULL, `product_id` integer NOT NULL, CONSTRAINT `product_images_products_pictures` FOREIGN KEY (`product_id`) REFERENCES `products` (`id`) ON DELETE NO ACTION, CONSTRAINT `product_images_size` CHECK (width > 0 AND height > 0 AND bytes > 0 AND position >= 0));
-- create index "productimage_product_id_key" to table: "product_images"
CREATE UNIQUE INDEX `productimage_product_id_key` ON `product_images` (`product_id`, `key`);
-- create index "productimage_key" to table: "product_images"
CREATE INDEX `productimage_key` ON `product_images` (`key`);

-- +goose Down
-- reverse: create index "productimage_key" to table: "product_images"
DROP INDEX `productimage_key`;
-- reverse: create index "productimage_product_id_key" to table: "product_images"
DROP INDEX `productimage_product_id_key`;
-- reverse: create "product_images" table
DROP TABLE `product_images`;
-- reverse: add column "image_key" to table: "products"
ALTER TABLE `products` DROP COLUMN `image_key`;
-- reverse: add column "image" to table: "order_items"
ALTER TABLE `order_items` DROP COLUMN `image`;
