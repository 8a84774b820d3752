package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/stepflow/stepflow/store"
)

const stateMachineColumns = `arn, name, type, definition, role_arn, description, logging_configuration,
	tracing_configuration, revision_id, created_date, updated_date`

func scanStateMachine(r Row) (*store.StateMachine, error) {
	var (
		m                store.StateMachine
		created, updated timeValue
	)
	err := r.Scan(&m.ARN, &m.Name, &m.Type, &m.Definition, &m.RoleARN, &m.Description,
		&m.LoggingConfiguration, &m.TracingConfiguration, &m.RevisionID, &created, &updated)
	if err != nil {
		return nil, err
	}
	m.CreatedDate, m.UpdatedDate = created.t, updated.t
	return &m, nil
}

// StateMachineCreate implements store.Store.
func (s *Store) StateMachineCreate(ctx context.Context, p *store.StateMachineCreateParams) (*store.StateMachine, error) {
	op := "create state machine " + p.ARN
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	n, err := s.exec(ctx, s.db.Writer(), `INSERT INTO state_machine (`+stateMachineColumns+`, next_version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1) ON CONFLICT (arn) DO NOTHING`,
		p.ARN, p.Name, string(p.Type), p.Definition, p.RoleARN, p.Description, p.LoggingConfiguration,
		p.TracingConfiguration, p.RevisionID, s.timeArg(p.CreatedDate), s.timeArg(p.CreatedDate))
	if err != nil {
		return nil, s.fail(op, err)
	}
	if n == 0 {
		return nil, &store.AlreadyExistsError{Resource: store.ResourceStateMachine, Key: p.ARN}
	}
	return s.StateMachineGetByARN(ctx, &store.StateMachineGetByARNParams{ARN: p.ARN})
}

// StateMachineGetByARN implements store.Store.
func (s *Store) StateMachineGetByARN(ctx context.Context, p *store.StateMachineGetByARNParams) (*store.StateMachine, error) {
	op := "get state machine " + p.ARN
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	m, err := scanStateMachine(s.queryRow(ctx, s.db.Reader(),
		`SELECT `+stateMachineColumns+` FROM state_machine WHERE arn = ?`, p.ARN))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &store.NotFoundError{Resource: store.ResourceStateMachine, Key: p.ARN}
	}
	if err != nil {
		return nil, s.fail(op, err)
	}
	return m, nil
}

// StateMachineList implements store.Store.
func (s *Store) StateMachineList(ctx context.Context, p *store.StateMachineListParams) (*store.StateMachineListResult, error) {
	const op = "list state machines"
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	after := ""
	if p.NextToken != "" {
		key, err := decodePageToken(p.NextToken, "state-machines", 1)
		if err != nil {
			return nil, s.fail(op, err)
		}
		after = key[0]
	}
	size := store.PageSize(p.MaxResults)
	rows, err := s.query(ctx, s.db.Reader(), `SELECT `+stateMachineColumns+` FROM state_machine
		WHERE arn > ? ORDER BY arn LIMIT ?`, after, size+1)
	machines, err := collect(rows, err, func(r Rows) (*store.StateMachine, error) { return scanStateMachine(r) })
	if err != nil {
		return nil, s.fail(op, err)
	}
	res := &store.StateMachineListResult{StateMachines: machines}
	if len(machines) > size {
		res.StateMachines = machines[:size]
		res.NextToken = encodePageToken("state-machines", machines[size-1].ARN)
	}
	return res, nil
}

// StateMachineUpdate implements store.Store.
func (s *Store) StateMachineUpdate(ctx context.Context, p *store.StateMachineUpdateParams) (*store.StateMachine, error) {
	op := "update state machine " + p.ARN
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	// COALESCE keeps a column whose new value is NULL (a nil field).
	n, err := s.exec(ctx, s.db.Writer(), `UPDATE state_machine SET
		definition = COALESCE(?, definition), role_arn = COALESCE(?, role_arn),
		description = COALESCE(?, description), logging_configuration = COALESCE(?, logging_configuration),
		tracing_configuration = COALESCE(?, tracing_configuration), revision_id = ?, updated_date = ?
		WHERE arn = ?`,
		p.Definition, p.RoleARN, p.Description, p.LoggingConfiguration, p.TracingConfiguration,
		p.RevisionID, s.timeArg(p.UpdatedDate), p.ARN)
	if err != nil {
		return nil, s.fail(op, err)
	}
	if n == 0 {
		return nil, &store.NotFoundError{Resource: store.ResourceStateMachine, Key: p.ARN}
	}
	return s.StateMachineGetByARN(ctx, &store.StateMachineGetByARNParams{ARN: p.ARN})
}

// StateMachineDelete implements store.Store.
func (s *Store) StateMachineDelete(ctx context.Context, p *store.StateMachineDeleteParams) error {
	op := "delete state machine " + p.ARN
	if err := s.checkOpen(op); err != nil {
		return err
	}
	err := s.inTx(ctx, func(tx Tx) error {
		n, err := s.exec(ctx, tx, `DELETE FROM state_machine WHERE arn = ?`, p.ARN)
		if err != nil {
			return err
		}
		if n == 0 {
			return &store.NotFoundError{Resource: store.ResourceStateMachine, Key: p.ARN}
		}
		for _, q := range []string{
			`DELETE FROM tag WHERE resource_arn = ?`,
			`DELETE FROM tag WHERE resource_arn IN (SELECT arn FROM state_machine_version WHERE state_machine_arn = ?)`,
			`DELETE FROM tag WHERE resource_arn IN (SELECT arn FROM state_machine_alias WHERE state_machine_arn = ?)`,
			`DELETE FROM state_machine_version WHERE state_machine_arn = ?`,
			`DELETE FROM state_machine_alias WHERE state_machine_arn = ?`,
		} {
			if _, err := s.exec(ctx, tx, q, p.ARN); err != nil {
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
