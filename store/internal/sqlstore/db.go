package sqlstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Querier runs statements on a connection pool or inside a transaction.
type Querier interface {
	Exec(ctx context.Context, query string, args ...any) (rowsAffected int64, err error)
	Query(ctx context.Context, query string, args ...any) (Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) Row
}

// Rows is a result set being read.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// Row is a single-row result; Scan returns an error wrapping sql.ErrNoRows when it is empty.
type Row interface {
	Scan(dest ...any) error
}

// Tx is a write transaction.
type Tx interface {
	Querier
	Commit(ctx context.Context) error
	Rollback(ctx context.Context) error
}

// DB is the database behind a Store.
type DB interface {
	// Reader runs reads; it may be a separate pool from the one transactions use.
	Reader() Querier
	// Writer runs single-statement writes outside a transaction.
	Writer() Querier
	// Begin starts a write transaction.
	Begin(ctx context.Context) (Tx, error)
	Close() error
}

// Dialect is what differs between the SQL databases.
type Dialect struct {
	// DollarPlaceholders rewrites ? to $1, $2, ... (PostgreSQL).
	DollarPlaceholders bool
	// Time converts a time to the value stored in a time column.
	Time func(time.Time) any
	// SkipLocked is appended to the row-locking subquery of DispatchLease.
	SkipLocked string
	// ForUpdate is appended to a SELECT whose rows the transaction will update.
	ForUpdate string
	// Int64Param, BytesParam and TimeParam are a placeholder with the cast that a VALUES list
	// needs for its column to have that type.
	Int64Param, BytesParam, TimeParam string
	// PerformanceShards is how many rows each performance rollup bucket is spread over, one
	// chosen per transaction: concurrent writers then rarely wait for one another's row
	// locks. 0 or 1 for a database with one writer at a time.
	PerformanceShards int
	// Arrays says the database takes arrays as parameters (PostgreSQL): the statements of a
	// commit send a column's values as one array (see arrays.go) instead of a VALUES list.
	Arrays bool
	// Duplicate reports whether err is the refusal of a row whose key the named unique
	// constraint holds already; nil where no statement relies on it (SQLite).
	Duplicate func(err error, constraint string) bool
}

// rebind rewrites ? placeholders for the dialect. Queries here never hold ? in literals.
func (d *Dialect) rebind(query string) string {
	if !d.DollarPlaceholders {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// UnixMicro stores a time as microseconds since the Unix epoch (SQLite's time columns).
func UnixMicro(t time.Time) any { return t.UnixMicro() }

// Batch is statements that run in order, in one transaction, as one unit: PostgreSQL sends
// them in one round trip and reads their results after (a commit's statements are most of its
// time on a server a round trip away, each one waiting for a process to be scheduled on each
// side), while an in-process database runs each as it is queued. A statement's callback sees
// its result; the first failure, of a statement or a callback, skips the statements after it
// and is what Send returns, wrapped with the failed statement's what.
type Batch interface {
	// Exec queues a statement; done, when not nil, gets the rows it affected.
	Exec(what, query string, args []any, done func(rowsAffected int64) error)
	// Query queues a query; read gets its rows and reads them.
	Query(what, query string, args []any, read func(Rows) error)
	// Send runs whatever has not run yet and returns the first failure.
	Send(ctx context.Context) error
}

// Batcher is a Tx that sends a Batch in one go. A Tx that is not one runs each statement of a
// batch as it is queued.
type Batcher interface {
	Batch(ctx context.Context) Batch
}

// immediateBatch runs each statement as it is queued, for a database in the same process.
type immediateBatch struct {
	ctx context.Context
	q   Querier
	err error
}

func (b *immediateBatch) Exec(what, query string, args []any, done func(int64) error) {
	if b.err != nil {
		return
	}
	n, err := b.q.Exec(b.ctx, query, args...)
	if err != nil {
		b.err = fmt.Errorf("%s: %w", what, err)
		return
	}
	if done != nil {
		b.err = done(n)
	}
}

func (b *immediateBatch) Query(what, query string, args []any, read func(Rows) error) {
	if b.err != nil {
		return
	}
	rows, err := b.q.Query(b.ctx, query, args...)
	if err != nil {
		b.err = fmt.Errorf("%s: %w", what, err)
		return
	}
	defer rows.Close()
	if err := read(rows); err != nil {
		b.err = err
		return
	}
	if err := rows.Err(); err != nil {
		b.err = fmt.Errorf("%s: %w", what, err)
	}
}

func (b *immediateBatch) Send(context.Context) error { return b.err }

// newBatch returns a batch of statements in tx.
func newBatch(ctx context.Context, tx Querier) Batch {
	if b, ok := tx.(Batcher); ok {
		return b.Batch(ctx)
	}
	return &immediateBatch{ctx: ctx, q: tx}
}
