package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/stepflow/stepflow/store"
)

// stepRecords gathers the timers, dispatches and task tokens that the steps of one batch
// write, so that each kind of change costs a few multi-row statements per batch instead of
// one statement per row: on a busy engine these rows are most of what a commit writes.
//
// A step's own order (deletes, then adds, then the clean-up of a finished execution) must
// hold for its rows, and a later step of the same execution must see the earlier one's
// rows. Steps are therefore placed in rounds: an execution's first step of the batch goes
// to round 0, its second to round 1, and so on. Within a round each execution has one step,
// so running every delete of the round before every add keeps each step's order.
type stepRecords struct {
	rounds []*recordRound
	steps  map[string]int // steps placed so far, by execution ARN
	perf   *perfRollup    // what the starts and ends add to the performance rollups
	// childBodies holds the child executions' new history events, encoded before the
	// transaction began (see encodeChildHistories).
	childBodies map[*store.ChildExecutionWrite]string
	// children are the batch's child execution writes, one per child: a child started and
	// ended by two steps of one batch costs one row and one history row (see addChild).
	children   []*childRow
	childByARN map[string]*childRow
}

type recordRound struct {
	timerDeletes    []rowKey
	timerAdds       []timerRow
	dispatchDeletes []rowKey
	dispatchAdds    []dispatchRow
	tokenCloses     []rowKey
	tokenAdds       []tokenRow
	finished        []string // executions that reached a terminal status
	eventDeliveries []*store.EventDelivery
}

// rowKey is a row of an execution: a timer id, a task id or a token.
type rowKey struct{ executionARN, id string }

type timerRow struct {
	executionARN string
	timer        *store.TimerAdd
}

type dispatchRow struct {
	executionARN string
	dispatch     *store.DispatchAdd
}

type tokenRow struct {
	executionARN string
	token        *store.TaskTokenAdd
}

func newStepRecords() *stepRecords {
	return &stepRecords{steps: map[string]int{}, perf: newPerfRollup()}
}

// add places the records of p in the round after its execution's previous step.
func (r *stepRecords) add(p *store.ExecutionStepParams) {
	arn := p.ExecutionARN
	n := r.steps[arn]
	r.steps[arn] = n + 1
	if n == len(r.rounds) {
		r.rounds = append(r.rounds, &recordRound{})
	}
	round := r.rounds[n]
	for _, id := range p.TimersDelete {
		round.timerDeletes = append(round.timerDeletes, rowKey{arn, id})
	}
	for _, t := range p.TimersAdd {
		round.timerAdds = append(round.timerAdds, timerRow{arn, t})
	}
	for _, id := range p.DispatchesDelete {
		round.dispatchDeletes = append(round.dispatchDeletes, rowKey{arn, id})
	}
	for _, d := range p.DispatchesAdd {
		round.dispatchAdds = append(round.dispatchAdds, dispatchRow{arn, d})
	}
	for _, token := range p.TaskTokensClose {
		round.tokenCloses = append(round.tokenCloses, rowKey{arn, token})
	}
	for _, t := range p.TaskTokensAdd {
		round.tokenAdds = append(round.tokenAdds, tokenRow{arn, t})
	}
	round.eventDeliveries = append(round.eventDeliveries, p.EventDeliveries...)
	for _, c := range p.Children {
		r.addChild(arn, c)
	}
	if p.Update != nil && p.Update.Status.Terminal() {
		round.finished = append(round.finished, arn)
	}
	r.perf.stepped(p)
}

// errTakenToken says a multi-row INSERT of task tokens skipped a token taken already; the
// batch rolls back and takenToken names it.
var errTakenToken = errors.New("task token taken")

// queueStepRecords queues the statements of every round in order. When the batch fails with
// errTakenToken, the returned rows hold the tokens of the INSERT that skipped one.
func (s *Store) queueStepRecords(b statements, r *stepRecords) *[]tokenRow {
	taken := new([]tokenRow)
	for _, round := range r.rounds {
		if s.dialect.Arrays {
			s.queueRoundArrays(b, round, taken)
		} else {
			s.queueRound(b, round, taken)
		}
	}
	s.queueChildren(b, r.children)
	s.queuePerformance(b, r.perf)
	return taken
}

func (s *Store) queueRound(b statements, round *recordRound, taken *[]tokenRow) {
	s.queueDeletes(b, "delete timers", `DELETE FROM timer WHERE (execution_arn, timer_id) IN (VALUES `, round.timerDeletes)
	s.queueDeletes(b, "delete dispatches", `DELETE FROM dispatch WHERE (execution_arn, task_id) IN (VALUES `, round.dispatchDeletes)
	_ = inChunks(lastOfEach(round.timerAdds, func(t timerRow) rowKey { return rowKey{t.executionARN, t.timer.TimerID} }),
		func(rows []timerRow) error {
			args := make([]any, 0, 3*len(rows))
			for _, t := range rows {
				args = append(args, t.executionARN, t.timer.TimerID, s.timeArg(t.timer.FireAt))
			}
			b.exec("add timers", `INSERT INTO timer (execution_arn, timer_id, fire_at) VALUES `+placeholders(len(rows), 3)+`
				ON CONFLICT (execution_arn, timer_id) DO UPDATE SET fire_at = excluded.fire_at`, args, nil)
			return nil
		})
	_ = inChunks(lastOfEach(round.dispatchAdds, func(d dispatchRow) rowKey { return rowKey{d.executionARN, d.dispatch.TaskID} }),
		func(rows []dispatchRow) error {
			args := make([]any, 0, 9*len(rows))
			for _, r := range rows {
				d := r.dispatch
				args = append(args, r.executionARN, d.TaskID, d.Queue, d.Resource, d.Input, d.Details, d.LeaseOwner,
					s.nullTimeArg(d.LeaseExpiresAt), s.timeArg(d.CreatedDate))
			}
			b.exec("add dispatches", `INSERT INTO dispatch (execution_arn, task_id, queue, resource, input, details, attempts,
					lease_owner, lease_expires_at, created_date)
				VALUES `+strings.Repeat("(?, ?, ?, ?, ?, ?, 0, ?, ?, ?), ", len(rows)-1)+`(?, ?, ?, ?, ?, ?, 0, ?, ?, ?)
				ON CONFLICT (execution_arn, task_id) DO UPDATE SET queue = excluded.queue, resource = excluded.resource,
					input = excluded.input, details = excluded.details, attempts = 0, lease_owner = excluded.lease_owner,
					lease_expires_at = excluded.lease_expires_at, created_date = excluded.created_date`, args, nil)
			return nil
		})
	_ = inChunks(round.tokenCloses, func(rows []rowKey) error {
		args := make([]any, 0, 1+2*len(rows))
		args = append(args, string(store.TaskTokenClosed))
		for _, k := range rows {
			args = append(args, k.id, k.executionARN)
		}
		b.exec("close task tokens", `UPDATE task_token SET status = ? WHERE (token, execution_arn) IN (VALUES `+
			placeholders(len(rows), 2)+`)`, args, nil)
		return nil
	})
	_ = inChunks(round.tokenAdds, func(rows []tokenRow) error {
		args := make([]any, 0, 7*len(rows))
		for _, r := range rows {
			t := r.token
			args = append(args, t.Token, r.executionARN, t.TaskID, t.ActivityARN, string(store.TaskTokenOpen),
				s.nullTimeArg(t.HeartbeatDeadline), s.timeArg(t.CreatedDate))
		}
		b.exec("add task tokens", `INSERT INTO task_token (token, execution_arn, task_id, activity_arn, status,
				heartbeat_deadline, created_date)
			VALUES `+placeholders(len(rows), 7)+` ON CONFLICT (token) DO NOTHING`, args, func(n int64) error {
			if n != int64(len(rows)) {
				*taken = rows
				return errTakenToken
			}
			return nil
		})
		return nil
	})
	s.queueClearLeftovers(b, round.finished)
	s.queueEventDeliveries(b, round.eventDeliveries)
}

// queueEventDeliveries queues the inserts of the event deliveries steps make. One already
// written (the same status change committed by a step redone) is kept as it is.
func (s *Store) queueEventDeliveries(b statements, ds []*store.EventDelivery) {
	_ = inChunks(ds, func(rows []*store.EventDelivery) error {
		args := make([]any, 0, 16*len(rows))
		for _, d := range rows {
			state := d.State
			if state == "" {
				state = store.EventDeliveryPending
			}
			args = append(args, d.ID, d.EventID, d.BusName, d.RuleName, d.RuleARN, d.TargetID, d.Target, d.Event,
				s.timeArg(d.EventTime), state, d.Attempts, s.timeArg(d.NextAttemptAt), d.LeaseOwner, d.LastError,
				d.DeadLetterARN, s.timeArg(d.CreatedDate))
		}
		b.exec("add event deliveries", `INSERT INTO event_delivery (`+eventDeliveryColumns+`)
			VALUES `+placeholders(len(rows), 16)+` ON CONFLICT (id) DO NOTHING`, args, nil)
		return nil
	})
}

// queueDeletes queues the deletes of the rows keyed (execution ARN, id) named by keys; head is
// the statement up to its VALUES list.
func (s *Store) queueDeletes(b statements, what, head string, keys []rowKey) {
	_ = inChunks(keys, func(rows []rowKey) error {
		args := make([]any, 0, 2*len(rows))
		for _, k := range rows {
			args = append(args, k.executionARN, k.id)
		}
		b.exec(what, head+placeholders(len(rows), 2)+`)`, args, nil)
		return nil
	})
}

// takenToken names a row whose token another task holds (or an earlier row holds): a
// multi-row INSERT that skipped a conflict does not say which row it skipped.
func (s *Store) takenToken(ctx context.Context, tx Tx, rows []tokenRow) error {
	taken := rows[0]
	seen := make(map[string]bool, len(rows))
	for _, r := range rows {
		var owner, task string
		err := s.queryRow(ctx, tx, `SELECT execution_arn, task_id FROM task_token WHERE token = ?`, r.token.Token).Scan(&owner, &task)
		if err != nil {
			return err
		}
		if seen[r.token.Token] || owner != r.executionARN || task != r.token.TaskID {
			taken = r
			break
		}
		seen[r.token.Token] = true
	}
	return fmt.Errorf("execution %s: %w", taken.executionARN,
		&store.AlreadyExistsError{Resource: store.ResourceTaskToken, Key: "of task " + taken.token.TaskID})
}

// queueClearLeftovers queues the removal of the pending work of executions that stopped.
func (s *Store) queueClearLeftovers(b statements, arns []string) {
	_ = inChunks(arns, func(chunk []string) error {
		args := make([]any, 0, 2+len(chunk))
		for _, arn := range chunk {
			args = append(args, arn)
		}
		list := placeholders(len(chunk), 1)
		b.exec("clear leftovers", `DELETE FROM timer WHERE execution_arn IN (`+list+`)`, args, nil)
		b.exec("clear leftovers", `DELETE FROM dispatch WHERE execution_arn IN (`+list+`)`, args, nil)
		b.exec("close task tokens", `UPDATE task_token SET status = ? WHERE status = ? AND execution_arn IN (`+list+`)`,
			append([]any{string(store.TaskTokenClosed), string(store.TaskTokenOpen)}, args...), nil)
		return nil
	})
}

// inChunks calls write with the rows split into chunks whose sizes are powers of two up to
// idChunk (37 rows: 32, 4 and 1), so a statement is prepared for at most seven row counts
// instead of one per count.
func inChunks[T any](rows []T, write func([]T) error) error {
	for len(rows) > 0 {
		n := idChunk
		for n > len(rows) {
			n /= 2
		}
		if err := write(rows[:n]); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// lastOfEach keeps the last of the rows that share a key, in order: a multi-row upsert may
// not touch one row twice (PostgreSQL refuses), and the last add is the one that stands.
func lastOfEach[T any](rows []T, key func(T) rowKey) []T {
	if len(rows) < 2 {
		return rows
	}
	last := make(map[rowKey]int, len(rows))
	for i, r := range rows {
		last[key(r)] = i
	}
	if len(last) == len(rows) {
		return rows
	}
	kept := make([]T, 0, len(last))
	for i, r := range rows {
		if last[key(r)] == i {
			kept = append(kept, r)
		}
	}
	return kept
}
