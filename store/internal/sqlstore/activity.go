package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/stepflow/stepflow/store"
)

func scanActivity(r Row) (*store.Activity, error) {
	var (
		a       store.Activity
		created timeValue
	)
	if err := r.Scan(&a.ARN, &a.Name, &created); err != nil {
		return nil, err
	}
	a.CreatedDate = created.t
	return &a, nil
}

// ActivityCreate implements store.Store.
func (s *Store) ActivityCreate(ctx context.Context, p *store.ActivityCreateParams) (*store.Activity, error) {
	op := "create activity " + p.ARN
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	n, err := s.exec(ctx, s.db.Writer(), `INSERT INTO activity (arn, name, created_date) VALUES (?, ?, ?)
		ON CONFLICT (arn) DO NOTHING`, p.ARN, p.Name, s.timeArg(p.CreatedDate))
	if err != nil {
		return nil, s.fail(op, err)
	}
	if n == 0 {
		return nil, &store.AlreadyExistsError{Resource: store.ResourceActivity, Key: p.ARN}
	}
	return s.ActivityGetByARN(ctx, &store.ActivityGetByARNParams{ARN: p.ARN})
}

// ActivityGetByARN implements store.Store.
func (s *Store) ActivityGetByARN(ctx context.Context, p *store.ActivityGetByARNParams) (*store.Activity, error) {
	op := "get activity " + p.ARN
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	a, err := scanActivity(s.queryRow(ctx, s.db.Reader(), `SELECT arn, name, created_date FROM activity WHERE arn = ?`, p.ARN))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &store.NotFoundError{Resource: store.ResourceActivity, Key: p.ARN}
	}
	if err != nil {
		return nil, s.fail(op, err)
	}
	return a, nil
}

// ActivityList implements store.Store.
func (s *Store) ActivityList(ctx context.Context, p *store.ActivityListParams) (*store.ActivityListResult, error) {
	const op = "list activities"
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	after := ""
	if p.NextToken != "" {
		key, err := decodePageToken(p.NextToken, "activities", 1)
		if err != nil {
			return nil, s.fail(op, err)
		}
		after = key[0]
	}
	size := store.PageSize(p.MaxResults)
	rows, err := s.query(ctx, s.db.Reader(), `SELECT arn, name, created_date FROM activity
		WHERE arn > ? ORDER BY arn LIMIT ?`, after, size+1)
	activities, err := collect(rows, err, func(r Rows) (*store.Activity, error) { return scanActivity(r) })
	if err != nil {
		return nil, s.fail(op, err)
	}
	res := &store.ActivityListResult{Activities: activities}
	if len(activities) > size {
		res.Activities = activities[:size]
		res.NextToken = encodePageToken("activities", activities[size-1].ARN)
	}
	return res, nil
}

// ActivityDelete implements store.Store.
func (s *Store) ActivityDelete(ctx context.Context, p *store.ActivityDeleteParams) error {
	op := "delete activity " + p.ARN
	if err := s.checkOpen(op); err != nil {
		return err
	}
	err := s.inTx(ctx, func(tx Tx) error {
		n, err := s.exec(ctx, tx, `DELETE FROM activity WHERE arn = ?`, p.ARN)
		if err != nil {
			return err
		}
		if n == 0 {
			return &store.NotFoundError{Resource: store.ResourceActivity, Key: p.ARN}
		}
		_, err = s.exec(ctx, tx, `DELETE FROM tag WHERE resource_arn = ?`, p.ARN)
		return err
	})
	if err != nil {
		return s.fail(op, err)
	}
	return nil
}
