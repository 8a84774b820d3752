package sqlstore

import (
	"context"

	"github.com/stepflow/stepflow/store"
)

// TimerListDue implements store.Store.
func (s *Store) TimerListDue(ctx context.Context, p *store.TimerListDueParams) ([]*store.Timer, error) {
	const op = "list due timers"
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	limit := p.Limit
	if limit <= 0 {
		limit = 1000
	}
	rows, err := s.query(ctx, s.db.Reader(), `SELECT execution_arn, timer_id, fire_at FROM timer
		WHERE fire_at <= ? ORDER BY fire_at, execution_arn, timer_id LIMIT ?`, s.timeArg(p.Now), limit)
	timers, err := collect(rows, err, func(r Rows) (*store.Timer, error) {
		var (
			t      store.Timer
			fireAt timeValue
		)
		if err := r.Scan(&t.ExecutionARN, &t.TimerID, &fireAt); err != nil {
			return nil, err
		}
		t.FireAt = fireAt.t
		return &t, nil
	})
	if err != nil {
		return nil, s.fail(op, err)
	}
	return timers, nil
}
