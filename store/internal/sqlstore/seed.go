package sqlstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/stepflow/stepflow/store"
)

// Seeding writes many new executions at once for a bench that needs a large store
// (stepflow bench-store): the rows are those ExecutionCreateBatch writes, built by the same
// code, handed to the database's bulk loader (PostgreSQL's COPY) instead of multi-row
// INSERTs. Seeding is not for a running engine: it neither skips a taken ARN nor checks
// event ids against stored history, and it takes executions without timers, dispatches, task
// tokens or event deliveries only.

// ExecutionSeedColumns are the columns of an execution row of ExecutionSeedRows, in order.
var ExecutionSeedColumns = []string{"id", "arn", "state_machine_arn", "state_machine_version_arn", "state_machine_alias_arn",
	"name", "type", "status", "input", "output", "error", "cause", "start_date", "stop_date", "redrive_count",
	"redrive_date", "trace_header", "version", "snapshot"}

// HistoryChunkSeedColumns are the columns of a history row of ExecutionSeedRows, in order.
var HistoryChunkSeedColumns = []string{"execution_id", "first_id", "last_id", "body", "body_s2"}

// SeedRows are the rows of new executions and their history, as column values.
type SeedRows struct {
	Executions    [][]any // ExecutionSeedColumns
	HistoryChunks [][]any // HistoryChunkSeedColumns
}

// ErrSeedRecords says an execution to seed has rows beside its own and its history's
// (timers, dispatches, task tokens, event deliveries), which seeding does not write.
var ErrSeedRecords = errors.New("seeding writes executions and their history only: no timers, dispatches, task tokens or event deliveries")

// ExecutionSeedRows returns the rows that ExecutionCreateBatch would write for params, the
// execution params[i] with row id ids[i].
func (s *Store) ExecutionSeedRows(params []*store.ExecutionCreateParams, ids []int64) (*SeedRows, error) {
	if len(ids) != len(params) {
		return nil, fmt.Errorf("seed %d executions with %d row ids", len(params), len(ids))
	}
	rows := &SeedRows{Executions: make([][]any, len(params))}
	values := make([]any, 0, 15)
	var buf []byte
	for i, p := range params {
		if len(p.Timers) > 0 || len(p.Dispatches) > 0 || len(p.TaskTokens) > 0 || len(p.EventDeliveries) > 0 {
			return nil, fmt.Errorf("seed execution %s: %w", p.ARN, ErrSeedRecords)
		}
		values = s.appendExecutionValues(values[:0], p)
		// values: arn .. stop_date (13), trace_header, snapshot; the constants are those of
		// queueInsertExecutions' row.
		row := make([]any, 0, len(ExecutionSeedColumns))
		row = append(row, ids[i])
		row = append(row, values[:13]...)
		row = append(row, int32(0), nil, values[13], int64(1), values[14])
		rows.Executions[i] = row
		var (
			chunks []historyChunk
			err    error
		)
		encoded := p.EncodedEvents
		if encoded != nil && !encoded.Encodes(p.Events) {
			encoded = nil // not the text of these events: encode them here, as encodeEvents does
		}
		if chunks, buf, err = encodeChunks(p.ARN, p.Events, encoded, buf); err != nil {
			return nil, err
		}
		if len(chunks) > 1 && overlapping(chunks) {
			return nil, fmt.Errorf("seed execution %s: %w", p.ARN, errDuplicateEvent)
		}
		for _, c := range chunks {
			var body any = c.body
			var bodyS2 any
			if c.bodyS2 != nil {
				bodyS2 = c.bodyS2
			}
			rows.HistoryChunks = append(rows.HistoryChunks, []any{ids[i], c.firstID, c.lastID, body, bodyS2})
		}
	}
	return rows, nil
}

// PerformanceSeed adds the starts and ends of params to the performance rollups in tx, as
// ExecutionCreateBatch does for the executions it creates.
func (s *Store) PerformanceSeed(ctx context.Context, tx Tx, params []*store.ExecutionCreateParams) error {
	perf := newPerfRollup()
	for _, p := range params {
		perf.started(p)
	}
	b := s.batch(ctx, tx)
	s.queuePerformance(b, perf)
	return b.send(ctx)
}
