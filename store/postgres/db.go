package postgres

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/stepflow/stepflow/store/internal/sqlstore"
)

// database adapts a pgx pool to sqlstore.DB. pgx caches prepared statements per connection.
// Errors that say the database cannot be reached come out as *store.UnavailableError, and
// while it cannot be, calls that need a connection from the pool go through the breaker.
type database struct {
	pool  *pgxpool.Pool
	gate  *breaker
	trips atomic.Int64 // round trips to the server: statements, batches, begins and commits
}

func (d *database) Reader() sqlstore.Querier { return querier{d.pool, d.gate, &d.trips} }
func (d *database) Writer() sqlstore.Querier { return querier{d.pool, d.gate, &d.trips} }

// Begin returns a transaction that begins with its first statement: in the same round trip
// when that is a batch.
func (d *database) Begin(ctx context.Context) (sqlstore.Tx, error) {
	return &transaction{db: d}, nil
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
	c     conn
	gate  *breaker
	trips *atomic.Int64
}

func (q querier) admit() (probe bool, err error) {
	q.trips.Add(1)
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

// transaction is a transaction that begins when its first statement is sent: a batch sends
// BEGIN with its statements, a single statement after a BEGIN of its own.
type transaction struct {
	db *database
	tx pgx.Tx // nil until begun
}

// begun returns the transaction, beginning it if its first statement is not a batch.
func (t *transaction) begun(ctx context.Context) (querier, error) {
	if t.tx == nil {
		probe, err := t.db.gate.admit()
		if err != nil {
			return querier{}, err
		}
		t.db.trips.Add(1)
		tx, err := t.db.pool.Begin(ctx)
		err = unavailable(ctx, err)
		t.db.gate.done(probe, err)
		if err != nil {
			return querier{}, err
		}
		t.tx = tx
	}
	return querier{t.tx, nil, &t.db.trips}, nil
}

func (t *transaction) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	q, err := t.begun(ctx)
	if err != nil {
		return 0, err
	}
	return q.Exec(ctx, query, args...)
}

func (t *transaction) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	q, err := t.begun(ctx)
	if err != nil {
		return nil, err
	}
	return q.Query(ctx, query, args...)
}

func (t *transaction) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	q, err := t.begun(ctx)
	if err != nil {
		return failedRow{err}
	}
	return q.QueryRow(ctx, query, args...)
}

// Commit commits; a transaction that never sent a statement has nothing to commit.
func (t *transaction) Commit(ctx context.Context) error {
	if t.tx == nil {
		return nil
	}
	t.db.trips.Add(1)
	return unavailable(ctx, t.tx.Commit(ctx))
}

func (t *transaction) Rollback(ctx context.Context) error {
	if t.tx == nil {
		return nil
	}
	t.db.trips.Add(1)
	return t.tx.Rollback(ctx)
}

// Batch implements sqlstore.Batcher.
func (t *transaction) Batch(ctx context.Context) sqlstore.Batch {
	return &batch{ctx: ctx, t: t}
}

// batch is statements of a transaction sent in one round trip with pgx's pipelining.
type batch struct {
	ctx context.Context
	t   *transaction
	b   pgx.Batch
}

func (b *batch) Exec(what, query string, args []any, done func(int64) error) {
	b.b.Queue(query, args...).Fn = func(br pgx.BatchResults) error {
		tag, err := br.Exec()
		if err != nil {
			return statementFailed(b.ctx, what, err)
		}
		if done == nil {
			return nil
		}
		return done(tag.RowsAffected())
	}
}

func (b *batch) Query(what, query string, args []any, read func(sqlstore.Rows) error) {
	b.b.Queue(query, args...).Fn = func(br pgx.BatchResults) error {
		rows, err := br.Query()
		if err != nil {
			return statementFailed(b.ctx, what, err)
		}
		defer rows.Close()
		if err := read(resultRows{rows, b.ctx}); err != nil {
			return err
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return statementFailed(b.ctx, what, err)
		}
		return nil
	}
}

// statementFailed words the failure of a batch's statement; a lost connection comes out as
// a *store.UnavailableError.
func statementFailed(ctx context.Context, what string, err error) error {
	return fmt.Errorf("%s: %w", what, unavailable(ctx, err))
}

// Send sends the statements, after a BEGIN when they are the transaction's first.
func (b *batch) Send(ctx context.Context) error {
	if b.b.Len() == 0 {
		return nil
	}
	b.t.db.trips.Add(1)
	if b.t.tx != nil {
		return unavailable(ctx, b.t.tx.SendBatch(ctx, &b.b).Close())
	}
	var first pgx.Batch
	first.BeginTx(pgx.TxOptions{})
	first.QueuedQueries = append(first.QueuedQueries, b.b.QueuedQueries...)
	probe, err := b.t.db.gate.admit()
	if err != nil {
		return err
	}
	results := b.t.db.pool.SendBatch(ctx, &first)
	b.t.tx = results.Tx()
	err = unavailable(ctx, results.Close())
	b.t.db.gate.done(probe, err)
	return err
}
