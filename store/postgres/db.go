package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/stepflow/stepflow/store/internal/sqlstore"
)

// database adapts a pgx pool to sqlstore.DB. pgx caches prepared statements per connection.
// Errors that say the database cannot be reached come out as *store.UnavailableError, and
// while it cannot be, calls that need a connection from the pool go through the breaker.
type database struct {
	pool *pgxpool.Pool
	gate *breaker
}

func (d *database) Reader() sqlstore.Querier { return querier{d.pool, d.gate} }
func (d *database) Writer() sqlstore.Querier { return querier{d.pool, d.gate} }

func (d *database) Begin(ctx context.Context) (sqlstore.Tx, error) {
	probe, err := d.gate.admit()
	if err != nil {
		return nil, err
	}
	tx, err := d.pool.Begin(ctx)
	err = unavailable(ctx, err)
	d.gate.done(probe, err)
	if err != nil {
		return nil, err
	}
	return transaction{querier{tx, nil}, tx}, nil
}

func (d *database) Close() error {
	d.pool.Close()
	return nil
}

// conn is what a pool and a transaction share.
type conn interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// querier runs statements on the pool (gate set) or in a transaction (gate nil: it holds its
// connection already).
type querier struct {
	c    conn
	gate *breaker
}

func (q querier) admit() (probe bool, err error) {
	if q.gate == nil {
		return false, nil
	}
	return q.gate.admit()
}

func (q querier) done(probe bool, err error) {
	if q.gate != nil {
		q.gate.done(probe, err)
	}
}

func (q querier) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	probe, err := q.admit()
	if err != nil {
		return 0, err
	}
	tag, err := q.c.Exec(ctx, query, args...)
	err = unavailable(ctx, err)
	q.done(probe, err)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

func (q querier) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	probe, err := q.admit()
	if err != nil {
		return nil, err
	}
	rows, err := q.c.Query(ctx, query, args...)
	err = unavailable(ctx, err)
	q.done(probe, err)
	if err != nil {
		return nil, err
	}
	return resultRows{rows, ctx}, nil
}

func (q querier) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	probe, err := q.admit()
	if err != nil {
		return failedRow{err}
	}
	return resultRow{q.c.QueryRow(ctx, query, args...), ctx, q, probe}
}

type resultRows struct {
	pgx.Rows
	ctx context.Context
}

func (r resultRows) Scan(dest ...any) error { return unavailable(r.ctx, r.Rows.Scan(dest...)) }
func (r resultRows) Err() error             { return unavailable(r.ctx, r.Rows.Err()) }

// resultRow reports its outcome to the breaker when scanned: pgx's QueryRow defers its error
// to Scan.
type resultRow struct {
	pgx.Row
	ctx   context.Context
	q     querier
	probe bool
}

func (r resultRow) Scan(dest ...any) error {
	err := unavailable(r.ctx, r.Row.Scan(dest...))
	r.q.done(r.probe, err)
	return err
}

type failedRow struct{ err error }

func (r failedRow) Scan(...any) error { return r.err }

type transaction struct {
	querier
	tx pgx.Tx
}

func (t transaction) Commit(ctx context.Context) error   { return unavailable(ctx, t.tx.Commit(ctx)) }
func (t transaction) Rollback(ctx context.Context) error { return t.tx.Rollback(ctx) }
