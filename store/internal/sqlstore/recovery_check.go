package sqlstore

import (
	"context"

	"github.com/stepflow/stepflow/store"
)

// RecoveryCheckList implements store.Store.
func (s *Store) RecoveryCheckList(ctx context.Context, after string, limit int) ([]string, error) {
	const op = "list executions to check after an upgrade"
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > store.MaxRecoveryChecks {
		limit = store.MaxRecoveryChecks
	}
	rows, err := s.query(ctx, s.db.Reader(), `SELECT arn FROM recovery_check WHERE arn > ? ORDER BY arn LIMIT ?`, after, limit)
	arns, err := collect(rows, err, func(r Rows) (string, error) {
		var arn string
		err := r.Scan(&arn)
		return arn, err
	})
	if err != nil {
		return nil, s.fail(op, err)
	}
	return arns, nil
}

// RecoveryCheckDelete implements store.Store.
func (s *Store) RecoveryCheckDelete(ctx context.Context, arns []string) error {
	const op = "remove executions checked after an upgrade"
	if err := s.checkOpen(op); err != nil {
		return err
	}
	for len(arns) > 0 {
		n := min(len(arns), store.MaxRecoveryChecks)
		args := make([]any, n)
		for i, arn := range arns[:n] {
			args[i] = arn
		}
		if _, err := s.exec(ctx, s.db.Writer(), `DELETE FROM recovery_check WHERE arn IN (`+placeholders(n, 1)+`)`, args...); err != nil {
			return s.fail(op, err)
		}
		arns = arns[n:]
	}
	return nil
}
