package sqlstore

import (
	"context"

	"github.com/stepflow/stepflow/store"
)

// TagSet implements store.Store.
func (s *Store) TagSet(ctx context.Context, p *store.TagSetParams) error {
	op := "tag " + p.ResourceARN
	if err := s.checkOpen(op); err != nil {
		return err
	}
	err := s.inTx(ctx, func(tx Tx) error {
		for _, t := range p.Tags {
			_, err := s.exec(ctx, tx, `INSERT INTO tag (resource_arn, key, value) VALUES (?, ?, ?)
				ON CONFLICT (resource_arn, key) DO UPDATE SET value = excluded.value`, p.ResourceARN, t.Key, t.Value)
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return s.fail(op, err)
	}
	return nil
}

// TagDelete implements store.Store.
func (s *Store) TagDelete(ctx context.Context, p *store.TagDeleteParams) error {
	op := "untag " + p.ResourceARN
	if err := s.checkOpen(op); err != nil {
		return err
	}
	err := s.inTx(ctx, func(tx Tx) error {
		for _, k := range p.Keys {
			if _, err := s.exec(ctx, tx, `DELETE FROM tag WHERE resource_arn = ? AND key = ?`, p.ResourceARN, k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return s.fail(op, err)
	}
	return nil
}

// TagList implements store.Store.
func (s *Store) TagList(ctx context.Context, p *store.TagListParams) ([]store.Tag, error) {
	op := "list tags of " + p.ResourceARN
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, s.db.Reader(), `SELECT key, value FROM tag WHERE resource_arn = ? ORDER BY key`, p.ResourceARN)
	tags, err := collect(rows, err, func(r Rows) (store.Tag, error) {
		var t store.Tag
		err := r.Scan(&t.Key, &t.Value)
		return t, err
	})
	if err != nil {
		return nil, s.fail(op, err)
	}
	return tags, nil
}
