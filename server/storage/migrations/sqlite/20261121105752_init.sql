-- +goose Up
-- create "addresses" table
CREATE TABLE `addresses` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `deleted_at` datetime NULL, `contact` text NOT NULL, `phone` text NOT NULL, `province` text NOT NULL DEFAULT (''), `city` text NOT NULL DEFAULT (''), `district` text NOT NULL DEFAULT (''), `detail` text NOT NULL, `lat` real NULL, `lng` real NULL, `is_default` bool NOT NULL DEFAULT (false), `shopper_id` integer NOT NULL, CONSTRAINT `addresses_shoppers_addresses` FOREIGN KEY (`shopper_id`) REFERENCES `shoppers` (`id`) ON DELETE NO ACTION);
-- create index "address_shopper_id" to table: "addresses"
CREATE INDEX `address_shopper_id` ON `addresses` (`shopper_id`);
-- create "cart_items" table
CREATE TABLE `cart_items` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `sku_id` integer NOT NULL, `quantity` integer NOT NULL, `selected` bool NOT NULL DEFAULT (true), `price_fen` integer NOT NULL, `shopper_id` integer NOT NULL, `store_id` integer NOT NULL, CONSTRAINT `cart_items_shoppers_cart_items` FOREIGN KEY (`shopper_id`) REFERENCES `shoppers` (`id`) ON DELETE NO ACTION, CONSTRAINT `cart_items_stores_cart_items` FOREIGN KEY (`store_id`) REFERENCES `stores` (`id`) ON DELETE NO ACTION, CONSTRAINT `cart_items_quantity` CHECK (quantity > 0));
-- create index "cartitem_shopper_id_store_id_sku_id" to table: "cart_items"
CREATE UNIQUE INDEX `cartitem_shopper_id_store_id_sku_id` ON `cart_items` (`shopper_id`, `store_id`, `sku_id`);
-- create "categories" table
CREATE TABLE `categories` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `sort` integer NOT NULL DEFAULT (0), `parent_id` integer NULL, CONSTRAINT `categories_categories_children` FOREIGN KEY (`parent_id`) REFERENCES `categories` (`id`) ON DELETE SET NULL);
-- create "orders" table
CREATE TABLE `orders` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `order_no` text NOT NULL, `status` text NOT NULL DEFAULT ('pending_payment'), `fulfilment` text NOT NULL, `pickup_code` text NULL, `address` json NULL, `delivery_distance_m` integer NULL, `goods_fen` integer NOT NULL, `delivery_fee_fen` integer NOT NULL DEFAULT (0), `discount_fen` integer NOT NULL DEFAULT (0), `payable_fen` integer NOT NULL, `remark` text NOT NULL DEFAULT (''), `idempotency_key` text NOT NULL, `request_hash` text NOT NULL, `expires_at` datetime NOT NULL, `paid_at` datetime NULL, `cancelled_at` datetime NULL, `completed_at` datetime NULL, `cancel_reason` text NOT NULL DEFAULT (''), `shopper_id` integer NOT NULL, `store_id` integer NOT NULL, CONSTRAINT `orders_shoppers_orders` FOREIGN KEY (`shopper_id`) REFERENCES `shoppers` (`id`) ON DELETE NO ACTION, CONSTRAINT `orders_stores_orders` FOREIGN KEY (`store_id`) REFERENCES `stores` (`id`) ON DELETE NO ACTION, CONSTRAINT `orders_amounts_nonneg` CHECK (goods_fen >= 0 AND delivery_fee_fen >= 0 AND discount_fen >= 0 AND payable_fen >= 0), CONSTRAINT `orders_payable_sum` CHECK (payable_fen = goods_fen + delivery_fee_fen - discount_fen));
-- create index "orders_order_no_key" to table: "orders"
CREATE UNIQUE INDEX `orders_order_no_key` ON `orders` (`order_no`);
-- create index "order_shopper_id_idempotency_key" to table: "orders"
CREATE UNIQUE INDEX `order_shopper_id_idempotency_key` ON `orders` (`shopper_id`, `idempotency_key`);
-- create index "order_shopper_id_status" to table: "orders"
CREATE INDEX `order_shopper_id_status` ON `orders` (`shopper_id`, `status`);
-- create index "order_store_id_status" to table: "orders"
CREATE INDEX `order_store_id_status` ON `orders` (`store_id`, `status`);
-- create index "order_status_expires_at" to table: "orders"
CREATE INDEX `order_status_expires_at` ON `orders` (`status`, `expires_at`);
-- create "order_events" table
CREATE TABLE `order_events` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `from_status` text NULL, `to_status` text NOT NULL, `actor_type` text NOT NULL, `actor_id` integer NULL, `note` text NOT NULL DEFAULT (''), `created_at` datetime NOT NULL, `order_id` integer NOT NULL, CONSTRAINT `order_events_orders_events` FOREIGN KEY (`order_id`) REFERENCES `orders` (`id`) ON DELETE CASCADE);
-- create "order_items" table
CREATE TABLE `order_items` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `sku_id` integer NOT NULL, `product_id` integer NOT NULL, `title` text NOT NULL, `sku_name` text NOT NULL, `price_fen` integer NOT NULL, `quantity` integer NOT NULL, `amount_fen` integer NOT NULL, `refunded_quantity` integer NOT NULL DEFAULT (0), `order_id` integer NOT NULL, CONSTRAINT `order_items_orders_items` FOREIGN KEY (`order_id`) REFERENCES `orders` (`id`) ON DELETE CASCADE, CONSTRAINT `order_items_amount` CHECK (price_fen >= 0 AND amount_fen = price_fen * quantity), CONSTRAINT `order_items_quantity` CHECK (quantity > 0 AND refunded_quantity >= 0 AND refunded_quantity <= quantity));
-- create "payments" table
CREATE TABLE `payments` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `out_trade_no` text NOT NULL, `prepay_id` text NULL, `prepay_expires_at` datetime NULL, `transaction_id` text NULL, `amount_fen` integer NOT NULL, `payer_openid` text NOT NULL, `status` text NOT NULL DEFAULT ('pending'), `trade_state` text NOT NULL DEFAULT (''), `paid_at` datetime NULL, `order_id` integer NOT NULL, CONSTRAINT `payments_orders_payments` FOREIGN KEY (`order_id`) REFERENCES `orders` (`id`) ON DELETE NO ACTION);
-- create index "payments_out_trade_no_key" to table: "payments"
CREATE UNIQUE INDEX `payments_out_trade_no_key` ON `payments` (`out_trade_no`);
-- create index "payments_transaction_id_key" to table: "payments"
CREATE UNIQUE INDEX `payments_transaction_id_key` ON `payments` (`transaction_id`);
-- create index "payment_order_id" to table: "payments"
CREATE INDEX `payment_order_id` ON `payments` (`order_id`);
-- create "products" table
CREATE TABLE `products` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `deleted_at` datetime NULL, `title` text NOT NULL, `subtitle` text NOT NULL DEFAULT (''), `description` text NOT NULL DEFAULT (''), `images` json NULL, `status` text NOT NULL DEFAULT ('listed'), `sales` integer NOT NULL DEFAULT (0), `category_id` integer NULL, CONSTRAINT `products_categories_products` FOREIGN KEY (`category_id`) REFERENCES `categories` (`id`) ON DELETE SET NULL, CONSTRAINT `products_sales` CHECK (sales >= 0));
-- create index "product_category_id" to table: "products"
CREATE INDEX `product_category_id` ON `products` (`category_id`);
-- create index "product_deleted_at_status" to table: "products"
CREATE INDEX `product_deleted_at_status` ON `products` (`deleted_at`, `status`);
-- create "refunds" table
CREATE TABLE `refunds` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `out_refund_no` text NOT NULL, `refund_id` text NULL, `amount_fen` integer NOT NULL, `reason` text NOT NULL DEFAULT (''), `initiator` text NOT NULL, `status` text NOT NULL DEFAULT ('requested'), `lines` json NULL, `reviewed_by` integer NULL, `review_note` text NOT NULL DEFAULT (''), `succeeded_at` datetime NULL, `order_id` integer NOT NULL, CONSTRAINT `refunds_orders_refunds` FOREIGN KEY (`order_id`) REFERENCES `orders` (`id`) ON DELETE NO ACTION, CONSTRAINT `refunds_amount` CHECK (amount_fen > 0));
-- create index "refunds_out_refund_no_key" to table: "refunds"
CREATE UNIQUE INDEX `refunds_out_refund_no_key` ON `refunds` (`out_refund_no`);
-- create index "refund_order_id" to table: "refunds"
CREATE INDEX `refund_order_id` ON `refunds` (`order_id`);
-- create index "refund_status" to table: "refunds"
CREATE INDEX `refund_status` ON `refunds` (`status`);
-- create "shipments" table
CREATE TABLE `shipments` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `carrier` text NOT NULL DEFAULT (''), `tracking_no` text NOT NULL DEFAULT (''), `status` text NOT NULL DEFAULT ('pending'), `shipped_at` datetime NULL, `delivered_at` datetime NULL, `wechat_uploaded_at` datetime NULL, `order_id` integer NOT NULL, CONSTRAINT `shipments_orders_shipments` FOREIGN KEY (`order_id`) REFERENCES `orders` (`id`) ON DELETE NO ACTION);
-- create index "shipment_order_id" to table: "shipments"
CREATE INDEX `shipment_order_id` ON `shipments` (`order_id`);
-- create index "shipment_carrier_tracking_no" to table: "shipments"
CREATE INDEX `shipment_carrier_tracking_no` ON `shipments` (`carrier`, `tracking_no`);
-- create "shipment_events" table
CREATE TABLE `shipment_events` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `status` text NOT NULL, `description` text NOT NULL DEFAULT (''), `location` text NOT NULL DEFAULT (''), `occurred_at` datetime NOT NULL, `created_at` datetime NOT NULL, `shipment_id` integer NOT NULL, CONSTRAINT `shipment_events_shipments_events` FOREIGN KEY (`shipment_id`) REFERENCES `shipments` (`id`) ON DELETE CASCADE);
-- create index "shipmentevent_shipment_id_occurred_at" to table: "shipment_events"
CREATE INDEX `shipmentevent_shipment_id_occurred_at` ON `shipment_events` (`shipment_id`, `occurred_at`);
-- create "shoppers" table
CREATE TABLE `shoppers` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `openid` text NOT NULL, `unionid` text NULL, `phone` text NULL, `nickname` text NOT NULL DEFAULT (''), `avatar_url` text NOT NULL DEFAULT (''), `last_login_at` datetime NULL);
-- create index "shoppers_openid_key" to table: "shoppers"
CREATE UNIQUE INDEX `shoppers_openid_key` ON `shoppers` (`openid`);
-- create index "shopper_unionid" to table: "shoppers"
CREATE INDEX `shopper_unionid` ON `shoppers` (`unionid`);
-- create "skus" table
CREATE TABLE `skus` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `deleted_at` datetime NULL, `name` text NOT NULL, `price_fen` integer NOT NULL, `barcode` text NULL, `sort` integer NOT NULL DEFAULT (0), `product_id` integer NOT NULL, CONSTRAINT `skus_products_skus` FOREIGN KEY (`product_id`) REFERENCES `products` (`id`) ON DELETE NO ACTION, CONSTRAINT `skus_price_fen` CHECK (price_fen >= 0));
-- create index "sku_product_id" to table: "skus"
CREATE INDEX `sku_product_id` ON `skus` (`product_id`);
-- create index "sku_barcode" to table: "skus"
CREATE UNIQUE INDEX `sku_barcode` ON `skus` (`barcode`);
-- create "staff" table
CREATE TABLE `staff` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `username` text NOT NULL, `display_name` text NOT NULL DEFAULT (''), `password_hash` text NOT NULL, `role` text NOT NULL, `disabled` bool NOT NULL DEFAULT (false), `last_login_at` datetime NULL, `store_id` integer NULL, CONSTRAINT `staff_stores_staff` FOREIGN KEY (`store_id`) REFERENCES `stores` (`id`) ON DELETE SET NULL);
-- create index "staff_username_key" to table: "staff"
CREATE UNIQUE INDEX `staff_username_key` ON `staff` (`username`);
-- create "stocks" table
CREATE TABLE `stocks` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `on_hand` integer NOT NULL DEFAULT (0), `reserved` integer NOT NULL DEFAULT (0), `low_stock_threshold` integer NOT NULL DEFAULT (5), `sku_id` integer NOT NULL, `store_id` integer NOT NULL, CONSTRAINT `stocks_skus_stocks` FOREIGN KEY (`sku_id`) REFERENCES `skus` (`id`) ON DELETE NO ACTION, CONSTRAINT `stocks_stores_stocks` FOREIGN KEY (`store_id`) REFERENCES `stores` (`id`) ON DELETE NO ACTION, CONSTRAINT `stocks_on_hand_nonneg` CHECK (on_hand >= 0), CONSTRAINT `stocks_reserved_le` CHECK (reserved <= on_hand), CONSTRAINT `stocks_reserved_nonneg` CHECK (reserved >= 0));
-- create index "stock_store_id_sku_id" to table: "stocks"
CREATE UNIQUE INDEX `stock_store_id_sku_id` ON `stocks` (`store_id`, `sku_id`);
-- create index "stock_sku_id" to table: "stocks"
CREATE INDEX `stock_sku_id` ON `stocks` (`sku_id`);
-- create "stock_movements" table
CREATE TABLE `stock_movements` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `store_id` integer NOT NULL, `sku_id` integer NOT NULL, `kind` text NOT NULL, `delta_on_hand` integer NOT NULL, `delta_reserved` integer NOT NULL, `on_hand_after` integer NOT NULL, `reserved_after` integer NOT NULL, `reason` text NOT NULL DEFAULT (''), `actor_type` text NOT NULL, `actor_id` integer NULL, `order_id` integer NULL, `created_at` datetime NOT NULL);
-- create index "stockmovement_store_id_sku_id" to table: "stock_movements"
CREATE INDEX `stockmovement_store_id_sku_id` ON `stock_movements` (`store_id`, `sku_id`);
-- create index "stockmovement_order_id" to table: "stock_movements"
CREATE INDEX `stockmovement_order_id` ON `stock_movements` (`order_id`);
-- create "stores" table
CREATE TABLE `stores` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `deleted_at` datetime NULL, `name` text NOT NULL, `address` text NOT NULL DEFAULT (''), `city` text NOT NULL DEFAULT (''), `phone` text NOT NULL DEFAULT (''), `lat` real NOT NULL, `lng` real NOT NULL, `h3_r5` integer NOT NULL, `h3_r7` integer NOT NULL, `h3_r8` integer NOT NULL, `timezone` text NOT NULL DEFAULT ('Asia/Shanghai'), `opening_hours` json NOT NULL, `status` text NOT NULL DEFAULT ('open'), `pickup` bool NOT NULL DEFAULT (true), `delivery` bool NOT NULL DEFAULT (false), `delivery_radius_m` integer NOT NULL DEFAULT (0), `delivery_fee_fen` integer NOT NULL DEFAULT (0), `delivery_min_fen` integer NOT NULL DEFAULT (0), `delivery_zone` json NULL, CONSTRAINT `stores_delivery_fee_fen` CHECK (delivery_fee_fen >= 0), CONSTRAINT `stores_delivery_radius` CHECK (delivery_radius_m >= 0), CONSTRAINT `stores_lat_range` CHECK (lat >= -90 AND lat <= 90), CONSTRAINT `stores_lng_range` CHECK (lng >= -180 AND lng <= 180));
-- create index "store_h3_r5" to table: "stores"
CREATE INDEX `store_h3_r5` ON `stores` (`h3_r5`);
-- create index "store_h3_r7" to table: "stores"
CREATE INDEX `store_h3_r7` ON `stores` (`h3_r7`);
-- create index "store_h3_r8" to table: "stores"
CREATE INDEX `store_h3_r8` ON `stores` (`h3_r8`);
-- create index "store_deleted_at_status" to table: "stores"
CREATE INDEX `store_deleted_at_status` ON `stores` (`deleted_at`, `status`);
-- create "store_delivery_cells" table
CREATE TABLE `store_delivery_cells` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `cell` integer NOT NULL, `resolution` integer NOT NULL, `store_id` integer NOT NULL, CONSTRAINT `store_delivery_cells_stores_delivery_cells` FOREIGN KEY (`store_id`) REFERENCES `stores` (`id`) ON DELETE CASCADE);
-- create index "storedeliverycell_store_id_cell" to table: "store_delivery_cells"
CREATE UNIQUE INDEX `storedeliverycell_store_id_cell` ON `store_delivery_cells` (`store_id`, `cell`);
-- create index "storedeliverycell_cell" to table: "store_delivery_cells"
CREATE INDEX `storedeliverycell_cell` ON `store_delivery_cells` (`cell`);

-- +goose Down
-- reverse: create index "storedeliverycell_cell" to table: "store_delivery_cells"
DROP INDEX `storedeliverycell_cell`;
-- reverse: create index "storedeliverycell_store_id_cell" to table: "store_delivery_cells"
DROP INDEX `storedeliverycell_store_id_cell`;
-- reverse: create "store_delivery_cells" table
DROP TABLE `store_delivery_cells`;
-- reverse: create index "store_deleted_at_status" to table: "stores"
DROP INDEX `store_deleted_at_status`;
-- reverse: create index "store_h3_r8" to table: "stores"
DROP INDEX `store_h3_r8`;
-- reverse: create index "store_h3_r7" to table: "stores"
DROP INDEX `store_h3_r7`;
-- reverse: create index "store_h3_r5" to table: "stores"
DROP INDEX `store_h3_r5`;
-- reverse: create "stores" table
DROP TABLE `stores`;
-- reverse: create index "stockmovement_order_id" to table: "stock_movements"
DROP INDEX `stockmovement_order_id`;
-- reverse: create index "stockmovement_store_id_sku_id" to table: "stock_movements"
DROP INDEX `stockmovement_store_id_sku_id`;
-- reverse: create "stock_movements" table
DROP TABLE `stock_movements`;
-- reverse: create index "stock_sku_id" to table: "stocks"
DROP INDEX `stock_sku_id`;
-- reverse: create index "stock_store_id_sku_id" to table: "stocks"
DROP INDEX `stock_store_id_sku_id`;
-- reverse: create "stocks" table
DROP TABLE `stocks`;
-- reverse: create index "staff_username_key" to table: "staff"
DROP INDEX `staff_username_key`;
-- reverse: create "staff" table
DROP TABLE `staff`;
-- reverse: create index "sku_barcode" to table: "skus"
DROP INDEX `sku_barcode`;
-- reverse: create index "sku_product_id" to table: "skus"
DROP INDEX `sku_product_id`;
-- reverse: create "skus" table
DROP TABLE `skus`;
-- reverse: create index "shopper_unionid" to table: "shoppers"
DROP INDEX `shopper_unionid`;
-- reverse: create index "shoppers_openid_key" to table: "shoppers"
DROP INDEX `shoppers_openid_key`;
-- reverse: create "shoppers" table
DROP TABLE `shoppers`;
-- reverse: create index "shipmentevent_shipment_id_occurred_at" to table: "shipment_events"
DROP INDEX `shipmentevent_shipment_id_occurred_at`;
-- reverse: create "shipment_events" table
DROP TABLE `shipment_events`;
-- reverse: create index "shipment_carrier_tracking_no" to table: "shipments"
DROP INDEX `shipment_carrier_tracking_no`;
-- reverse: create index "shipment_order_id" to table: "shipments"
DROP INDEX `shipment_order_id`;
-- reverse: create "shipments" table
DROP TABLE `shipments`;
-- reverse: create index "refund_status" to table: "refunds"
DROP INDEX `refund_status`;
-- reverse: create index "refund_order_id" to table: "refunds"
DROP INDEX `refund_order_id`;
-- reverse: create index "refunds_out_refund_no_key" to table: "refunds"
DROP INDEX `refunds_out_refund_no_key`;
-- reverse: create "refunds" table
DROP TABLE `refunds`;
-- reverse: create index "product_deleted_at_status" to table: "products"
DROP INDEX `product_deleted_at_status`;
-- reverse: create index "product_category_id" to table: "products"
DROP INDEX `product_category_id`;
-- reverse: create "products" table
DROP TABLE `products`;
-- reverse: create index "payment_order_id" to table: "payments"
DROP INDEX `payment_order_id`;
-- reverse: create index "payments_transaction_id_key" to table: "payments"
DROP INDEX `payments_transaction_id_key`;
-- reverse: create index "payments_out_trade_no_key" to table: "payments"
DROP INDEX `payments_out_trade_no_key`;
-- reverse: create "payments" table
DROP TABLE `payments`;
-- reverse: create "order_items" table
DROP TABLE `order_items`;
-- reverse: create "order_events" table
DROP TABLE `order_events`;
-- reverse: create index "order_status_expires_at" to table: "orders"
DROP INDEX `order_status_expires_at`;
-- reverse: create index "order_store_id_status" to table: "orders"
DROP INDEX `order_store_id_status`;
-- reverse: create index "order_shopper_id_status" to table: "orders"
DROP INDEX `order_shopper_id_status`;
-- reverse: create index "order_shopper_id_idempotency_key" to table: "orders"
DROP INDEX `order_shopper_id_idempotency_key`;
-- reverse: create index "orders_order_no_key" to table: "orders"
DROP INDEX `orders_order_no_key`;
-- reverse: create "orders" table
DROP TABLE `orders`;
-- reverse: create "categories" table
DROP TABLE `categories`;
-- reverse: create index "cartitem_shopper_id_store_id_sku_id" to table: "cart_items"
DROP INDEX `cartitem_shopper_id_store_id_sku_id`;
-- reverse: create "cart_items" table
DROP TABLE `cart_items`;
-- reverse: create index "address_shopper_id" to table: "addresses"
DROP INDEX `address_shopper_id`;
-- reverse: create "addresses" table
DROP TABLE `addresses`;
