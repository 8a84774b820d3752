package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/store/internal/sqlstore"
)

// copyExecutions writes params in t: their row ids, their rows and history through COPY,
// their rollups through the upserts a commit runs.
func (s *Store) copyExecutions(ctx context.Context, t *transaction, params []*store.ExecutionCreateParams) error {
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
	return nil
}

// Seeding fills a store with many executions through COPY in one transaction. The execution
// table's listing indexes are dropped at its start and built again at its end: the load then
// writes the table, its primary key and its unique ARN only, and each listing index costs one
// sort instead of an insert per row (ten million executions on the 2-core VM: 11 minutes of
// COPY, 7 of index builds). The indexes are dropped and built again inside the transaction, so a seeding that fails or is abandoned
// leaves the store as it was, indexes included. While it runs it holds the execution table
// exclusively: it is for filling a store to measure it (stepflow bench-store), never beside
// a running engine.
type Seeding struct {
	s       *Store
	t       *transaction
	indexes []string // the definitions of the indexes dropped, to build again
	seeded  int
}

// SeedingBegin begins a Seeding: it drops the execution table's indexes that no constraint
// needs (the primary key and the unique ARN stay, so a taken ARN still fails the seeding).
func (s *Store) SeedingBegin(ctx context.Context) (sd *Seeding, err error) {
	t := &transaction{db: s.db}
	defer func() {
		if err != nil {
			_ = t.Rollback(ctx)
			err = fmt.Errorf("begin seeding: %w", err)
		}
	}()
	q, err := t.begun(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT i.indexname, i.indexdef FROM pg_indexes i
		WHERE i.schemaname = current_schema() AND i.tablename = 'execution'
			AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conrelid = 'execution'::regclass AND c.conname = i.indexname)
		ORDER BY i.indexname`)
	if err != nil {
		return nil, err
	}
	var names, defs []string
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			rows.Close()
			return nil, err
		}
		names, defs = append(names, name), append(defs, def)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, name := range names {
		if _, err := q.Exec(ctx, `DROP INDEX `+pgx.Identifier{name}.Sanitize()); err != nil {
			return nil, err
		}
	}
	return &Seeding{s: s, t: t, indexes: defs}, nil
}

// Add writes new executions, with their history and their share of the performance rollups,
// in the seeding's transaction: the rows ExecutionCreateBatch writes, through COPY. A taken
// ARN fails it (COPY has no ON CONFLICT); executions with timers, dispatches, task tokens or
// event deliveries are refused.
func (sd *Seeding) Add(ctx context.Context, params []*store.ExecutionCreateParams) error {
	if err := sd.s.copyExecutions(ctx, sd.t, params); err != nil {
		return fmt.Errorf("seed %d executions: %w", len(params), err)
	}
	sd.seeded += len(params)
	return nil
}

// Commit builds the dropped indexes again, one process each (the machine's other work keeps
// its cores), and commits the seeding; then it has the planner's statistics gathered, as
// autovacuum would later.
func (sd *Seeding) Commit(ctx context.Context) error {
	for _, set := range []string{`SET LOCAL maintenance_work_mem = '512MB'`, `SET LOCAL max_parallel_maintenance_workers = 0`} {
		if _, err := sd.t.Exec(ctx, set); err != nil {
			return sd.fail(ctx, err)
		}
	}
	for _, def := range sd.indexes {
		if _, err := sd.t.Exec(ctx, def); err != nil {
			return sd.fail(ctx, fmt.Errorf("%s: %w", def, err))
		}
	}
	if err := sd.t.Commit(ctx); err != nil {
		return fmt.Errorf("commit seeding of %d executions: %w", sd.seeded, err)
	}
	if _, err := sd.s.db.pool.Exec(ctx, `ANALYZE execution, history_chunk`); err != nil {
		return fmt.Errorf("analyze after seeding: %w", err)
	}
	return nil
}

// Rollback abandons the seeding: the store is as before it began.
func (sd *Seeding) Rollback(ctx context.Context) error { return sd.t.Rollback(ctx) }

func (sd *Seeding) fail(ctx context.Context, err error) error {
	_ = sd.t.Rollback(ctx)
	return fmt.Errorf("build indexes after seeding %d executions: %w", sd.seeded, err)
}
