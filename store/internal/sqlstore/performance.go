package sqlstore

import (
	"cmp"
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

// perfKey is one rollup bucket: a state machine's bucket of one resolution (in seconds).
type perfKey struct {
	machine    string
	resolution int64
	start      time.Time
}

func comparePerfKeys(a, b perfKey) int {
	if c := cmp.Compare(a.machine, b.machine); c != 0 {
		return c
	}
	if c := cmp.Compare(a.resolution, b.resolution); c != 0 {
		return c
	}
	return a.start.Compare(b.start)
}

type perfCounts struct{ started, succeeded, failed, timedOut, aborted int64 }

type perfSlotKey struct {
	perfKey
	slot int
}

type perfNameKey struct {
	perfKey
	name string
}

type perfErrorRow struct {
	executions int64
	example    string
	exampleAt  time.Time
}

// perfRollup is what the starts and ends of one commit add to the rollups, summed in memory
// first: each table then takes one multi-row upsert per commit, which touches each row once
// (PostgreSQL refuses a statement that touches a row twice) and in key order (so that
// concurrent commits lock shared rows in the same order).
type perfRollup struct {
	buckets   map[perfKey]*perfCounts
	durations map[perfSlotKey]int64
	states    map[perfNameKey]*store.StateTime
	errors    map[perfNameKey]*perfErrorRow
}

func newPerfRollup() *perfRollup {
	return &perfRollup{buckets: map[perfKey]*perfCounts{}, durations: map[perfSlotKey]int64{},
		states: map[perfNameKey]*store.StateTime{}, errors: map[perfNameKey]*perfErrorRow{}}
}

func (r *perfRollup) bucket(k perfKey) *perfCounts {
	c := r.buckets[k]
	if c == nil {
		c = &perfCounts{}
		r.buckets[k] = c
	}
	return c
}

func perfKeys(machine string, t time.Time) []perfKey {
	keys := make([]perfKey, len(store.PerformanceResolutions))
	for i, res := range store.PerformanceResolutions {
		keys[i] = perfKey{machine, int64(res / time.Second), store.Stamp(store.BucketStart(t, res))}
	}
	return keys
}

// started counts an execution that started.
func (r *perfRollup) started(p *store.ExecutionCreateParams) {
	for _, k := range perfKeys(p.StateMachineARN, p.StartDate) {
		r.bucket(k).started++
	}
	if p.Status.Terminal() && p.StopDate != nil {
		r.ended(p.ARN, &store.ExecutionEnd{StateMachineARN: p.StateMachineARN, RunStart: p.StartDate, States: p.EndedStates},
			p.Status, p.Error, *p.StopDate)
	}
}

// stepped counts the end of the execution that step p ends, if it ends one.
func (r *perfRollup) stepped(p *store.ExecutionStepParams) {
	u := p.Update
	if p.Ended == nil || u == nil || !u.Status.Terminal() || u.StopDate == nil {
		return
	}
	r.ended(p.ExecutionARN, p.Ended, u.Status, u.Error, *u.StopDate)
}

func (r *perfRollup) ended(arn string, end *store.ExecutionEnd, status sfn.ExecutionStatus, errorName string, stop time.Time) {
	slot := store.DurationSlot(max(stop.Sub(end.RunStart), 0))
	for _, k := range perfKeys(end.StateMachineARN, stop) {
		c := r.bucket(k)
		switch status {
		case sfn.StatusSucceeded:
			c.succeeded++
		case sfn.StatusFailed:
			c.failed++
		case sfn.StatusTimedOut:
			c.timedOut++
		case sfn.StatusAborted:
			c.aborted++
		}
		r.durations[perfSlotKey{k, slot}]++
		for _, st := range end.States {
			sk := perfNameKey{k, st.Name}
			sum := r.states[sk]
			if sum == nil {
				sum = &store.StateTime{Name: st.Name}
				r.states[sk] = sum
			}
			sum.Runs += st.Runs
			sum.Total += st.Total
			sum.Max = max(sum.Max, st.Max)
		}
		if errorName != "" && status != sfn.StatusSucceeded {
			ek := perfNameKey{k, errorName}
			e := r.errors[ek]
			if e == nil {
				e = &perfErrorRow{}
				r.errors[ek] = e
			}
			e.executions++
			if !stop.Before(e.exampleAt) {
				e.example, e.exampleAt = arn, stop
			}
		}
	}
}

// sortedKeys returns m's keys in key order.
func sortedKeys[K comparable, V any](m map[K]V, compare func(a, b K) int) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compare)
	return keys
}

func compareSlotKeys(a, b perfSlotKey) int {
	if c := comparePerfKeys(a.perfKey, b.perfKey); c != 0 {
		return c
	}
	return cmp.Compare(a.slot, b.slot)
}

func compareNameKeys(a, b perfNameKey) int {
	if c := comparePerfKeys(a.perfKey, b.perfKey); c != 0 {
		return c
	}
	return cmp.Compare(a.name, b.name)
}

// inRollupChunks calls write with the rows idChunk at a time, the last chunk as long as it
// comes. A commit's rollup rows are few (three resolutions times the machines, slots or
// states of the executions that ended in it), so one upsert per table per commit takes them
// all: inChunks' powers of two would split the nine state rows of three states into two
// statements (8 and 1), and a commit of one machine's ends ran six rollup statements instead
// of three. The row counts that occur are few, so the prepared statements stay few too.
func inRollupChunks[T any](rows []T, write func([]T) error) error {
	for len(rows) > 0 {
		n := min(len(rows), idChunk)
		if err := write(rows[:n]); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// queuePerformance queues the upserts of what r holds.
func (s *Store) queuePerformance(b statements, r *perfRollup) {
	const keyColumns = "state_machine_arn, resolution, bucket_start, shard"
	shard := int64(0)
	if n := s.dialect.PerformanceShards; n > 1 {
		shard = rand.Int64N(int64(n))
	}
	_ = inRollupChunks(sortedKeys(r.buckets, comparePerfKeys), func(keys []perfKey) error {
		args := make([]any, 0, 9*len(keys))
		for _, k := range keys {
			c := r.buckets[k]
			args = append(args, k.machine, k.resolution, s.timeArg(k.start), shard, c.started, c.succeeded, c.failed, c.timedOut, c.aborted)
		}
		b.exec("add to performance buckets", `INSERT INTO perf_bucket (`+keyColumns+`, started, succeeded, failed, timed_out, aborted)
			VALUES `+placeholders(len(keys), 9)+` ON CONFLICT (`+keyColumns+`) DO UPDATE SET
				started = perf_bucket.started + excluded.started, succeeded = perf_bucket.succeeded + excluded.succeeded,
				failed = perf_bucket.failed + excluded.failed, timed_out = perf_bucket.timed_out + excluded.timed_out,
				aborted = perf_bucket.aborted + excluded.aborted`, args, nil)
		return nil
	})
	_ = inRollupChunks(sortedKeys(r.durations, compareSlotKeys), func(keys []perfSlotKey) error {
		args := make([]any, 0, 6*len(keys))
		for _, k := range keys {
			args = append(args, k.machine, k.resolution, s.timeArg(k.start), shard, int64(k.slot), r.durations[k])
		}
		b.exec("add to duration histograms", `INSERT INTO perf_duration (`+keyColumns+`, slot, executions)
			VALUES `+placeholders(len(keys), 6)+` ON CONFLICT (`+keyColumns+`, slot) DO UPDATE SET
				executions = perf_duration.executions + excluded.executions`, args, nil)
		return nil
	})
	_ = inRollupChunks(sortedKeys(r.states, compareNameKeys), func(keys []perfNameKey) error {
		args := make([]any, 0, 8*len(keys))
		for _, k := range keys {
			st := r.states[k]
			args = append(args, k.machine, k.resolution, s.timeArg(k.start), shard, k.name, st.Runs, st.Total.Microseconds(), st.Max.Microseconds())
		}
		b.exec("add to state times", `INSERT INTO perf_state (`+keyColumns+`, state_name, runs, total_us, max_us)
			VALUES `+placeholders(len(keys), 8)+` ON CONFLICT (`+keyColumns+`, state_name) DO UPDATE SET
				runs = perf_state.runs + excluded.runs, total_us = perf_state.total_us + excluded.total_us,
				max_us = CASE WHEN excluded.max_us > perf_state.max_us THEN excluded.max_us ELSE perf_state.max_us END`, args, nil)
		return nil
	})
	_ = inRollupChunks(sortedKeys(r.errors, compareNameKeys), func(keys []perfNameKey) error {
		args := make([]any, 0, 8*len(keys))
		for _, k := range keys {
			e := r.errors[k]
			args = append(args, k.machine, k.resolution, s.timeArg(k.start), shard, k.name, e.executions, e.example, s.timeArg(e.exampleAt))
		}
		b.exec("add to error counts", `INSERT INTO perf_error (`+keyColumns+`, error, executions, example_execution_arn, example_stop_date)
			VALUES `+placeholders(len(keys), 8)+` ON CONFLICT (`+keyColumns+`, error) DO UPDATE SET
				executions = perf_error.executions + excluded.executions,
				example_execution_arn = CASE WHEN excluded.example_stop_date >= perf_error.example_stop_date
					THEN excluded.example_execution_arn ELSE perf_error.example_execution_arn END,
				example_stop_date = CASE WHEN excluded.example_stop_date >= perf_error.example_stop_date
					THEN excluded.example_stop_date ELSE perf_error.example_stop_date END`, args, nil)
		return nil
	})
}

// PerformanceList implements store.Store. Each query reads the primary key's range of one
// machine, resolution and period: its cost follows the buckets in range, not the history.
func (s *Store) PerformanceList(ctx context.Context, p *store.PerformanceListParams) (*store.PerformanceList, error) {
	const op = "list performance rollups"
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	res := int64(p.Resolution / time.Second)
	args := []any{p.StateMachineARN, res, s.timeArg(p.From), s.timeArg(p.To)}
	const where = ` WHERE state_machine_arn = ? AND resolution = ? AND bucket_start >= ? AND bucket_start < ?`
	db := s.db.Reader()
	out := &store.PerformanceList{Buckets: []*store.PerformanceBucket{}, States: []store.StateTime{}, Errors: []*store.PerformanceError{}}
	byStart := map[time.Time]*store.PerformanceBucket{}
	rows, err := s.query(ctx, db, `SELECT bucket_start, started, succeeded, failed, timed_out, aborted FROM perf_bucket`+where+` ORDER BY bucket_start`, args...)
	buckets, err := collect(rows, err, func(r Rows) (*store.PerformanceBucket, error) {
		var (
			b     store.PerformanceBucket
			start timeValue
		)
		err := r.Scan(&start, &b.Started, &b.Succeeded, &b.Failed, &b.TimedOut, &b.Aborted)
		b.Start, b.Durations = start.t, store.DurationHistogram{}
		return &b, err
	})
	if err != nil {
		return nil, s.fail(op, err)
	}
	for _, b := range buckets { // a bucket's shards, one row each, add up
		if sum := byStart[b.Start]; sum != nil {
			sum.Started += b.Started
			sum.Succeeded += b.Succeeded
			sum.Failed += b.Failed
			sum.TimedOut += b.TimedOut
			sum.Aborted += b.Aborted
			continue
		}
		byStart[b.Start] = b
		out.Buckets = append(out.Buckets, b)
	}
	rows, err = s.query(ctx, db, `SELECT bucket_start, slot, executions FROM perf_duration`+where, args...)
	_, err = collect(rows, err, func(r Rows) (struct{}, error) {
		var (
			start   timeValue
			slot, n int64
			nothing struct{}
		)
		if err := r.Scan(&start, &slot, &n); err != nil {
			return nothing, err
		}
		if b := byStart[start.t]; b != nil {
			b.Durations[int(slot)] += n
		}
		return nothing, nil
	})
	if err != nil {
		return nil, s.fail(op, err)
	}
	rows, err = s.query(ctx, db, `SELECT state_name, CAST(SUM(runs) AS BIGINT), CAST(SUM(total_us) AS BIGINT), MAX(max_us) FROM perf_state`+where+`
		GROUP BY state_name ORDER BY state_name`, args...)
	out.States, err = collect(rows, err, func(r Rows) (store.StateTime, error) {
		var (
			st             store.StateTime
			totalUs, maxUs int64
		)
		err := r.Scan(&st.Name, &st.Runs, &totalUs, &maxUs)
		st.Total, st.Max = time.Duration(totalUs)*time.Microsecond, time.Duration(maxUs)*time.Microsecond
		return st, err
	})
	if err != nil {
		return nil, s.fail(op, err)
	}
	// The example of each error is the one that ended last, read last.
	rows, err = s.query(ctx, db, `SELECT error, executions, example_execution_arn FROM perf_error`+where+`
		ORDER BY bucket_start, example_stop_date`, args...)
	byError := map[string]*store.PerformanceError{}
	_, err = collect(rows, err, func(r Rows) (struct{}, error) {
		var e store.PerformanceError
		if err := r.Scan(&e.Error, &e.Executions, &e.Example); err != nil {
			return struct{}{}, err
		}
		if sum := byError[e.Error]; sum != nil {
			sum.Executions += e.Executions
			sum.Example = e.Example
		} else {
			byError[e.Error] = &e
			out.Errors = append(out.Errors, &e)
		}
		return struct{}{}, nil
	})
	if err != nil {
		return nil, s.fail(op, err)
	}
	slices.SortFunc(out.Errors, func(a, b *store.PerformanceError) int {
		return cmp.Or(cmp.Compare(b.Executions, a.Executions), strings.Compare(a.Error, b.Error))
	})
	if out.States == nil {
		out.States = []store.StateTime{}
	}
	return out, nil
}

// PerformanceDeleteBefore implements store.Store. It deletes every shard of the buckets it
// picks.
func (s *Store) PerformanceDeleteBefore(ctx context.Context, p *store.PerformanceDeleteBeforeParams) (int, error) {
	const op = "delete old performance rollups"
	if err := s.checkOpen(op); err != nil {
		return 0, err
	}
	limit := p.Limit
	if limit <= 0 {
		limit = 1000
	}
	deleted := 0
	err := s.inTx(ctx, func(tx Tx) error {
		// A bucket that ends at or before Before: its start is at most Before minus its size.
		var conds []string
		var args []any
		for _, res := range store.PerformanceResolutions {
			conds = append(conds, "(resolution = ? AND bucket_start <= ?)")
			args = append(args, int64(res/time.Second), s.timeArg(p.Before.Add(-res)))
		}
		rows, err := s.query(ctx, tx, `SELECT DISTINCT state_machine_arn, resolution, bucket_start FROM perf_bucket
			WHERE bucket_start <= ? AND (`+strings.Join(conds, " OR ")+`) ORDER BY bucket_start, state_machine_arn, resolution LIMIT ?`,
			append(append([]any{s.timeArg(p.Before)}, args...), limit)...)
		victims, err := collect(rows, err, func(r Rows) (k perfKey, err error) {
			var start timeValue
			err = r.Scan(&k.machine, &k.resolution, &start)
			k.start = start.t
			return k, err
		})
		if err != nil {
			return err
		}
		b := s.batch(ctx, tx)
		_ = inChunks(victims, func(keys []perfKey) error {
			args := make([]any, 0, 3*len(keys))
			for _, k := range keys {
				args = append(args, k.machine, k.resolution, s.timeArg(k.start))
			}
			row := "(?, " + s.dialect.Int64Param + ", " + s.dialect.TimeParam + ")"
			for _, table := range []string{"perf_duration", "perf_state", "perf_error", "perf_bucket"} {
				b.exec("delete "+table, `DELETE FROM `+table+` WHERE (state_machine_arn, resolution, bucket_start) IN (VALUES `+
					row+strings.Repeat(", "+row, len(keys)-1)+`)`, args, nil)
			}
			return nil
		})
		deleted = len(victims)
		return b.send(ctx)
	})
	if err != nil {
		return 0, s.fail(op, err)
	}
	return deleted, nil
}
