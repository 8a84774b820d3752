package sqlstore

import (
	"time"

	"github.com/stepflow/stepflow/store"
)

// On a database that takes arrays as parameters (Dialect.Arrays: PostgreSQL), the statements
// a commit sends carry one array per column and read the rows with unnest, instead of a VALUES
// list of placeholders. Each statement then has one text whatever its row count: the driver
// prepares it once per connection and the server plans it once, where a VALUES list was a new
// statement to parse and plan for every row count (and a chunk of 64 rows was 640
// parameters to bind and plan). Any number of rows goes in one statement.
//
// The server plans these statements once for any arrays, so each is written so that its
// plan reads an index whatever the table's size: a probe by key per row, not a hash join
// over the table (which the planner picked for the VALUES forms of the history probe and
// of the version moves, on tables of some tens of thousands of rows: a scan of the table
// per commit).

// queueInsertExecutionsArrays is queueInsertExecutions with arrays.
func (s *Store) queueInsertExecutionsArrays(b statements, params []*store.ExecutionCreateParams, ids map[string]int64) {
	n := len(params)
	var (
		arns, machines, versions, aliases, names, types, statuses, inputs = make([]string, n), make([]string, n),
			make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		outputs              = make([]*string, n)
		errs, causes, traces = make([]string, n), make([]string, n), make([]string, n)
		starts               = make([]time.Time, n)
		stops                = make([]*time.Time, n)
		snapshots            = make([][]byte, n)
	)
	for i, p := range params {
		arns[i], machines[i], versions[i], aliases[i], names[i] = p.ARN, p.StateMachineARN, p.StateMachineVersionARN, p.StateMachineAliasARN, p.Name
		types[i], statuses[i], inputs[i], outputs[i] = string(p.Type), string(startStatus(p)), p.Input, p.Output
		errs[i], causes[i], traces[i] = p.Error, p.Cause, p.TraceHeader
		starts[i], stops[i] = store.Stamp(p.StartDate), stampPtr(p.StopDate)
		snapshots[i] = p.Snapshot
		if snapshots[i] == nil {
			snapshots[i] = []byte{}
		}
	}
	b.query("insert executions", `INSERT INTO execution (`+executionColumns+`, snapshot)
		SELECT arn, machine, machine_version, machine_alias, name, type, status, input, output, error, cause,
			start_date, stop_date, 0, NULL, trace_header, 1, snapshot
		FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],
			?::text[], ?::text[], ?::timestamptz[], ?::timestamptz[], ?::text[], ?::bytea[])
			AS v(arn, machine, machine_version, machine_alias, name, type, status, input, output, error, cause,
				start_date, stop_date, trace_header, snapshot)
		ORDER BY arn -- two transactions inserting the same new names wait in one order, never for each other
		ON CONFLICT (arn) DO NOTHING RETURNING arn, id`,
		[]any{arns, machines, versions, aliases, names, types, statuses, inputs, outputs, errs, causes, starts, stops, traces, snapshots},
		readIDs(func(arn string, id int64) { ids[arn] = id }))
}

// queueExecutionIDsArrays is queueExecutionIDs with an array: arns are sorted, and the rows
// are locked in that order.
func (s *Store) queueExecutionIDsArrays(b statements, arns []string, ids map[string]int64) {
	b.query("look up executions", `SELECT arn, id FROM execution WHERE arn = ANY(?::text[]) ORDER BY arn`+s.dialect.ForUpdate,
		[]any{arns}, readIDs(func(arn string, id int64) { ids[arn] = id }))
}

// queueAdvanceVersionsArrays is queueAdvanceVersions with arrays. A step may carry one fence
// (the lease its node holds on the task whose result it commits): its version moves only
// while the dispatch is still leased as the fence says. The leases are locked first, in key
// order as a fenced step alone would lock them, so that no other node takes one over before
// the transaction ends.
func (s *Store) queueAdvanceVersionsArrays(b statements, plain, updates []*store.ExecutionStepParams, moved func(Rows) error) {
	s.queueLockFences(b, append(append([]*store.ExecutionStepParams(nil), plain...), updates...))
	// A step without a fence has a NULL task: the EXISTS is not evaluated for it.
	const fenceHolds = `(v.fence_task IS NULL OR EXISTS (SELECT 1 FROM dispatch d WHERE d.execution_arn = v.arn
		AND d.task_id = v.fence_task AND d.lease_owner = v.fence_owner AND d.attempts = v.fence_attempts))`
	if n := len(plain); n > 0 {
		arns, versions, snapshots := make([]string, n), make([]int64, n), make([][]byte, n)
		fences := newFenceArrays(n)
		for i, p := range plain {
			arns[i], versions[i], snapshots[i] = p.ExecutionARN, p.ExpectedVersion, snapshotArg(p)
			fences.set(i, p)
		}
		b.query("advance versions", `UPDATE execution e SET version = e.version + 1, snapshot = v.snapshot
			FROM unnest(?::text[], ?::bigint[], ?::bytea[], ?::text[], ?::text[], ?::bigint[])
				AS v(arn, version, snapshot, fence_task, fence_owner, fence_attempts)
			WHERE e.arn = v.arn AND e.version = v.version AND `+fenceHolds+` RETURNING e.arn, e.id`,
			[]any{arns, versions, snapshots, fences.tasks, fences.owners, fences.attempts}, moved)
	}
	if n := len(updates); n > 0 {
		var (
			arns, statuses, errs, causes = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
			versions, redrives           = make([]int64, n), make([]int64, n)
			snapshots                    = make([][]byte, n)
			outputs                      = make([]*string, n)
			stops, redriveDates          = make([]*time.Time, n), make([]*time.Time, n)
		)
		fences := newFenceArrays(n)
		for i, p := range updates {
			u := p.Update
			arns[i], versions[i], snapshots[i] = p.ExecutionARN, p.ExpectedVersion, snapshotArg(p)
			statuses[i], outputs[i], errs[i], causes[i] = string(u.Status), u.Output, u.Error, u.Cause
			stops[i], redrives[i], redriveDates[i] = stampPtr(u.StopDate), int64(u.RedriveCount), stampPtr(u.RedriveDate)
			fences.set(i, p)
		}
		b.query("advance versions", `UPDATE execution e SET version = e.version + 1, snapshot = v.snapshot,
				status = v.status, output = v.output, error = v.error, cause = v.cause, stop_date = v.stop_date,
				redrive_count = v.redrive_count, redrive_date = v.redrive_date
			FROM unnest(?::text[], ?::bigint[], ?::bytea[], ?::text[], ?::text[], ?::text[], ?::text[], ?::timestamptz[],
				?::bigint[], ?::timestamptz[], ?::text[], ?::text[], ?::bigint[])
				AS v(arn, version, snapshot, status, output, error, cause, stop_date, redrive_count, redrive_date,
					fence_task, fence_owner, fence_attempts)
			WHERE e.arn = v.arn AND e.version = v.version AND `+fenceHolds+` RETURNING e.arn, e.id`,
			[]any{arns, versions, snapshots, statuses, outputs, errs, causes, stops, redrives, redriveDates,
				fences.tasks, fences.owners, fences.attempts}, moved)
	}
}

// fenceArrays are the columns of the steps' fences; a step without one has NULLs.
type fenceArrays struct {
	tasks, owners []*string
	attempts      []*int64
}

func newFenceArrays(n int) fenceArrays {
	return fenceArrays{tasks: make([]*string, n), owners: make([]*string, n), attempts: make([]*int64, n)}
}

func (f fenceArrays) set(i int, p *store.ExecutionStepParams) {
	if len(p.Fences) == 0 {
		return
	}
	fence := p.Fences[0]
	attempts := int64(fence.Attempts)
	f.tasks[i], f.owners[i], f.attempts[i] = &fence.TaskID, &fence.Owner, &attempts
}

// queueLockFences locks the dispatches whose leases the fenced steps hold, in key order.
func (s *Store) queueLockFences(b statements, steps []*store.ExecutionStepParams) {
	var arns, tasks, owners []string
	var attempts []int64
	for _, p := range steps {
		if len(p.Fences) == 1 {
			f := p.Fences[0]
			arns, tasks, owners, attempts = append(arns, p.ExecutionARN), append(tasks, f.TaskID), append(owners, f.Owner), append(attempts, int64(f.Attempts))
		}
	}
	if len(arns) == 0 {
		return
	}
	b.exec("lock leases", `SELECT d.execution_arn FROM dispatch d
		JOIN unnest(?::text[], ?::text[], ?::text[], ?::bigint[]) AS v(arn, task_id, owner, attempts)
			ON d.execution_arn = v.arn AND d.task_id = v.task_id AND d.lease_owner = v.owner AND d.attempts = v.attempts
		ORDER BY d.execution_arn, d.task_id FOR UPDATE OF d`, []any{arns, tasks, owners, attempts}, nil)
}

// queueRoundArrays is queueRound with arrays.
func (s *Store) queueRoundArrays(b statements, round *recordRound, taken *[]tokenRow) {
	if keys := round.timerDeletes; len(keys) > 0 {
		arns, ids := splitKeys(keys)
		b.exec("delete timers", `DELETE FROM timer t USING unnest(?::text[], ?::text[]) AS v(arn, id)
			WHERE t.execution_arn = v.arn AND t.timer_id = v.id`, []any{arns, ids}, nil)
	}
	if keys := round.dispatchDeletes; len(keys) > 0 {
		arns, ids := splitKeys(keys)
		b.exec("delete dispatches", `DELETE FROM dispatch d USING unnest(?::text[], ?::text[]) AS v(arn, id)
			WHERE d.execution_arn = v.arn AND d.task_id = v.id`, []any{arns, ids}, nil)
	}
	if rows := lastOfEach(round.timerAdds, func(t timerRow) rowKey { return rowKey{t.executionARN, t.timer.TimerID} }); len(rows) > 0 {
		n := len(rows)
		arns, ids, fireAt := make([]string, n), make([]string, n), make([]time.Time, n)
		for i, t := range rows {
			arns[i], ids[i], fireAt[i] = t.executionARN, t.timer.TimerID, store.Stamp(t.timer.FireAt)
		}
		b.exec("add timers", `INSERT INTO timer (execution_arn, timer_id, fire_at)
			SELECT * FROM unnest(?::text[], ?::text[], ?::timestamptz[])
			ON CONFLICT (execution_arn, timer_id) DO UPDATE SET fire_at = excluded.fire_at`, []any{arns, ids, fireAt}, nil)
	}
	if rows := lastOfEach(round.dispatchAdds, func(d dispatchRow) rowKey { return rowKey{d.executionARN, d.dispatch.TaskID} }); len(rows) > 0 {
		n := len(rows)
		var (
			arns, tasks, queues, resources, inputs, details, owners = make([]string, n), make([]string, n), make([]string, n),
				make([]string, n), make([]string, n), make([]string, n), make([]string, n)
			expires = make([]*time.Time, n)
			created = make([]time.Time, n)
		)
		for i, r := range rows {
			d := r.dispatch
			arns[i], tasks[i], queues[i], resources[i], inputs[i], details[i] = r.executionARN, d.TaskID, d.Queue, d.Resource, d.Input, d.Details
			owners[i], expires[i], created[i] = d.LeaseOwner, stampPtr(d.LeaseExpiresAt), store.Stamp(d.CreatedDate)
		}
		b.exec("add dispatches", `INSERT INTO dispatch (execution_arn, task_id, queue, resource, input, details, attempts,
				lease_owner, lease_expires_at, created_date)
			SELECT arn, task_id, queue, resource, input, details, 0, lease_owner, lease_expires_at, created_date
			FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::timestamptz[], ?::timestamptz[])
				AS v(arn, task_id, queue, resource, input, details, lease_owner, lease_expires_at, created_date)
			ON CONFLICT (execution_arn, task_id) DO UPDATE SET queue = excluded.queue, resource = excluded.resource,
				input = excluded.input, details = excluded.details, attempts = 0, lease_owner = excluded.lease_owner,
				lease_expires_at = excluded.lease_expires_at, created_date = excluded.created_date`,
			[]any{arns, tasks, queues, resources, inputs, details, owners, expires, created}, nil)
	}
	if keys := round.tokenCloses; len(keys) > 0 {
		arns, tokens := splitKeys(keys)
		b.exec("close task tokens", `UPDATE task_token t SET status = ? FROM unnest(?::text[], ?::text[]) AS v(token, arn)
			WHERE t.token = v.token AND t.execution_arn = v.arn`, []any{string(store.TaskTokenClosed), tokens, arns}, nil)
	}
	if rows := round.tokenAdds; len(rows) > 0 {
		n := len(rows)
		var (
			tokens, arns, tasks, activities = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
			deadlines                       = make([]*time.Time, n)
			created                         = make([]time.Time, n)
		)
		for i, r := range rows {
			t := r.token
			tokens[i], arns[i], tasks[i], activities[i] = t.Token, r.executionARN, t.TaskID, t.ActivityARN
			deadlines[i], created[i] = stampPtr(t.HeartbeatDeadline), store.Stamp(t.CreatedDate)
		}
		b.exec("add task tokens", `INSERT INTO task_token (token, execution_arn, task_id, activity_arn, status,
				heartbeat_deadline, created_date)
			SELECT token, arn, task_id, activity_arn, ?, heartbeat_deadline, created_date
			FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::timestamptz[], ?::timestamptz[])
				AS v(token, arn, task_id, activity_arn, heartbeat_deadline, created_date)
			ON CONFLICT (token) DO NOTHING`,
			[]any{string(store.TaskTokenOpen), tokens, arns, tasks, activities, deadlines, created}, func(n int64) error {
				if n != int64(len(rows)) {
					*taken = rows
					return errTakenToken
				}
				return nil
			})
	}
	if arns := round.finished; len(arns) > 0 {
		// One statement for the three tables: each statement has a fixed cost on the server
		// that a commit's ~130 steps share, and these find nothing to remove most of the time.
		b.exec("clear leftovers", `WITH timers AS (DELETE FROM timer WHERE execution_arn = ANY(?::text[])),
				dispatches AS (DELETE FROM dispatch WHERE execution_arn = ANY(?::text[]))
			UPDATE task_token SET status = ? WHERE status = ? AND execution_arn = ANY(?::text[])`,
			[]any{arns, arns, string(store.TaskTokenClosed), string(store.TaskTokenOpen), arns}, nil)
	}
	s.queueEventDeliveries(b, round.eventDeliveries)
}

// splitKeys returns the execution ARNs and the ids of keys, as two arrays.
func splitKeys(keys []rowKey) (arns, ids []string) {
	arns, ids = make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		arns[i], ids[i] = k.executionARN, k.id
	}
	return arns, ids
}

// queueEventsArrays is queueEvents with arrays: the probe for event ids the history holds
// already and the insert are one statement. It has no ON CONFLICT clause: the probe finds any
// chunk the insert could collide with (the execution's row lock keeps other transactions from
// adding one meanwhile), and a speculative insertion writes one more WAL record per chunk.
// Should a collision happen anyway, the statement fails with a unique violation of
// history_chunk_pkey, which reads as errDuplicateEvent. The probe runs per chunk, as a subquery the
// planner cannot turn into a join: it reads the primary key (execution_id, last_id) from the
// chunk's first id, which for an append finds nothing. Chunks of executions this
// transaction created skip it.
func (s *Store) queueEventsArrays(b statements, chunks []historyChunk, fresh []bool) {
	n := len(chunks)
	var (
		executions, firsts, lasts = make([]int64, n), make([]int64, n), make([]int64, n)
		bodies                    = make([]string, n)
		compressed                = make([][]byte, n)
	)
	for i, c := range chunks {
		executions[i], firsts[i], lasts[i], bodies[i], compressed[i] = c.executionID, c.firstID, c.lastID, c.body, c.bodyS2
	}
	b.exec("insert history events", `INSERT INTO history_chunk (execution_id, first_id, last_id, body, body_s2)
		SELECT execution_id, first_id, last_id, body, body_s2
		FROM unnest(?::bigint[], ?::bigint[], ?::bigint[], ?::text[], ?::bytea[], ?::boolean[])
			AS v(execution_id, first_id, last_id, body, body_s2, fresh)
		WHERE v.fresh OR NOT EXISTS (SELECT 1 FROM history_chunk h WHERE h.execution_id = v.execution_id
			AND h.last_id >= v.first_id AND h.first_id <= v.last_id)`,
		[]any{executions, firsts, lasts, bodies, compressed, fresh}, func(affected int64) error {
			if affected != int64(n) {
				return errDuplicateEvent
			}
			return nil
		})
}
