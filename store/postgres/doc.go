// Package postgres is the store.Store on a PostgreSQL database, through jackc/pgx/v5's
// connection pool. Several Stepflow servers can share one database: ExecutionStep's version
// guard serialises the steps of one execution, and DispatchLease skips rows another server
// is leasing (FOR UPDATE SKIP LOCKED).
package postgres
