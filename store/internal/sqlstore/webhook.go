package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/stepflow/stepflow/store"
)

const webhookColumns = `name, arn, config, secret, created_date`

func scanWebhook(r Row) (*store.Webhook, error) {
	var (
		w       store.Webhook
		created timeValue
	)
	if err := r.Scan(&w.Name, &w.ARN, &w.Config, &w.Secret, &created); err != nil {
		return nil, err
	}
	w.CreatedDate = created.t
	return &w, nil
}

// WebhookCreate implements store.Store.
func (s *Store) WebhookCreate(ctx context.Context, p *store.WebhookCreateParams) (*store.Webhook, error) {
	w := p.Webhook
	op := "create webhook " + w.Name
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	n, err := s.exec(ctx, s.db.Writer(), `INSERT INTO webhook (`+webhookColumns+`) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (name) DO NOTHING`, w.Name, w.ARN, w.Config, w.Secret, s.timeArg(w.CreatedDate))
	if err != nil {
		return nil, s.fail(op, err)
	}
	if n == 0 {
		return nil, &store.AlreadyExistsError{Resource: store.ResourceWebhook, Key: w.Name}
	}
	w.CreatedDate = store.Stamp(w.CreatedDate)
	return &w, nil
}

// WebhookGet implements store.Store.
func (s *Store) WebhookGet(ctx context.Context, p *store.WebhookGetParams) (*store.Webhook, error) {
	op := "get webhook " + p.Name
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	w, err := scanWebhook(s.queryRow(ctx, s.db.Reader(), `SELECT `+webhookColumns+` FROM webhook WHERE name = ?`, p.Name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &store.NotFoundError{Resource: store.ResourceWebhook, Key: p.Name}
	}
	if err != nil {
		return nil, s.fail(op, err)
	}
	return w, nil
}

// WebhookList implements store.Store.
func (s *Store) WebhookList(ctx context.Context, _ *store.WebhookListParams) ([]*store.Webhook, error) {
	const op = "list webhooks"
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, s.db.Reader(), `SELECT `+webhookColumns+` FROM webhook ORDER BY name`)
	out, err := collect(rows, err, func(r Rows) (*store.Webhook, error) { return scanWebhook(r) })
	if err != nil {
		return nil, s.fail(op, err)
	}
	return out, nil
}

// WebhookDelete implements store.Store.
func (s *Store) WebhookDelete(ctx context.Context, p *store.WebhookDeleteParams) error {
	op := "delete webhook " + p.Name
	if err := s.checkOpen(op); err != nil {
		return err
	}
	err := s.inTx(ctx, func(tx Tx) error {
		n, err := s.exec(ctx, tx, `DELETE FROM webhook WHERE name = ?`, p.Name)
		if err != nil {
			return err
		}
		if n == 0 {
			return &store.NotFoundError{Resource: store.ResourceWebhook, Key: p.Name}
		}
		_, err = s.exec(ctx, tx, `DELETE FROM webhook_signature WHERE webhook_name = ?`, p.Name)
		return err
	})
	if err != nil {
		return s.fail(op, err)
	}
	return nil
}

// WebhookSignatureTake implements store.Store. The insert is the test: of two servers taking
// one signature at once, one inserts the row and the other finds it.
func (s *Store) WebhookSignatureTake(ctx context.Context, p *store.WebhookSignatureTakeParams) error {
	op := "take webhook signature of " + p.WebhookName
	if err := s.checkOpen(op); err != nil {
		return err
	}
	err := s.inTx(ctx, func(tx Tx) error {
		if _, err := s.exec(ctx, tx, `DELETE FROM webhook_signature WHERE webhook_name = ? AND expires_at <= ?`,
			p.WebhookName, s.timeArg(p.Now)); err != nil {
			return err
		}
		n, err := s.exec(ctx, tx, `INSERT INTO webhook_signature (webhook_name, signature, expires_at) VALUES (?, ?, ?)
			ON CONFLICT (webhook_name, signature) DO NOTHING`, p.WebhookName, p.Signature, s.timeArg(p.ExpiresAt))
		if err != nil {
			return err
		}
		if n == 0 {
			return &store.AlreadyExistsError{Resource: store.ResourceWebhookSignature, Key: p.WebhookName}
		}
		return nil
	})
	if err != nil {
		return s.fail(op, err)
	}
	return nil
}

// WebhookSignatureRelease implements store.Store.
func (s *Store) WebhookSignatureRelease(ctx context.Context, p *store.WebhookSignatureReleaseParams) error {
	op := "release webhook signature of " + p.WebhookName
	if err := s.checkOpen(op); err != nil {
		return err
	}
	if _, err := s.exec(ctx, s.db.Writer(), `DELETE FROM webhook_signature WHERE webhook_name = ? AND signature = ?`,
		p.WebhookName, p.Signature); err != nil {
		return s.fail(op, err)
	}
	return nil
}
