package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"github.com/stepflow/stepflow/store"
)

const versionColumns = `arn, state_machine_arn, number, description, revision_id, type, definition, role_arn,
	logging_configuration, tracing_configuration, created_date`

func scanVersion(r Row) (*store.StateMachineVersion, error) {
	var (
		v       store.StateMachineVersion
		created timeValue
	)
	err := r.Scan(&v.ARN, &v.StateMachineARN, &v.Number, &v.Description, &v.RevisionID, &v.Type,
		&v.Definition, &v.RoleARN, &v.LoggingConfiguration, &v.TracingConfiguration, &created)
	if err != nil {
		return nil, err
	}
	v.CreatedDate = created.t
	return &v, nil
}

// StateMachineVersionCreate implements store.Store.
func (s *Store) StateMachineVersionCreate(ctx context.Context, p *store.StateMachineVersionCreateParams) (*store.StateMachineVersion, error) {
	op := "publish version of state machine " + p.StateMachineARN
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	var arn string
	err := s.inTx(ctx, func(tx Tx) error {
		var number int64
		err := s.queryRow(ctx, tx, `UPDATE state_machine SET next_version = next_version + 1
			WHERE arn = ? RETURNING next_version - 1`, p.StateMachineARN).Scan(&number)
		if errors.Is(err, sql.ErrNoRows) {
			return &store.NotFoundError{Resource: store.ResourceStateMachine, Key: p.StateMachineARN}
		}
		if err != nil {
			return err
		}
		arn = p.StateMachineARN + ":" + strconv.FormatInt(number, 10)
		_, err = s.exec(ctx, tx, `INSERT INTO state_machine_version (`+versionColumns+`)
			SELECT ?, arn, ?, ?, revision_id, type, definition, role_arn, logging_configuration,
				tracing_configuration, ?
			FROM state_machine WHERE arn = ?`,
			arn, number, p.Description, s.timeArg(p.CreatedDate), p.StateMachineARN)
		return err
	})
	if err != nil {
		return nil, s.fail(op, err)
	}
	return s.StateMachineVersionGetByARN(ctx, &store.StateMachineVersionGetByARNParams{ARN: arn})
}

// StateMachineVersionGetByARN implements store.Store.
func (s *Store) StateMachineVersionGetByARN(ctx context.Context, p *store.StateMachineVersionGetByARNParams) (*store.StateMachineVersion, error) {
	op := "get state machine version " + p.ARN
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	v, err := scanVersion(s.queryRow(ctx, s.db.Reader(),
		`SELECT `+versionColumns+` FROM state_machine_version WHERE arn = ?`, p.ARN))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &store.NotFoundError{Resource: store.ResourceStateMachineVersion, Key: p.ARN}
	}
	if err != nil {
		return nil, s.fail(op, err)
	}
	return v, nil
}

// StateMachineVersionList implements store.Store.
func (s *Store) StateMachineVersionList(ctx context.Context, p *store.StateMachineVersionListParams) (*store.StateMachineVersionListResult, error) {
	op := "list versions of state machine " + p.StateMachineARN
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	before := int64(1 << 62)
	if p.NextToken != "" {
		key, err := decodePageToken(p.NextToken, "versions", 1)
		if err != nil {
			return nil, s.fail(op, err)
		}
		if before, err = strconv.ParseInt(key[0], 10, 64); err != nil {
			return nil, s.fail(op, store.ErrInvalidPageToken)
		}
	}
	size := store.PageSize(p.MaxResults)
	rows, err := s.query(ctx, s.db.Reader(), `SELECT `+versionColumns+` FROM state_machine_version
		WHERE state_machine_arn = ? AND number < ? ORDER BY number DESC LIMIT ?`,
		p.StateMachineARN, before, size+1)
	versions, err := collect(rows, err, func(r Rows) (*store.StateMachineVersion, error) { return scanVersion(r) })
	if err != nil {
		return nil, s.fail(op, err)
	}
	res := &store.StateMachineVersionListResult{Versions: versions}
	if len(versions) > size {
		res.Versions = versions[:size]
		res.NextToken = encodePageToken("versions", strconv.FormatInt(versions[size-1].Number, 10))
	}
	return res, nil
}

// StateMachineVersionDelete implements store.Store.
func (s *Store) StateMachineVersionDelete(ctx context.Context, p *store.StateMachineVersionDeleteParams) error {
	op := "delete state machine version " + p.ARN
	if err := s.checkOpen(op); err != nil {
		return err
	}
	err := s.inTx(ctx, func(tx Tx) error {
		n, err := s.exec(ctx, tx, `DELETE FROM state_machine_version WHERE arn = ?`, p.ARN)
		if err != nil {
			return err
		}
		if n == 0 {
			return &store.NotFoundError{Resource: store.ResourceStateMachineVersion, Key: p.ARN}
		}
		_, err = s.exec(ctx, tx, `DELETE FROM tag WHERE resource_arn = ?`, p.ARN)
		return err
	})
	if err != nil {
		return s.fail(op, err)
	}
	return nil
}
