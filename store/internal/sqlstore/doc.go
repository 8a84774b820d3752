// Package sqlstore implements store.Store once, over a small database interface that
// store/sqlite (database/sql with modernc.org/sqlite) and store/postgres (pgx) provide.
// Queries are written with ? placeholders and rewritten for PostgreSQL; the schemas live in
// each implementation's migration files and agree on table and column names.
package sqlstore
