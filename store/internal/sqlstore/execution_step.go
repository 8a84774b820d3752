package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

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
// Each step first moves the version with a guarded UPDATE; a step whose guard fails has
// written nothing, so it is reported and the transaction goes on without savepoints. Any
// other failure is a bug in the caller (a reused event id or token) or a database failure,
// and rolls the whole batch back.
func (s *Store) ExecutionStepBatch(ctx context.Context, steps []*store.ExecutionStepParams) ([]error, error) {
	op := "commit execution steps"
	if len(steps) == 1 {
		op = "commit step of execution " + steps[0].ExecutionARN
	}
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	errs := make([]error, len(steps))
	err := s.inTx(ctx, func(tx Tx) error {
		for i, p := range steps {
			advanced, err := s.advanceVersion(ctx, tx, p)
			if err != nil {
				return fmt.Errorf("execution %s: %w", p.ExecutionARN, err)
			}
			if advanced != nil {
				errs[i] = advanced
				continue
			}
			if err := s.writeStepRecords(ctx, tx, p); err != nil {
				return fmt.Errorf("execution %s: %w", p.ExecutionARN, err)
			}
		}
		return nil
	})
	if err != nil {
		var exists *store.AlreadyExistsError
		if errors.As(err, &exists) {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		return nil, s.fail(op, err)
	}
	return errs, nil
}

// advanceVersion moves the execution from ExpectedVersion to the next one with the step's
// snapshot and status fields. It returns the step's own failure (conflict, not found) as
// refused, and database failures as err.
func (s *Store) advanceVersion(ctx context.Context, tx Tx, p *store.ExecutionStepParams) (refused, err error) {
	snapshot := p.Snapshot
	if snapshot == nil {
		snapshot = []byte{}
	}
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

// writeStepRecords writes everything of a step but the execution row.
func (s *Store) writeStepRecords(ctx context.Context, tx Tx, p *store.ExecutionStepParams) error {
	arn := p.ExecutionARN
	for _, ev := range p.Events {
		body, err := json.Marshal(ev)
		if err != nil {
			return fmt.Errorf("encode history event %d: %w", ev.ID, err)
		}
		n, err := s.exec(ctx, tx, `INSERT INTO history_event (execution_arn, id, type, timestamp, body)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT (execution_arn, id) DO NOTHING`,
			arn, ev.ID, string(ev.Type), s.timeArg(ev.Timestamp), string(body))
		if err != nil {
			return fmt.Errorf("insert history event %d: %w", ev.ID, err)
		}
		if n == 0 {
			return &store.AlreadyExistsError{Resource: store.ResourceHistoryEvent, Key: strconv.FormatInt(ev.ID, 10)}
		}
	}
	for _, id := range p.TimersDelete {
		if _, err := s.exec(ctx, tx, `DELETE FROM timer WHERE execution_arn = ? AND timer_id = ?`, arn, id); err != nil {
			return fmt.Errorf("delete timer %s: %w", id, err)
		}
	}
	for _, t := range p.TimersAdd {
		_, err := s.exec(ctx, tx, `INSERT INTO timer (execution_arn, timer_id, fire_at) VALUES (?, ?, ?)
			ON CONFLICT (execution_arn, timer_id) DO UPDATE SET fire_at = excluded.fire_at`,
			arn, t.TimerID, s.timeArg(t.FireAt))
		if err != nil {
			return fmt.Errorf("add timer %s: %w", t.TimerID, err)
		}
	}
	for _, id := range p.DispatchesDelete {
		if _, err := s.exec(ctx, tx, `DELETE FROM dispatch WHERE execution_arn = ? AND task_id = ?`, arn, id); err != nil {
			return fmt.Errorf("delete dispatch %s: %w", id, err)
		}
	}
	for _, d := range p.DispatchesAdd {
		_, err := s.exec(ctx, tx, `INSERT INTO dispatch (execution_arn, task_id, queue, resource, input, attempts,
				lease_owner, lease_expires_at, created_date)
			VALUES (?, ?, ?, ?, ?, 0, '', NULL, ?)
			ON CONFLICT (execution_arn, task_id) DO UPDATE SET queue = excluded.queue, resource = excluded.resource,
				input = excluded.input, attempts = 0, lease_owner = '', lease_expires_at = NULL,
				created_date = excluded.created_date`,
			arn, d.TaskID, d.Queue, d.Resource, d.Input, s.timeArg(d.CreatedDate))
		if err != nil {
			return fmt.Errorf("add dispatch %s: %w", d.TaskID, err)
		}
	}
	for _, token := range p.TaskTokensClose {
		_, err := s.exec(ctx, tx, `UPDATE task_token SET status = ? WHERE token = ? AND execution_arn = ?`,
			string(store.TaskTokenClosed), token, arn)
		if err != nil {
			return fmt.Errorf("close task token: %w", err)
		}
	}
	for _, t := range p.TaskTokensAdd {
		n, err := s.exec(ctx, tx, `INSERT INTO task_token (token, execution_arn, task_id, activity_arn, status,
				heartbeat_deadline, created_date)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (token) DO NOTHING`,
			t.Token, arn, t.TaskID, t.ActivityARN, string(store.TaskTokenOpen), s.nullTimeArg(t.HeartbeatDeadline),
			s.timeArg(t.CreatedDate))
		if err != nil {
			return fmt.Errorf("add task token of task %s: %w", t.TaskID, err)
		}
		if n == 0 {
			return &store.AlreadyExistsError{Resource: store.ResourceTaskToken, Key: "of task " + t.TaskID}
		}
	}
	if p.Update != nil && p.Update.Status.Terminal() {
		return s.clearLeftovers(ctx, tx, arn)
	}
	return nil
}

// clearLeftovers removes the pending work of an execution that stopped.
func (s *Store) clearLeftovers(ctx context.Context, tx Tx, arn string) error {
	for _, q := range []string{
		`DELETE FROM timer WHERE execution_arn = ?`,
		`DELETE FROM dispatch WHERE execution_arn = ?`,
	} {
		if _, err := s.exec(ctx, tx, q, arn); err != nil {
			return fmt.Errorf("clear leftovers: %w", err)
		}
	}
	_, err := s.exec(ctx, tx, `UPDATE task_token SET status = ? WHERE execution_arn = ? AND status = ?`,
		string(store.TaskTokenClosed), arn, string(store.TaskTokenOpen))
	if err != nil {
		return fmt.Errorf("close task tokens: %w", err)
	}
	return nil
}
