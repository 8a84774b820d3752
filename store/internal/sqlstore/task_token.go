package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/stepflow/stepflow/store"
)

// TaskTokenGet implements store.Store.
func (s *Store) TaskTokenGet(ctx context.Context, p *store.TaskTokenGetParams) (*store.TaskToken, error) {
	const op = "get task token"
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	var (
		t                  store.TaskToken
		heartbeat, created timeValue
	)
	err := s.queryRow(ctx, s.db.Reader(), `SELECT token, execution_arn, task_id, activity_arn, status,
		heartbeat_deadline, created_date FROM task_token WHERE token = ?`, p.Token).
		Scan(&t.Token, &t.ExecutionARN, &t.TaskID, &t.ActivityARN, &t.Status, &heartbeat, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &store.NotFoundError{Resource: store.ResourceTaskToken, Key: shortToken(p.Token)}
	}
	if err != nil {
		return nil, s.fail(op, err)
	}
	t.HeartbeatDeadline, t.CreatedDate = heartbeat.ptr(), created.t
	return &t, nil
}

// TaskTokenHeartbeat implements store.Store.
func (s *Store) TaskTokenHeartbeat(ctx context.Context, p *store.TaskTokenHeartbeatParams) error {
	const op = "heartbeat task token"
	if err := s.checkOpen(op); err != nil {
		return err
	}
	n, err := s.exec(ctx, s.db.Writer(), `UPDATE task_token SET heartbeat_deadline = ? WHERE token = ? AND status = ?`,
		s.timeArg(p.HeartbeatDeadline), p.Token, string(store.TaskTokenOpen))
	if err != nil {
		return s.fail(op, err)
	}
	if n == 0 {
		return &store.NotFoundError{Resource: store.ResourceTaskToken, Key: shortToken(p.Token)}
	}
	return nil
}

// shortToken keeps error messages short and free of whole tokens, which grant access.
func shortToken(token string) string {
	if len(token) > 8 {
		return token[:8] + "…"
	}
	return token
}
