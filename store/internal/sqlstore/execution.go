package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

const executionColumns = `arn, state_machine_arn, state_machine_version_arn, state_machine_alias_arn, name, type,
	status, input, output, error, cause, start_date, stop_date, redrive_count, redrive_date, trace_header, version`

func scanExecution(r Row) (*store.Execution, error) {
	var (
		e                        store.Execution
		start, stop, redriveDate timeValue
	)
	err := r.Scan(&e.ARN, &e.StateMachineARN, &e.StateMachineVersionARN, &e.StateMachineAliasARN, &e.Name,
		&e.Type, &e.Status, &e.Input, &e.Output, &e.Error, &e.Cause, &start, &stop, &e.RedriveCount,
		&redriveDate, &e.TraceHeader, &e.Version)
	if err != nil {
		return nil, err
	}
	e.StartDate, e.StopDate, e.RedriveDate = start.t, stop.ptr(), redriveDate.ptr()
	return &e, nil
}

// idRow scans a row that starts with the execution's row id into id, the rest as r would.
type idRow struct {
	r  Row
	id *int64
}

func (x idRow) Scan(dest ...any) error { return x.r.Scan(append([]any{x.id}, dest...)...) }

// ExecutionCreate implements store.Store.
func (s *Store) ExecutionCreate(ctx context.Context, p *store.ExecutionCreateParams) (*store.Execution, error) {
	created, errs, _, err := s.ExecutionCommitBatch(ctx, []*store.ExecutionCreateParams{p}, nil)
	if err != nil {
		return nil, err
	}
	if errs[0] != nil {
		return nil, errs[0]
	}
	return created[0], nil
}

// ExecutionCreateBatch creates many executions in one transaction (one fsync), as
// ExecutionStepBatch commits steps. errs[i] is the outcome of params[i]: nil, or an
// *store.AlreadyExistsError for a taken ARN, which wrote nothing. A non-nil err means nothing
// was committed: a database failure, or a start that repeats an event id or task token.
func (s *Store) ExecutionCreateBatch(ctx context.Context, params []*store.ExecutionCreateParams) (created []*store.Execution, errs []error, err error) {
	created, errs, _, err = s.ExecutionCommitBatch(ctx, params, nil)
	return created, errs, err
}

// ExecutionCommitBatch creates executions and commits steps of other executions in one
// transaction: a busy engine's batch pays one fsync whatever it holds. The outcomes are
// those of ExecutionCreateBatch and ExecutionStepBatch; a non-nil err means nothing was
// committed.
func (s *Store) ExecutionCommitBatch(ctx context.Context, creates []*store.ExecutionCreateParams, steps []*store.ExecutionStepParams) (created []*store.Execution, createErrs, stepErrs []error, err error) {
	return s.ExecutionCommitBatchFrom(ctx, s.db.Begin, creates, steps)
}

// ExecutionCommitBatchFrom is ExecutionCommitBatch in a transaction that begin starts: a
// database may offer transactions whose commit does not wait for the disk.
func (s *Store) ExecutionCommitBatchFrom(ctx context.Context, begin func(context.Context) (Tx, error), creates []*store.ExecutionCreateParams, steps []*store.ExecutionStepParams) (created []*store.Execution, createErrs, stepErrs []error, err error) {
	op := "commit execution steps"
	switch {
	case len(steps) == 0:
		op = "create executions"
	case len(creates) == 1 && len(steps) == 0:
		op = "create execution " + creates[0].ARN
	case len(creates) == 0 && len(steps) == 1:
		op = "commit step of execution " + steps[0].ExecutionARN
	}
	if err := s.checkOpen(op); err != nil {
		return nil, nil, nil, err
	}
	var accepted []acceptedHistory
	encoded := encodeEvents(creates, steps)
	childBodies, err := encodeChildHistories(creates, steps)
	if err != nil {
		_ = encoded.wait()
		return nil, nil, nil, s.fail(op, err)
	}
	err = s.inTxFrom(ctx, begin, func(tx Tx) error {
		// Two batches of statements: the first inserts the new executions and moves the
		// versions of the stepped ones, the second writes the records and history of those
		// whose guard held. Only a step the first could not settle in bulk (a fence, a second
		// step of one execution, a failed guard) costs statements of its own between them.
		records := newStepRecords()
		records.childBodies = childBodies
		first := s.batch(ctx, tx)
		createIDs := s.queueInsertExecutions(first, creates)
		lookup := s.queueStepLookups(first, steps)
		if err := first.send(ctx); err != nil {
			return err
		}
		var started, stepped []acceptedHistory
		created, createErrs, started = s.createsAccepted(creates, createIDs, records)
		if stepErrs, stepped, err = s.stepsAccepted(ctx, tx, steps, lookup, len(creates), records); err != nil {
			return err
		}
		accepted = append(started, stepped...)
		second := s.batch(ctx, tx)
		// SQLite writes the records as they are queued, while the history is still being
		// encoded.
		taken := s.queueStepRecords(second, records)
		if err := encoded.wait(); err != nil {
			return err
		}
		if err := s.queueEvents(second, accepted, encoded); err != nil {
			return err
		}
		err := second.send(ctx)
		if s.dialect.Duplicate != nil && s.dialect.Duplicate(err, "history_chunk_pkey") {
			return errDuplicateEvent
		}
		if errors.Is(err, errTakenToken) {
			return s.takenToken(ctx, tx, *taken)
		}
		return err
	})
	if err != nil {
		_ = encoded.wait() // the events must not change under the encoder once the caller has them back
		return nil, nil, nil, s.batchFailure(ctx, op, err, accepted)
	}
	return created, createErrs, stepErrs, nil
}

// createsAccepted returns the outcomes and history events of the starts whose rows were
// inserted (ids, by ARN), and gathers the records of their first steps. The created records
// are built from the params: a new row holds nothing else.
func (s *Store) createsAccepted(params []*store.ExecutionCreateParams, ids map[string]int64, records *stepRecords) ([]*store.Execution, []error, []acceptedHistory) {
	created := make([]*store.Execution, len(params))
	errs := make([]error, len(params))
	var accepted []acceptedHistory
	for i, p := range params {
		id, ok := ids[p.ARN]
		if !ok {
			errs[i] = &store.AlreadyExistsError{Resource: store.ResourceExecution, Key: p.ARN}
			continue
		}
		delete(ids, p.ARN) // a second start of this ARN in the batch finds it taken
		records.perf.started(p)
		records.add(&store.ExecutionStepParams{
			ExecutionARN:    p.ARN,
			TimersAdd:       p.Timers,
			DispatchesAdd:   p.Dispatches,
			TaskTokensAdd:   p.TaskTokens,
			EventDeliveries: p.EventDeliveries,
			Children:        p.Children,
		})
		if len(p.Events) > 0 {
			accepted = append(accepted, acceptedHistory{source: i, executionID: id, arn: p.ARN, events: p.Events, created: true})
		}
		created[i] = &store.Execution{
			ARN: p.ARN, StateMachineARN: p.StateMachineARN, StateMachineVersionARN: p.StateMachineVersionARN,
			StateMachineAliasARN: p.StateMachineAliasARN, Name: p.Name, Type: p.Type, Status: startStatus(p), Input: p.Input,
			StartDate: store.Stamp(p.StartDate), TraceHeader: p.TraceHeader, Version: 1,
			Output: p.Output, Error: p.Error, Cause: p.Cause, StopDate: stampPtr(p.StopDate),
		}
	}
	return created, errs, accepted
}

func stampPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	stamped := store.Stamp(*t)
	return &stamped
}

func startStatus(p *store.ExecutionCreateParams) sfn.ExecutionStatus {
	if p.Status == "" {
		return sfn.StatusRunning
	}
	return p.Status
}

// queueInsertExecutions queues the inserts of new executions, idChunk per statement, and
// returns the map that holds, once the batch is sent, the row ids of those inserted by ARN. A
// taken ARN, or one repeated in params, is skipped by ON CONFLICT: only its first start in
// params can have inserted it.
func (s *Store) queueInsertExecutions(b statements, params []*store.ExecutionCreateParams) map[string]int64 {
	const row = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, NULL, ?, 1, ?)"
	ids := make(map[string]int64, len(params))
	if s.dialect.Arrays {
		if len(params) > 0 {
			s.queueInsertExecutionsArrays(b, params, ids)
		}
		return ids
	}
	for len(params) > 0 {
		chunk := params[:min(len(params), idChunk)]
		params = params[len(chunk):]
		args := make([]any, 0, 15*len(chunk))
		for _, p := range chunk {
			args = s.appendExecutionValues(args, p)
		}
		b.query("insert executions", `INSERT INTO execution (`+executionColumns+`, snapshot)
			VALUES `+row+strings.Repeat(", "+row, len(chunk)-1)+`
			ON CONFLICT (arn) DO NOTHING RETURNING arn, id`, args, readIDs(func(arn string, id int64) { ids[arn] = id }))
	}
	return ids
}

// appendExecutionValues appends the 15 values a new execution's row takes from p: those of
// executionColumns in their order except the three every new row starts with (redrive_count
// 0, redrive_date NULL, version 1), then its snapshot. They fill the placeholders of
// queueInsertExecutions' row, and ExecutionSeedRows' bulk rows.
func (s *Store) appendExecutionValues(args []any, p *store.ExecutionCreateParams) []any {
	snapshot := p.Snapshot
	if snapshot == nil {
		snapshot = []byte{}
	}
	return append(args, p.ARN, p.StateMachineARN, p.StateMachineVersionARN, p.StateMachineAliasARN, p.Name,
		string(p.Type), string(startStatus(p)), p.Input, p.Output, p.Error, p.Cause, s.timeArg(p.StartDate),
		s.nullTimeArg(p.StopDate), p.TraceHeader, snapshot)
}

// readIDs reads rows of an execution's ARN and row id, handing each to found.
func readIDs(found func(arn string, id int64)) func(Rows) error {
	return func(rows Rows) error {
		for rows.Next() {
			var (
				arn string
				id  int64
			)
			if err := rows.Scan(&arn, &id); err != nil {
				return err
			}
			found(arn, id)
		}
		return nil
	}
}

// ExecutionGetByARN implements store.Store.
func (s *Store) ExecutionGetByARN(ctx context.Context, p *store.ExecutionGetByARNParams) (*store.Execution, error) {
	op := "get execution " + p.ARN
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	e, err := scanExecution(s.queryRow(ctx, s.db.Reader(), `SELECT `+executionColumns+` FROM execution WHERE arn = ?`, p.ARN))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &store.NotFoundError{Resource: store.ResourceExecution, Key: p.ARN}
	}
	if err != nil {
		return nil, s.fail(op, err)
	}
	return e, nil
}

// ExecutionList implements store.Store.
func (s *Store) ExecutionList(ctx context.Context, p *store.ExecutionListParams) (*store.ExecutionListResult, error) {
	const op = "list executions"
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	var (
		where []string
		args  []any
	)
	for _, f := range []struct{ column, value string }{
		{"state_machine_arn", p.StateMachineARN},
		{"state_machine_version_arn", p.StateMachineVersionARN},
		{"state_machine_alias_arn", p.StateMachineAliasARN},
		{"status", string(p.Status)},
		{"type", string(p.Type)},
	} {
		if f.value != "" {
			where = append(where, f.column+" = ?")
			args = append(args, f.value)
		}
	}
	// The version and alias indexes hold only executions that have one; saying so lets the
	// planner use them for a parameter it cannot see.
	if p.StateMachineVersionARN != "" {
		where = append(where, "state_machine_version_arn <> ''")
	}
	if p.StateMachineAliasARN != "" {
		where = append(where, "state_machine_alias_arn <> ''")
	}
	if p.Status == sfn.StatusRunning && p.Type == sfn.TypeExpress {
		where = append(where, "status = 'RUNNING'", "type = 'EXPRESS'") // execution_running_express
	}
	if p.NextToken != "" {
		key, err := decodePageToken(p.NextToken, "executions", 2)
		if err != nil {
			return nil, s.fail(op, err)
		}
		micros, err := strconv.ParseInt(key[0], 10, 64)
		if err != nil {
			return nil, s.fail(op, store.ErrInvalidPageToken)
		}
		id, err := strconv.ParseInt(key[1], 10, 64)
		if err != nil {
			return nil, s.fail(op, store.ErrInvalidPageToken)
		}
		start := s.timeArg(time.UnixMicro(micros))
		// The first term is implied by the second, but PostgreSQL does not see it there: without
		// it, page 500 of a million executions read every index entry before it (450 ms).
		where = append(where, "start_date <= ?", "(start_date < ? OR (start_date = ? AND id < ?))")
		args = append(args, start, start, start, id)
	}
	query := `SELECT id, ` + executionColumns + ` FROM execution`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	size := store.PageSize(p.MaxResults)
	query += " ORDER BY start_date DESC, id DESC LIMIT ?"
	args = append(args, size+1)
	rows, err := s.query(ctx, s.db.Reader(), query, args...)
	var ids []int64
	executions, err := collect(rows, err, func(r Rows) (*store.Execution, error) {
		var id int64
		e, err := scanExecution(idRow{r, &id})
		ids = append(ids, id)
		return e, err
	})
	if err != nil {
		return nil, s.fail(op, err)
	}
	res := &store.ExecutionListResult{Executions: executions}
	if len(executions) > size {
		last := executions[size-1]
		res.Executions = executions[:size]
		res.NextToken = encodePageToken("executions", strconv.FormatInt(last.StartDate.UnixMicro(), 10), strconv.FormatInt(ids[size-1], 10))
	}
	return res, nil
}

// ExecutionTimingList implements store.Store. It reads the execution_by_machine index's range
// and the rows it points to; only five small columns are sent, never the payloads.
func (s *Store) ExecutionTimingList(ctx context.Context, p *store.ExecutionTimingListParams) (*store.ExecutionTimingListResult, error) {
	const op = "list execution timings"
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	limit := p.Limit
	if limit <= 0 || limit > store.MaxExecutionTimings {
		limit = store.MaxExecutionTimings
	}
	rows, err := s.query(ctx, s.db.Reader(), `SELECT arn, status, error, start_date, stop_date FROM execution
		WHERE state_machine_arn = ? AND start_date >= ? AND start_date < ?
		ORDER BY start_date DESC, id DESC LIMIT ?`,
		p.StateMachineARN, s.timeArg(p.StartedFrom), s.timeArg(p.StartedBefore), limit+1)
	timings, err := collect(rows, err, func(r Rows) (*store.ExecutionTiming, error) {
		var (
			t           store.ExecutionTiming
			start, stop timeValue
		)
		if err := r.Scan(&t.ARN, &t.Status, &t.Error, &start, &stop); err != nil {
			return nil, err
		}
		t.StartDate, t.StopDate = start.t, stop.ptr()
		return &t, nil
	})
	if err != nil {
		return nil, s.fail(op, err)
	}
	res := &store.ExecutionTimingListResult{Timings: timings}
	if len(timings) > limit {
		res.Timings, res.Truncated = timings[:limit], true
	}
	return res, nil
}

// ExecutionCount implements store.Store. It reads the execution_by_status index's range, at
// most Limit+1 entries of it.
func (s *Store) ExecutionCount(ctx context.Context, p *store.ExecutionCountParams) (*store.ExecutionCountResult, error) {
	const op = "count executions"
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	limit := p.Limit
	if limit <= 0 || limit > store.MaxExecutionCount {
		limit = store.MaxExecutionCount
	}
	var n int
	err := s.queryRow(ctx, s.db.Reader(), `SELECT count(*) FROM (SELECT 1 FROM execution
		WHERE status = ? AND start_date >= ? LIMIT ?) AS counted`,
		string(p.Status), s.timeArg(p.StartedFrom), limit+1).Scan(&n)
	if err != nil {
		return nil, s.fail(op, err)
	}
	if n > limit {
		return &store.ExecutionCountResult{Count: limit, AtLeast: true}, nil
	}
	return &store.ExecutionCountResult{Count: n}, nil
}

// ExecutionSnapshotGet implements store.Store.
func (s *Store) ExecutionSnapshotGet(ctx context.Context, p *store.ExecutionSnapshotGetParams) (*store.ExecutionSnapshot, error) {
	op := "get snapshot of execution " + p.ExecutionARN
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	snap := store.ExecutionSnapshot{ExecutionARN: p.ExecutionARN}
	err := s.queryRow(ctx, s.db.Reader(), `SELECT version, status, input, snapshot FROM execution WHERE arn = ?`,
		p.ExecutionARN).Scan(&snap.Version, &snap.Status, &snap.Input, &snap.Snapshot)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &store.NotFoundError{Resource: store.ResourceExecution, Key: p.ExecutionARN}
	}
	if err != nil {
		return nil, s.fail(op, err)
	}
	return &snap, nil
}

// finishedBefore selects the next executions a retention sweep deletes: finished (not running,
// so not redriven since) before a time, oldest first, up to a limit. deleteChildrenOfFinishedBefore
// and the sweep's transaction must pick the same ones.
const finishedBefore = ` FROM execution WHERE stop_date IS NOT NULL AND stop_date < ? AND status <> ?
	ORDER BY stop_date LIMIT ?`

// childDeleteChunk bounds the Distributed Map children (with their histories) one transaction
// of a retention sweep deletes: a parent may have hundreds of thousands of them.
const childDeleteChunk = 200

// deleteChildrenOfFinishedBefore deletes, in transactions of at most childDeleteChunk children,
// the children of the executions the sweep's next batch will delete, so that the batch's own
// transaction (which deletes whatever children are left) stays short whatever they ran. A
// parent redriven meanwhile (past the retention age, so past AWS's 14-day redrive window
// unless the age is shorter) would lose its children's records, not its own.
func (s *Store) deleteChildrenOfFinishedBefore(ctx context.Context, before time.Time, limit int) error {
	rows, err := s.query(ctx, s.db.Reader(), `SELECT arn`+finishedBefore, s.timeArg(before), string(sfn.StatusRunning), limit)
	parents, err := collect(rows, err, func(r Rows) (arn string, err error) { return arn, r.Scan(&arn) })
	if err != nil {
		return err
	}
	for from := 0; from < len(parents); from += idChunk {
		chunk := parents[from:min(from+idChunk, len(parents))]
		args := make([]any, len(chunk))
		for i, arn := range chunk {
			args[i] = arn
		}
		in := "(" + placeholders(len(chunk), 1) + ")"
		for {
			n := int64(0)
			err := s.inTx(ctx, func(tx Tx) error {
				rows, err := s.query(ctx, tx, `SELECT arn FROM child_execution WHERE parent_arn IN `+in+` LIMIT ?`,
					append(args[:len(args):len(args)], childDeleteChunk)...)
				children, err := collect(rows, err, func(r Rows) (arn string, err error) { return arn, r.Scan(&arn) })
				if err != nil || len(children) == 0 {
					return err
				}
				childArgs := make([]any, len(children))
				for i, arn := range children {
					childArgs[i] = arn
				}
				childIn := "(" + placeholders(len(children), 1) + ")"
				if _, err := s.exec(ctx, tx, `DELETE FROM child_history WHERE child_id IN
					(SELECT id FROM child_execution WHERE arn IN `+childIn+`)`, childArgs...); err != nil {
					return err
				}
				n, err = s.exec(ctx, tx, `DELETE FROM child_execution WHERE arn IN `+childIn, childArgs...)
				return err
			})
			if err != nil {
				return err
			}
			if n == 0 {
				break
			}
		}
	}
	return nil
}

// ExecutionDeleteFinishedBefore implements store.Store.
func (s *Store) ExecutionDeleteFinishedBefore(ctx context.Context, p *store.ExecutionDeleteFinishedBeforeParams) (int, error) {
	const op = "delete finished executions"
	if err := s.checkOpen(op); err != nil {
		return 0, err
	}
	limit := p.Limit
	if limit <= 0 {
		limit = 1000
	}
	if err := s.deleteChildrenOfFinishedBefore(ctx, p.Before, limit); err != nil {
		return 0, s.fail(op, err)
	}
	deleted := 0
	err := s.inTx(ctx, func(tx Tx) error {
		type victim struct {
			id  int64
			arn string
		}
		rows, err := s.query(ctx, tx, `SELECT id, arn`+finishedBefore, s.timeArg(p.Before), string(sfn.StatusRunning), limit)
		victims, err := collect(rows, err, func(r Rows) (v victim, err error) {
			return v, r.Scan(&v.id, &v.arn)
		})
		if err != nil {
			return err
		}
		// A statement per table and chunk of idChunk executions, never one per execution: a
		// sweep holds the write lock for as short a time as it can. The last chunk repeats its
		// last execution so every chunk is one prepared statement.
		for from := 0; from < len(victims); from += idChunk {
			chunk := victims[from:min(from+idChunk, len(victims))]
			ids, arns := make([]any, idChunk), make([]any, idChunk)
			for k := range idChunk {
				v := chunk[min(k, len(chunk)-1)]
				ids[k], arns[k] = v.id, v.arn
			}
			in := "(" + placeholders(idChunk, 1) + ")"
			if _, err := s.exec(ctx, tx, `DELETE FROM history_chunk WHERE execution_id IN `+in, ids...); err != nil {
				return err
			}
			// A child's history goes first, found through its row.
			if _, err := s.exec(ctx, tx, `DELETE FROM child_history WHERE child_id IN
				(SELECT id FROM child_execution WHERE parent_arn IN `+in+`)`, arns...); err != nil {
				return err
			}
			for _, q := range []string{
				`DELETE FROM child_execution WHERE parent_arn IN `,
				`DELETE FROM timer WHERE execution_arn IN `,
				`DELETE FROM dispatch WHERE execution_arn IN `,
				`DELETE FROM task_token WHERE execution_arn IN `,
				`DELETE FROM tag WHERE resource_arn IN `,
			} {
				if _, err := s.exec(ctx, tx, q+in, arns...); err != nil {
					return err
				}
			}
			if _, err := s.exec(ctx, tx, `DELETE FROM execution WHERE id IN `+in, ids...); err != nil {
				return err
			}
		}
		deleted = len(victims)
		return nil
	})
	if err != nil {
		return 0, s.fail(op, err)
	}
	return deleted, nil
}
