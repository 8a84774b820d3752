package sqlstore

import (
	"context"
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
