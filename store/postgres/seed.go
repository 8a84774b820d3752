package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/store/internal/sqlstore"
)

// ExecutionSeed writes new executions, with their history and their share of the performance
// rollups, in one transaction through COPY: the rows ExecutionCreateBatch writes, several
// times faster. It is for filling a store to measure it (stepflow bench-store), not for a
// running engine: a taken ARN fails the whole call (COPY has no ON CONFLICT), and executions
// with timers, dispatches, task tokens or event deliveries are refused.
func (s *Store) ExecutionSeed(ctx context.Context, params []*store.ExecutionCreateParams) error {
	if len(params) == 0 {
		return nil
	}
	op := fmt.Sprintf("seed %d executions", len(params))
	if err := s.seed(ctx, params); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

func (s *Store) seed(ctx context.Context, params []*store.ExecutionCreateParams) (err error) {
	t := &transaction{db: s.db}
	defer func() {
		if err != nil {
			_ = t.Rollback(ctx)
		}
	}()
	if _, err := t.begun(ctx); err != nil {
		return err
	}
	// Row ids come from the identity's own sequence, as an INSERT's would: COPY writes the
	// values it is given, the identity column's included.
	ids := make([]int64, 0, len(params))
	s.db.trips.Add(1)
	rows, err := t.tx.Query(ctx, `SELECT nextval(pg_get_serial_sequence('execution', 'id')) FROM generate_series(1, $1)`, len(params))
	if err != nil {
		return unavailable(ctx, err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return unavailable(ctx, err)
	}
	seeded, err := s.ExecutionSeedRows(params, ids)
	if err != nil {
		return err
	}
	s.db.trips.Add(2)
	if _, err := t.tx.CopyFrom(ctx, pgx.Identifier{"execution"}, sqlstore.ExecutionSeedColumns, pgx.CopyFromRows(seeded.Executions)); err != nil {
		return fmt.Errorf("copy executions: %w", unavailable(ctx, err))
	}
	if _, err := t.tx.CopyFrom(ctx, pgx.Identifier{"history_chunk"}, sqlstore.HistoryChunkSeedColumns, pgx.CopyFromRows(seeded.HistoryChunks)); err != nil {
		return fmt.Errorf("copy history: %w", unavailable(ctx, err))
	}
	if err := s.PerformanceSeed(ctx, t, params); err != nil {
		return fmt.Errorf("add to performance rollups: %w", err)
	}
	return t.Commit(ctx)
}
