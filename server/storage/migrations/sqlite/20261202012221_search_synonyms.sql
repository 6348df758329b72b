-- +goose Up
-- add column "aliases" to table: "products"
ALTER TABLE `products` ADD COLUMN `aliases` json NOT NULL DEFAULT '[]';
-- create "search_synonyms" table
CREATE TABLE `search_synonyms` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `terms` json NOT NULL);
-- create "search_synonym_terms" table
CREATE TABLE `search_synonym_terms` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `term` text NOT NULL, `synonym_id` integer NOT NULL, CONSTRAINT `search_synonym_terms_search_synonyms_claims` FOREIGN KEY (`synonym_id`) REFERENCES `search_synonyms` (`id`) ON DELETE NO ACTION);
-- create index "search_synonym_terms_term_key" to table: "search_synonym_terms"
CREATE UNIQUE INDEX `search_synonym_terms_term_key` ON `search_synonym_terms` (`term`);
-- create index "searchsynonymterm_synonym_id" to table: "search_synonym_terms"
CREATE INDEX `searchsynonymterm_synonym_id` ON `search_synonym_terms` (`synonym_id`);

-- +goose Down
-- reverse: create index "searchsynonymterm_synonym_id" to table: "search_synonym_terms"
DROP INDEX `searchsynonymterm_synonym_id`;
-- reverse: create index "search_synonym_terms_term_key" to table: "search_synonym_terms"
DROP INDEX `search_synonym_terms_term_key`;
-- reverse: create "search_synonym_terms" table
DROP TABLE `search_synonym_terms`;
-- reverse: create "search_synonyms" table
DROP TABLE `search_synonyms`;
-- reverse: add column "aliases" to table: "products"
ALTER TABLE `products` DROP COLUMN `aliases`;
