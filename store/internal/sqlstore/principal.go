package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/stepflow/stepflow/store"
)

// PrincipalCreate implements store.Store.
func (s *Store) PrincipalCreate(ctx context.Context, p *store.PrincipalCreateParams) (*store.Principal, error) {
	op := "create principal " + p.ARN
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	// ON CONFLICT DO NOTHING covers the ARN, the kind and name, and the id alike.
	n, err := s.exec(ctx, s.db.Writer(), `INSERT INTO iam_principal (arn, kind, name, id, created_date) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`, p.ARN, string(p.Kind), p.Name, p.ID, s.timeArg(p.CreatedDate))
	if err != nil {
		return nil, s.fail(op, err)
	}
	if n == 0 {
		return nil, &store.AlreadyExistsError{Resource: store.ResourcePrincipal, Key: p.ARN}
	}
	return s.PrincipalGetByARN(ctx, &store.PrincipalGetByARNParams{ARN: p.ARN})
}

func scanPrincipal(r Row) (*store.Principal, error) {
	var (
		p       store.Principal
		kind    string
		created timeValue
	)
	if err := r.Scan(&p.ARN, &kind, &p.Name, &p.ID, &created); err != nil {
		return nil, err
	}
	p.Kind, p.CreatedDate = store.PrincipalKind(kind), created.t
	return &p, nil
}

// PrincipalGetByARN implements store.Store.
func (s *Store) PrincipalGetByARN(ctx context.Context, p *store.PrincipalGetByARNParams) (*store.Principal, error) {
	op := "get principal " + p.ARN
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	pr, err := scanPrincipal(s.queryRow(ctx, s.db.Reader(), `SELECT arn, kind, name, id, created_date FROM iam_principal WHERE arn = ?`, p.ARN))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &store.NotFoundError{Resource: store.ResourcePrincipal, Key: p.ARN}
	}
	if err != nil {
		return nil, s.fail(op, err)
	}
	if pr.Policies, err = s.principalPolicies(ctx, pr.ARN); err != nil {
		return nil, s.fail(op, err)
	}
	return pr, nil
}

func (s *Store) principalPolicies(ctx context.Context, arn string) ([]store.PrincipalPolicy, error) {
	rows, err := s.query(ctx, s.db.Reader(), `SELECT name, document FROM iam_principal_policy WHERE principal_arn = ? ORDER BY name`, arn)
	return collect(rows, err, func(r Rows) (store.PrincipalPolicy, error) {
		var pp store.PrincipalPolicy
		err := r.Scan(&pp.Name, &pp.Document)
		return pp, err
	})
}

// PrincipalList implements store.Store.
func (s *Store) PrincipalList(ctx context.Context, p *store.PrincipalListParams) ([]*store.Principal, error) {
	op := "list principals"
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, s.db.Reader(), `SELECT arn, kind, name, id, created_date FROM iam_principal WHERE kind = ? ORDER BY arn`, string(p.Kind))
	list, err := collect(rows, err, func(r Rows) (*store.Principal, error) { return scanPrincipal(r) })
	if err != nil {
		return nil, s.fail(op, err)
	}
	for _, pr := range list {
		if pr.Policies, err = s.principalPolicies(ctx, pr.ARN); err != nil {
			return nil, s.fail(op, err)
		}
	}
	return list, nil
}

// PrincipalDelete implements store.Store.
func (s *Store) PrincipalDelete(ctx context.Context, p *store.PrincipalDeleteParams) error {
	op := "delete principal " + p.ARN
	if err := s.checkOpen(op); err != nil {
		return err
	}
	err := s.inTx(ctx, func(tx Tx) error {
		n, err := s.exec(ctx, tx, `DELETE FROM iam_principal WHERE arn = ?`, p.ARN)
		if err != nil {
			return err
		}
		if n == 0 {
			return &store.NotFoundError{Resource: store.ResourcePrincipal, Key: p.ARN}
		}
		for _, q := range []string{
			`DELETE FROM iam_principal_policy WHERE principal_arn = ?`,
			`DELETE FROM iam_access_key WHERE principal_arn = ?`,
			`DELETE FROM tag WHERE resource_arn = ?`,
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

// PrincipalPolicyPut implements store.Store.
func (s *Store) PrincipalPolicyPut(ctx context.Context, p *store.PrincipalPolicyPutParams) error {
	op := "put policy " + p.Name + " of " + p.PrincipalARN
	if err := s.checkOpen(op); err != nil {
		return err
	}
	err := s.inTx(ctx, func(tx Tx) error {
		if err := s.principalExists(ctx, tx, p.PrincipalARN); err != nil {
			return err
		}
		_, err := s.exec(ctx, tx, `INSERT INTO iam_principal_policy (principal_arn, name, document) VALUES (?, ?, ?)
			ON CONFLICT (principal_arn, name) DO UPDATE SET document = excluded.document`, p.PrincipalARN, p.Name, p.Document)
		return err
	})
	if err != nil {
		return s.fail(op, err)
	}
	return nil
}

func (s *Store) principalExists(ctx context.Context, tx Tx, arn string) error {
	var one int
	err := s.queryRow(ctx, tx, `SELECT 1 FROM iam_principal WHERE arn = ?`, arn).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return &store.NotFoundError{Resource: store.ResourcePrincipal, Key: arn}
	}
	return err
}

// PrincipalPolicyDelete implements store.Store.
func (s *Store) PrincipalPolicyDelete(ctx context.Context, p *store.PrincipalPolicyDeleteParams) error {
	op := "delete policy " + p.Name + " of " + p.PrincipalARN
	if err := s.checkOpen(op); err != nil {
		return err
	}
	n, err := s.exec(ctx, s.db.Writer(), `DELETE FROM iam_principal_policy WHERE principal_arn = ? AND name = ?`, p.PrincipalARN, p.Name)
	if err != nil {
		return s.fail(op, err)
	}
	if n == 0 {
		return &store.NotFoundError{Resource: store.ResourcePrincipalPolicy, Key: p.PrincipalARN + " " + p.Name}
	}
	return nil
}

// AccessKeyCreate implements store.Store.
func (s *Store) AccessKeyCreate(ctx context.Context, p *store.AccessKeyCreateParams) (*store.AccessKey, error) {
	op := "create access key " + p.ID
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	err := s.inTx(ctx, func(tx Tx) error {
		if err := s.principalExists(ctx, tx, p.PrincipalARN); err != nil {
			return err
		}
		n, err := s.exec(ctx, tx, `INSERT INTO iam_access_key (id, principal_arn, sealed_secret, status, created_date) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (id) DO NOTHING`, p.ID, p.PrincipalARN, p.SealedSecret, string(p.Status), s.timeArg(p.CreatedDate))
		if err != nil {
			return err
		}
		if n == 0 {
			return &store.AlreadyExistsError{Resource: store.ResourceAccessKey, Key: p.ID}
		}
		return nil
	})
	if err != nil {
		return nil, s.fail(op, err)
	}
	return s.AccessKeyGet(ctx, &store.AccessKeyGetParams{ID: p.ID})
}

func scanAccessKey(r Row) (*store.AccessKey, error) {
	var (
		k       store.AccessKey
		status  string
		created timeValue
	)
	if err := r.Scan(&k.ID, &k.PrincipalARN, &k.SealedSecret, &status, &created); err != nil {
		return nil, err
	}
	k.Status, k.CreatedDate = store.AccessKeyStatus(status), created.t
	return &k, nil
}

// AccessKeyGet implements store.Store.
func (s *Store) AccessKeyGet(ctx context.Context, p *store.AccessKeyGetParams) (*store.AccessKey, error) {
	op := "get access key " + p.ID
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	k, err := scanAccessKey(s.queryRow(ctx, s.db.Reader(), `SELECT id, principal_arn, sealed_secret, status, created_date
		FROM iam_access_key WHERE id = ?`, p.ID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &store.NotFoundError{Resource: store.ResourceAccessKey, Key: p.ID}
	}
	if err != nil {
		return nil, s.fail(op, err)
	}
	return k, nil
}

// AccessKeyList implements store.Store.
func (s *Store) AccessKeyList(ctx context.Context, p *store.AccessKeyListParams) ([]*store.AccessKey, error) {
	op := "list access keys of " + p.PrincipalARN
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, s.db.Reader(), `SELECT id, principal_arn, sealed_secret, status, created_date
		FROM iam_access_key WHERE principal_arn = ? ORDER BY created_date, id`, p.PrincipalARN)
	keys, err := collect(rows, err, func(r Rows) (*store.AccessKey, error) { return scanAccessKey(r) })
	if err != nil {
		return nil, s.fail(op, err)
	}
	return keys, nil
}

// AccessKeyUpdate implements store.Store.
func (s *Store) AccessKeyUpdate(ctx context.Context, p *store.AccessKeyUpdateParams) error {
	op := "update access key " + p.ID
	if err := s.checkOpen(op); err != nil {
		return err
	}
	n, err := s.exec(ctx, s.db.Writer(), `UPDATE iam_access_key SET status = ? WHERE id = ?`, string(p.Status), p.ID)
	if err != nil {
		return s.fail(op, err)
	}
	if n == 0 {
		return &store.NotFoundError{Resource: store.ResourceAccessKey, Key: p.ID}
	}
	return nil
}

// AccessKeyDelete implements store.Store.
func (s *Store) AccessKeyDelete(ctx context.Context, p *store.AccessKeyDeleteParams) error {
	op := "delete access key " + p.ID
	if err := s.checkOpen(op); err != nil {
		return err
	}
	n, err := s.exec(ctx, s.db.Writer(), `DELETE FROM iam_access_key WHERE id = ?`, p.ID)
	if err != nil {
		return s.fail(op, err)
	}
	if n == 0 {
		return &store.NotFoundError{Resource: store.ResourceAccessKey, Key: p.ID}
	}
	return nil
}
