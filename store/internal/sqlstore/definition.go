package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/stepflow/stepflow/store"
)

// DefinitionPut implements store.Store.
func (s *Store) DefinitionPut(ctx context.Context, p *store.DefinitionPutParams) error {
	op := "store definition " + p.Hash
	if err := s.checkOpen(op); err != nil {
		return err
	}
	_, err := s.exec(ctx, s.db.Writer(), `INSERT INTO definition (hash, body) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING`,
		p.Hash, p.Definition)
	if err != nil {
		return s.fail(op, err)
	}
	return nil
}

// DefinitionGet implements store.Store.
func (s *Store) DefinitionGet(ctx context.Context, p *store.DefinitionGetParams) (string, error) {
	op := "read definition " + p.Hash
	if err := s.checkOpen(op); err != nil {
		return "", err
	}
	var body string
	err := s.queryRow(ctx, s.db.Reader(), `SELECT body FROM definition WHERE hash = ?`, p.Hash).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return "", &store.NotFoundError{Resource: store.ResourceDefinition, Key: p.Hash}
	}
	if err != nil {
		return "", s.fail(op, err)
	}
	return body, nil
}
