package sqlstore

import (
	"context"
	"sort"

	"github.com/stepflow/stepflow/store"
)

// DispatchLease implements store.Store. One UPDATE takes the rows, so two leasers never get
// the same dispatch: SQLite has one writer at a time, PostgreSQL skips rows another
// transaction has locked.
func (s *Store) DispatchLease(ctx context.Context, p *store.DispatchLeaseParams) ([]*store.Dispatch, error) {
	op := "lease dispatches of queue " + p.Queue
	if p.Queue == "" {
		op = "lease dispatches"
	}
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	limit := p.Limit
	if limit <= 0 {
		limit = 100
	}
	now := s.timeArg(p.Now)
	var leased []*store.Dispatch
	err := s.inTx(ctx, func(tx Tx) error {
		rows, err := s.query(ctx, tx, `UPDATE dispatch SET lease_owner = ?, lease_expires_at = ?, attempts = attempts + 1
			WHERE (execution_arn, task_id) IN (
				SELECT execution_arn, task_id FROM dispatch
				WHERE queue = ? AND (lease_expires_at IS NULL OR lease_expires_at <= ?)
				ORDER BY created_date, execution_arn, task_id LIMIT ?`+s.dialect.SkipLocked+`)
			RETURNING execution_arn, task_id, queue, resource, input, details, attempts, lease_owner, lease_expires_at, created_date`,
			p.Owner, s.timeArg(p.Until), p.Queue, now, limit)
		leased, err = collect(rows, err, func(r Rows) (*store.Dispatch, error) {
			var (
				d                store.Dispatch
				expires, created timeValue
			)
			err := r.Scan(&d.ExecutionARN, &d.TaskID, &d.Queue, &d.Resource, &d.Input, &d.Details, &d.Attempts,
				&d.LeaseOwner, &expires, &created)
			d.LeaseExpiresAt, d.CreatedDate = expires.ptr(), created.t
			return &d, err
		})
		return err
	})
	if err != nil {
		return nil, s.fail(op, err)
	}
	sort.Slice(leased, func(i, j int) bool {
		a, b := leased[i], leased[j]
		if !a.CreatedDate.Equal(b.CreatedDate) {
			return a.CreatedDate.Before(b.CreatedDate)
		}
		if a.ExecutionARN != b.ExecutionARN {
			return a.ExecutionARN < b.ExecutionARN
		}
		return a.TaskID < b.TaskID
	})
	return leased, nil
}

// DispatchRenew implements store.Store.
func (s *Store) DispatchRenew(ctx context.Context, p *store.DispatchRenewParams) ([]store.DispatchKey, error) {
	const op = "renew dispatch leases"
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	var renewed []store.DispatchKey
	err := s.inTx(ctx, func(tx Tx) error {
		renewed = renewed[:0]
		return inChunks(p.Dispatches, func(keys []store.DispatchKey) error {
			args := make([]any, 0, 2+2*len(keys))
			args = append(args, s.timeArg(p.Until), p.Owner)
			for _, k := range keys {
				args = append(args, k.ExecutionARN, k.TaskID)
			}
			rows, err := s.query(ctx, tx, `UPDATE dispatch SET lease_expires_at = ?
				WHERE lease_owner = ? AND (execution_arn, task_id) IN (VALUES `+placeholders(len(keys), 2)+`)
				RETURNING execution_arn, task_id`, args...)
			keysRenewed, err := collect(rows, err, func(r Rows) (store.DispatchKey, error) {
				var k store.DispatchKey
				return k, r.Scan(&k.ExecutionARN, &k.TaskID)
			})
			renewed = append(renewed, keysRenewed...)
			return err
		})
	})
	if err != nil {
		return nil, s.fail(op, err)
	}
	return renewed, nil
}

// DispatchRelease implements store.Store.
func (s *Store) DispatchRelease(ctx context.Context, p *store.DispatchReleaseParams) (int, error) {
	const op = "release dispatch leases"
	if err := s.checkOpen(op); err != nil {
		return 0, err
	}
	var n int64
	err := s.inTx(ctx, func(tx Tx) error {
		var err error
		n, err = s.exec(ctx, tx, `UPDATE dispatch SET lease_expires_at = NULL
			WHERE lease_owner = ? AND queue = ? AND lease_expires_at IS NOT NULL`, p.Owner, p.Queue)
		return err
	})
	if err != nil {
		return 0, s.fail(op, err)
	}
	return int(n), nil
}

// DispatchCountWaiting implements store.Store, with the condition DispatchLease takes rows by.
func (s *Store) DispatchCountWaiting(ctx context.Context, p *store.DispatchCountWaitingParams) (int, error) {
	op := "count waiting dispatches of queue " + p.Queue
	if err := s.checkOpen(op); err != nil {
		return 0, err
	}
	var n int
	err := s.queryRow(ctx, s.db.Reader(), `SELECT count(*) FROM dispatch
		WHERE queue = ? AND (lease_expires_at IS NULL OR lease_expires_at <= ?)`, p.Queue, s.timeArg(p.Now)).Scan(&n)
	if err != nil {
		return 0, s.fail(op, err)
	}
	return n, nil
}

// fenceRefusal checks a step's fence, locking the dispatch row on PostgreSQL so that no
// other node leases it before the step commits. It returns a *store.LeaseLostError when the
// dispatch is gone or held by another owner or attempt.
func (s *Store) fenceRefusal(ctx context.Context, tx Tx, p *store.ExecutionStepParams) (refused, err error) {
	for _, f := range p.Fences {
		var held int
		err = s.queryRow(ctx, tx, `SELECT count(*) FROM (SELECT 1 FROM dispatch
			WHERE execution_arn = ? AND task_id = ? AND lease_owner = ? AND attempts = ?`+s.dialect.ForUpdate+`) AS held`,
			p.ExecutionARN, f.TaskID, f.Owner, f.Attempts).Scan(&held)
		if err != nil {
			return nil, err
		}
		if held != 1 {
			return &store.LeaseLostError{ExecutionARN: p.ExecutionARN, Fence: *f}, nil
		}
	}
	return nil, nil
}
