// Package search will hold catalogue search: one interface with a Meilisearch
// backend for production (WEMART_SEARCH_URL) and an embedded index in the data
// dir as the default. Until that capability lands, the admin product list
// filters titles in SQL (see package catalog) and shoppers have no search.
package search
