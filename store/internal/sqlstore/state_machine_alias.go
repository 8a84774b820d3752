package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/stepflow/stepflow/store"
)

const aliasColumns = `arn, state_machine_arn, name, description, routing, created_date, updated_date`

func scanAlias(r Row) (*store.StateMachineAlias, error) {
	var (
		a                store.StateMachineAlias
		routing          string
		created, updated timeValue
	)
	if err := r.Scan(&a.ARN, &a.StateMachineARN, &a.Name, &a.Description, &routing, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(routing), &a.Routing); err != nil {
		return nil, err
	}
	a.CreatedDate, a.UpdatedDate = created.t, updated.t
	return &a, nil
}

func encodeRouting(routing []store.RoutingEntry) (string, error) {
	if routing == nil {
		routing = []store.RoutingEntry{}
	}
	b, err := json.Marshal(routing)
	return string(b), err
}

// StateMachineAliasCreate implements store.Store.
func (s *Store) StateMachineAliasCreate(ctx context.Context, p *store.StateMachineAliasCreateParams) (*store.StateMachineAlias, error) {
	op := "create state machine alias " + p.ARN
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	routing, err := encodeRouting(p.Routing)
	if err != nil {
		return nil, s.fail(op, err)
	}
	n, err := s.exec(ctx, s.db.Writer(), `INSERT INTO state_machine_alias (`+aliasColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (arn) DO NOTHING`,
		p.ARN, p.StateMachineARN, p.Name, p.Description, routing, s.timeArg(p.CreatedDate), s.timeArg(p.CreatedDate))
	if err != nil {
		return nil, s.fail(op, err)
	}
	if n == 0 {
		return nil, &store.AlreadyExistsError{Resource: store.ResourceStateMachineAlias, Key: p.ARN}
	}
	return s.StateMachineAliasGetByARN(ctx, &store.StateMachineAliasGetByARNParams{ARN: p.ARN})
}

// StateMachineAliasGetByARN implements store.Store.
func (s *Store) StateMachineAliasGetByARN(ctx context.Context, p *store.StateMachineAliasGetByARNParams) (*store.StateMachineAlias, error) {
	op := "get state machine alias " + p.ARN
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	a, err := scanAlias(s.queryRow(ctx, s.db.Reader(),
		`SELECT `+aliasColumns+` FROM state_machine_alias WHERE arn = ?`, p.ARN))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &store.NotFoundError{Resource: store.ResourceStateMachineAlias, Key: p.ARN}
	}
	if err != nil {
		return nil, s.fail(op, err)
	}
	return a, nil
}

// StateMachineAliasList implements store.Store.
func (s *Store) StateMachineAliasList(ctx context.Context, p *store.StateMachineAliasListParams) (*store.StateMachineAliasListResult, error) {
	op := "list aliases of state machine " + p.StateMachineARN
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	after := ""
	if p.NextToken != "" {
		key, err := decodePageToken(p.NextToken, "aliases", 1)
		if err != nil {
			return nil, s.fail(op, err)
		}
		after = key[0]
	}
	size := store.PageSize(p.MaxResults)
	rows, err := s.query(ctx, s.db.Reader(), `SELECT `+aliasColumns+` FROM state_machine_alias
		WHERE state_machine_arn = ? AND arn > ? ORDER BY arn LIMIT ?`, p.StateMachineARN, after, size+1)
	aliases, err := collect(rows, err, func(r Rows) (*store.StateMachineAlias, error) { return scanAlias(r) })
	if err != nil {
		return nil, s.fail(op, err)
	}
	res := &store.StateMachineAliasListResult{Aliases: aliases}
	if len(aliases) > size {
		res.Aliases = aliases[:size]
		res.NextToken = encodePageToken("aliases", aliases[size-1].ARN)
	}
	return res, nil
}

// StateMachineAliasUpdate implements store.Store.
func (s *Store) StateMachineAliasUpdate(ctx context.Context, p *store.StateMachineAliasUpdateParams) (*store.StateMachineAlias, error) {
	op := "update state machine alias " + p.ARN
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	var routing *string
	if p.Routing != nil {
		text, err := encodeRouting(p.Routing)
		if err != nil {
			return nil, s.fail(op, err)
		}
		routing = &text
	}
	n, err := s.exec(ctx, s.db.Writer(), `UPDATE state_machine_alias SET
		description = COALESCE(?, description), routing = COALESCE(?, routing), updated_date = ?
		WHERE arn = ?`, p.Description, routing, s.timeArg(p.UpdatedDate), p.ARN)
	if err != nil {
		return nil, s.fail(op, err)
	}
	if n == 0 {
		return nil, &store.NotFoundError{Resource: store.ResourceStateMachineAlias, Key: p.ARN}
	}
	return s.StateMachineAliasGetByARN(ctx, &store.StateMachineAliasGetByARNParams{ARN: p.ARN})
}

// StateMachineAliasDelete implements store.Store.
func (s *Store) StateMachineAliasDelete(ctx context.Context, p *store.StateMachineAliasDeleteParams) error {
	op := "delete state machine alias " + p.ARN
	if err := s.checkOpen(op); err != nil {
		return err
	}
	err := s.inTx(ctx, func(tx Tx) error {
		n, err := s.exec(ctx, tx, `DELETE FROM state_machine_alias WHERE arn = ?`, p.ARN)
		if err != nil {
			return err
		}
		if n == 0 {
			return &store.NotFoundError{Resource: store.ResourceStateMachineAlias, Key: p.ARN}
		}
		_, err = s.exec(ctx, tx, `DELETE FROM tag WHERE resource_arn = ?`, p.ARN)
		return err
	})
	if err != nil {
		return s.fail(op, err)
	}
	return nil
}
