// Package schema holds wemart's data model as ent schemas: one file per entity.
//
// The generated client lives in ../ent (run `make generate` after editing anything
// here) and the SQL migrations in ../server/storage/migrations (run `make migration`).
// Conventions that every schema follows:
//   - money is int64 fen, field names end in _fen;
//   - coordinates are GCJ-02 degrees, distances integer metres ending in _m;
//   - times are stored in UTC;
//   - rows that other rows point at (stores, products, SKUs, addresses) are soft
//     deleted through a nullable deleted_at, so history stays intact.
package schema
