package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/stepflow/stepflow/store"
)

// Store implements store.Store over a DB and its Dialect.
type Store struct {
	db      DB
	dialect Dialect
	closed  atomic.Bool
	queries sync.Map // query text -> rebound text
}

var _ store.Store = (*Store)(nil)

// New returns a Store on a migrated database.
func New(db DB, dialect Dialect) *Store {
	return &Store{db: db, dialect: dialect}
}

// Close closes the database; later calls return store.ErrClosed.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	return s.db.Close()
}

// q returns query with the dialect's placeholders.
func (s *Store) q(query string) string {
	if !s.dialect.DollarPlaceholders {
		return query
	}
	if v, ok := s.queries.Load(query); ok {
		return v.(string)
	}
	rebound := s.dialect.rebind(query)
	s.queries.Store(query, rebound)
	return rebound
}

// checkOpen returns ErrClosed, with op, once the store is closed.
func (s *Store) checkOpen(op string) error {
	if s.closed.Load() {
		return fmt.Errorf("%s: %w", op, store.ErrClosed)
	}
	return nil
}

// fail gives err the operation as context. Typed store errors already name their resource
// and are returned as they are.
func (s *Store) fail(op string, err error) error {
	var (
		notFound *store.NotFoundError
		exists   *store.AlreadyExistsError
		conflict *store.ConflictError
	)
	switch {
	case errors.As(err, &notFound), errors.As(err, &exists), errors.As(err, &conflict):
		return err
	case s.closed.Load():
		return fmt.Errorf("%s: %w", op, store.ErrClosed)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// inTx runs fn in a write transaction and commits it when fn succeeds.
func (s *Store) inTx(ctx context.Context, fn func(tx Tx) error) error {
	return s.inTxFrom(ctx, s.db.Begin, fn)
}

// inTxFrom is inTx on a transaction that begin starts.
func (s *Store) inTxFrom(ctx context.Context, begin func(context.Context) (Tx, error), fn func(tx Tx) error) error {
	tx, err := begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback(ctx)
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// exec runs a statement on tx with the dialect's placeholders.
func (s *Store) exec(ctx context.Context, tx Querier, query string, args ...any) (int64, error) {
	return tx.Exec(ctx, s.q(query), args...)
}

func (s *Store) queryRow(ctx context.Context, tx Querier, query string, args ...any) Row {
	return tx.QueryRow(ctx, s.q(query), args...)
}

func (s *Store) query(ctx context.Context, tx Querier, query string, args ...any) (Rows, error) {
	return tx.Query(ctx, s.q(query), args...)
}

// collect reads every row of a query with scan.
func collect[T any](rows Rows, err error, scan func(Rows) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// statements is a Batch whose statements are written with ? placeholders.
type statements struct {
	s *Store
	b Batch
}

// batch starts a batch of statements in tx.
func (s *Store) batch(ctx context.Context, tx Querier) statements {
	return statements{s, newBatch(ctx, tx)}
}

func (b statements) exec(what, query string, args []any, done func(rowsAffected int64) error) {
	b.b.Exec(what, b.s.q(query), args, done)
}

func (b statements) query(what, query string, args []any, read func(Rows) error) {
	b.b.Query(what, b.s.q(query), args, read)
}

func (b statements) send(ctx context.Context) error { return b.b.Send(ctx) }
