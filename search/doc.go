// Package search is wemart's catalogue search: one interface (Engine opens
// Index generations; an Index answers queries and takes documents) with two
// backends: Meilisearch for production (meili.go) and an embedded bleve index
// in the data dir as the default (embedded.go). Neither knows the database;
// package server/indexer turns products into Documents and keeps the index
// in step with the catalogue.
package search
