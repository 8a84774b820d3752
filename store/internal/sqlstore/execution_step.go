package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

// ExecutionStep implements store.Store.
func (s *Store) ExecutionStep(ctx context.Context, p *store.ExecutionStepParams) error {
	errs, err := s.ExecutionStepBatch(ctx, []*store.ExecutionStepParams{p})
	if err != nil {
		return err
	}
	return errs[0]
}

// ExecutionStepBatch implements store.Store.
//
// The batch looks up its executions' row ids in one query, moves each step's version with a
// guarded UPDATE and inserts all history events with a few multi-row INSERTs: per step, one
// statement is all the fixed cost. A step whose guard fails has written nothing, so it is
// reported and the transaction goes on without savepoints. Any other failure is a bug in the
// caller (a reused event id or token) or a database failure, and rolls the whole batch back.
func (s *Store) ExecutionStepBatch(ctx context.Context, steps []*store.ExecutionStepParams) ([]error, error) {
	if len(steps) == 0 {
		return []error{}, s.checkOpen("commit execution steps")
	}
	_, _, errs, err := s.ExecutionCommitBatch(ctx, nil, steps)
	return errs, err
}

// batchFailure words the error of a rolled-back batch: the event id it repeated, the task
// token it reused, or the database failure.
func (s *Store) batchFailure(ctx context.Context, op string, err error, accepted []acceptedHistory) error {
	if errors.Is(err, errDuplicateEvent) {
		err = s.findDuplicateEvent(ctx, accepted)
	}
	var exists *store.AlreadyExistsError
	if errors.As(err, &exists) {
		return fmt.Errorf("%s: %w", op, err)
	}
	return s.fail(op, err)
}

// stepLookup is what the first batch of a commit learns about its steps' executions.
type stepLookup struct {
	bulk     map[int]bool     // the steps moved by the multi-row UPDATEs
	ids      map[string]int64 // row ids by ARN, of executions that exist
	advanced map[string]bool  // ARNs whose bulk step's guard held
}

// queueStepLookups queues the statements that look up the steps' executions and move the
// versions of the bulk steps.
func (s *Store) queueStepLookups(b statements, steps []*store.ExecutionStepParams) *stepLookup {
	l := &stepLookup{bulk: bulkSteps(steps, s.dialect.Arrays), ids: make(map[string]int64, len(steps)), advanced: make(map[string]bool, len(steps))}
	if len(steps) == 0 {
		return l
	}
	// PostgreSQL locks every row first, in ARN order, so that concurrent batches cannot
	// deadlock; SQLite has one writer and looks up only the executions stepped twice.
	var lookup []*store.ExecutionStepParams
	for i, p := range steps {
		if s.dialect.ForUpdate != "" || !l.bulk[i] {
			lookup = append(lookup, p)
		}
	}
	s.queueExecutionIDs(b, lookup, l.ids)
	s.queueAdvanceVersions(b, steps, l)
	return l
}

// stepsAccepted returns each step's outcome with the history events to insert, and gathers
// the records of those accepted, once the first batch has moved the bulk steps. The others
// (fenced ones, a second step of one execution, a failed guard to explain) run statements of
// their own here. A step whose guard fails has written nothing, so it is reported and the
// transaction goes on without savepoints.
func (s *Store) stepsAccepted(ctx context.Context, tx Tx, steps []*store.ExecutionStepParams, l *stepLookup, sourceBase int, records *stepRecords) ([]error, []acceptedHistory, error) {
	errs := make([]error, len(steps))
	var accepted []acceptedHistory
	for _, i := range lockOrder(steps) {
		p := steps[i]
		id, ok := l.ids[p.ExecutionARN]
		if !ok && !l.bulk[i] {
			errs[i] = &store.NotFoundError{Resource: store.ResourceExecution, Key: p.ExecutionARN}
			continue
		}
		var (
			refused error
			err     error
		)
		switch {
		case !l.bulk[i] && len(p.Fences) > 0:
			if refused, err = s.fenceRefusal(ctx, tx, p); err == nil && refused == nil {
				refused, err = s.advanceVersion(ctx, tx, p)
			}
		case !l.bulk[i]:
			refused, err = s.advanceVersion(ctx, tx, p)
		case !l.advanced[p.ExecutionARN]:
			// A bulk step moves only while its fence holds: a lost lease is its refusal
			// before a version that moved on.
			if len(p.Fences) > 0 {
				refused, err = s.fenceRefusal(ctx, tx, p)
			}
			if err == nil && refused == nil {
				refused, err = s.refusal(ctx, tx, p)
			}
		}
		if err != nil {
			return nil, nil, fmt.Errorf("execution %s: %w", p.ExecutionARN, err)
		}
		if refused != nil {
			errs[i] = refused
			continue
		}
		records.add(p)
		if len(p.Events) > 0 {
			accepted = append(accepted, acceptedHistory{source: sourceBase + i, executionID: id, arn: p.ExecutionARN, events: p.Events})
		}
	}
	return errs, accepted, nil
}

// lockOrder returns the indexes of steps sorted by ARN, keeping the order of one execution's
// steps. Batches that lock execution rows in the same order cannot deadlock each other on
// PostgreSQL.
func lockOrder(steps []*store.ExecutionStepParams) []int {
	order := make([]int, len(steps))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return steps[order[a]].ExecutionARN < steps[order[b]].ExecutionARN })
	return order
}

// idChunk bounds the ARNs of one lookup and the rows of one INSERT, so the statements that
// the drivers prepare and cache stay few.
const idChunk = 64

// bulkSteps picks the steps whose version can move in a multi-row UPDATE: those of
// executions that have no other step in the batch, and no fence to check first; with
// fenced, one fence too (the arrays' version moves check it: on a shared store every task's
// result comes with the fence of its lease).
func bulkSteps(steps []*store.ExecutionStepParams, fenced bool) map[int]bool {
	count := make(map[string]int, len(steps))
	for _, p := range steps {
		count[p.ExecutionARN]++
	}
	bulk := make(map[int]bool, len(steps))
	for i, p := range steps {
		if count[p.ExecutionARN] == 1 && (len(p.Fences) == 0 || (fenced && len(p.Fences) == 1)) {
			bulk[i] = true
		}
	}
	return bulk
}

// queueAdvanceVersions queues the moves of the bulk steps' versions, idChunk per statement
// (one statement for steps that only replace the snapshot, another for those that also
// change the status fields), which note in l the ARNs whose guard held.
func (s *Store) queueAdvanceVersions(b statements, steps []*store.ExecutionStepParams, l *stepLookup) {
	var plain, updates []*store.ExecutionStepParams
	for i, p := range steps {
		switch {
		case !l.bulk[i]:
		case p.Update == nil:
			plain = append(plain, p)
		default:
			updates = append(updates, p)
		}
	}
	moved := readIDs(func(arn string, id int64) { l.advanced[arn], l.ids[arn] = true, id })
	if s.dialect.Arrays {
		s.queueAdvanceVersionsArrays(b, plain, updates, moved)
		return
	}
	d := s.dialect
	plainRow := "(?, " + d.Int64Param + ", " + d.BytesParam + ")"
	_ = inChunks(plain, func(chunk []*store.ExecutionStepParams) error {
		args := make([]any, 0, 3*len(chunk))
		for _, p := range chunk {
			args = append(args, p.ExecutionARN, p.ExpectedVersion, snapshotArg(p))
		}
		b.query("advance versions", `UPDATE execution SET version = version + 1, snapshot = v.column3
			FROM (VALUES `+plainRow+strings.Repeat(", "+plainRow, len(chunk)-1)+`) AS v
			WHERE arn = v.column1 AND version = v.column2 RETURNING arn, id`, args, moved)
		return nil
	})
	updateRow := "(?, " + d.Int64Param + ", " + d.BytesParam + ", ?, ?, ?, ?, " + d.TimeParam + ", " + d.Int64Param + ", " + d.TimeParam + ")"
	_ = inChunks(updates, func(chunk []*store.ExecutionStepParams) error {
		args := make([]any, 0, 10*len(chunk))
		for _, p := range chunk {
			u := p.Update
			args = append(args, p.ExecutionARN, p.ExpectedVersion, snapshotArg(p), string(u.Status), u.Output, u.Error, u.Cause,
				s.nullTimeArg(u.StopDate), int64(u.RedriveCount), s.nullTimeArg(u.RedriveDate))
		}
		b.query("advance versions", `UPDATE execution SET version = version + 1, snapshot = v.column3,
				status = v.column4, output = v.column5, error = v.column6, cause = v.column7, stop_date = v.column8,
				redrive_count = v.column9, redrive_date = v.column10
			FROM (VALUES `+updateRow+strings.Repeat(", "+updateRow, len(chunk)-1)+`) AS v
			WHERE arn = v.column1 AND version = v.column2 RETURNING arn, id`, args, moved)
		return nil
	})
}

func snapshotArg(p *store.ExecutionStepParams) []byte {
	if p.Snapshot == nil {
		return []byte{}
	}
	return p.Snapshot
}

// refusal explains why a bulk step's guard failed: the version it found.
func (s *Store) refusal(ctx context.Context, tx Tx, p *store.ExecutionStepParams) (refused, err error) {
	var actual int64
	err = s.queryRow(ctx, tx, `SELECT version FROM execution WHERE arn = ?`, p.ExecutionARN).Scan(&actual)
	if errors.Is(err, sql.ErrNoRows) {
		return &store.NotFoundError{Resource: store.ResourceExecution, Key: p.ExecutionARN}, nil
	}
	if err != nil {
		return nil, err
	}
	return &store.ConflictError{ExecutionARN: p.ExecutionARN, ExpectedVersion: p.ExpectedVersion, ActualVersion: actual}, nil
}

// queueExecutionIDs queues the lookups that map the ARNs of steps that exist to their row
// ids in ids. On PostgreSQL they lock the rows in ARN order, so concurrent batches wait for
// each other instead of deadlocking.
func (s *Store) queueExecutionIDs(b statements, steps []*store.ExecutionStepParams, ids map[string]int64) {
	var arns []any
	seen := make(map[string]bool, len(steps))
	for _, p := range steps {
		if !seen[p.ExecutionARN] {
			seen[p.ExecutionARN] = true
			arns = append(arns, p.ExecutionARN)
		}
	}
	// Sorted across chunks too: each chunk locks after the one before.
	sort.Slice(arns, func(i, j int) bool { return arns[i].(string) < arns[j].(string) })
	if s.dialect.Arrays {
		if len(arns) > 0 {
			texts := make([]string, len(arns))
			for i, arn := range arns {
				texts[i] = arn.(string)
			}
			s.queueExecutionIDsArrays(b, texts, ids)
		}
		return
	}
	found := readIDs(func(arn string, id int64) { ids[arn] = id })
	for len(arns) > 0 {
		chunk := arns[:min(len(arns), idChunk)]
		arns = arns[len(chunk):]
		b.query("look up executions", `SELECT arn, id FROM execution WHERE arn IN (`+placeholders(len(chunk), 1)+`)
			ORDER BY arn`+s.dialect.ForUpdate, chunk, found)
	}
}

// placeholders returns "(?, ?), (?, ?)" for rows of width columns, or "?, ?" for width 1.
func placeholders(rows, width int) string {
	group := "?" + strings.Repeat(", ?", width-1)
	if width > 1 {
		group = "(" + group + ")"
	}
	return group + strings.Repeat(", "+group, rows-1)
}

// advanceVersion moves the execution from ExpectedVersion to the next one with the step's
// snapshot and status fields. It returns the step's own failure (conflict, not found) as
// refused, and database failures as err.
func (s *Store) advanceVersion(ctx context.Context, tx Tx, p *store.ExecutionStepParams) (refused, err error) {
	snapshot := snapshotArg(p)
	var n int64
	if u := p.Update; u != nil {
		n, err = s.exec(ctx, tx, `UPDATE execution SET version = version + 1, snapshot = ?, status = ?,
			output = ?, error = ?, cause = ?, stop_date = ?, redrive_count = ?, redrive_date = ?
			WHERE arn = ? AND version = ?`,
			snapshot, string(u.Status), u.Output, u.Error, u.Cause, s.nullTimeArg(u.StopDate), u.RedriveCount,
			s.nullTimeArg(u.RedriveDate), p.ExecutionARN, p.ExpectedVersion)
	} else {
		n, err = s.exec(ctx, tx, `UPDATE execution SET version = version + 1, snapshot = ?
			WHERE arn = ? AND version = ?`, snapshot, p.ExecutionARN, p.ExpectedVersion)
	}
	if err != nil || n == 1 {
		return nil, err
	}
	return s.refusal(ctx, tx, p)
}

// pendingEvent is a history event of a rolled-back batch, for naming a repeated id.
type pendingEvent struct {
	executionID  int64
	executionARN string
	event        *sfn.HistoryEvent
}
