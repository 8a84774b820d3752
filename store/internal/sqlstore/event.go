package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/stepflow/stepflow/store"
)

// prefixMatch is the condition that column starts with the next parameter (passed twice).
// LIKE would do, but SQLite's is case-insensitive; CAST lets PostgreSQL type the parameter.
func prefixMatch(column string) string {
	return "substr(" + column + ", 1, length(CAST(? AS TEXT))) = CAST(? AS TEXT)"
}

const eventBusColumns = `name, arn, description, created_date, updated_date`

func scanEventBus(r Row) (*store.EventBus, error) {
	var (
		b                store.EventBus
		created, updated timeValue
	)
	if err := r.Scan(&b.Name, &b.ARN, &b.Description, &created, &updated); err != nil {
		return nil, err
	}
	b.CreatedDate, b.UpdatedDate = created.t, updated.t
	return &b, nil
}

// EventBusCreate implements store.Store.
func (s *Store) EventBusCreate(ctx context.Context, p *store.EventBusCreateParams) (*store.EventBus, error) {
	op := "create event bus " + p.Name
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	n, err := s.exec(ctx, s.db.Writer(), `INSERT INTO event_bus (`+eventBusColumns+`) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (name) DO NOTHING`, p.Name, p.ARN, p.Description, s.timeArg(p.CreatedDate), s.timeArg(p.CreatedDate))
	if err != nil {
		return nil, s.fail(op, err)
	}
	if n == 0 {
		return nil, &store.AlreadyExistsError{Resource: store.ResourceEventBus, Key: p.Name}
	}
	return s.EventBusGet(ctx, &store.EventBusGetParams{Name: p.Name})
}

// EventBusGet implements store.Store.
func (s *Store) EventBusGet(ctx context.Context, p *store.EventBusGetParams) (*store.EventBus, error) {
	op := "get event bus " + p.Name
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	b, err := scanEventBus(s.queryRow(ctx, s.db.Reader(), `SELECT `+eventBusColumns+` FROM event_bus WHERE name = ?`, p.Name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &store.NotFoundError{Resource: store.ResourceEventBus, Key: p.Name}
	}
	if err != nil {
		return nil, s.fail(op, err)
	}
	return b, nil
}

// EventBusList implements store.Store.
func (s *Store) EventBusList(ctx context.Context, p *store.EventBusListParams) (*store.EventBusListResult, error) {
	const op = "list event buses"
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	buses, next, err := keysetPage(s, op, "event buses", 1, p.NextToken, p.MaxResults,
		func(after []string, limit int) (Rows, error) {
			return s.query(ctx, s.db.Reader(), `SELECT `+eventBusColumns+` FROM event_bus
				WHERE name > ? AND `+prefixMatch("name")+` ORDER BY name LIMIT ?`, after[0], p.NamePrefix, p.NamePrefix, limit)
		},
		func(r Rows) (*store.EventBus, error) { return scanEventBus(r) },
		func(b *store.EventBus) []string { return []string{b.Name} })
	if err != nil {
		return nil, err
	}
	return &store.EventBusListResult{EventBuses: buses, NextToken: next}, nil
}

// EventBusDelete implements store.Store.
func (s *Store) EventBusDelete(ctx context.Context, p *store.EventBusDeleteParams) error {
	op := "delete event bus " + p.Name
	if err := s.checkOpen(op); err != nil {
		return err
	}
	err := s.inTx(ctx, func(tx Tx) error {
		var arn string
		err := s.queryRow(ctx, tx, `SELECT arn FROM event_bus WHERE name = ?`, p.Name).Scan(&arn)
		if errors.Is(err, sql.ErrNoRows) {
			return &store.NotFoundError{Resource: store.ResourceEventBus, Key: p.Name}
		}
		if err != nil {
			return err
		}
		for _, q := range []string{
			`DELETE FROM tag WHERE resource_arn IN (SELECT arn FROM event_rule WHERE bus_name = ?)`,
			`DELETE FROM event_target WHERE bus_name = ?`,
			`DELETE FROM event_rule WHERE bus_name = ?`,
			`DELETE FROM event_bus WHERE name = ?`,
		} {
			if _, err := s.exec(ctx, tx, q, p.Name); err != nil {
				return err
			}
		}
		_, err = s.exec(ctx, tx, `DELETE FROM tag WHERE resource_arn = ?`, arn)
		return err
	})
	if err != nil {
		return s.fail(op, err)
	}
	return nil
}

const eventRuleColumns = `bus_name, name, arn, event_pattern, schedule_expression, state, description, role_arn, created_date, updated_date`

func scanEventRule(r Row) (*store.EventRule, error) {
	var (
		rule             store.EventRule
		created, updated timeValue
	)
	if err := r.Scan(&rule.BusName, &rule.Name, &rule.ARN, &rule.EventPattern, &rule.ScheduleExpression, &rule.State,
		&rule.Description, &rule.RoleARN, &created, &updated); err != nil {
		return nil, err
	}
	rule.CreatedDate, rule.UpdatedDate = created.t, updated.t
	return &rule, nil
}

// EventRulePut implements store.Store.
func (s *Store) EventRulePut(ctx context.Context, p *store.EventRulePutParams) (*store.EventRule, error) {
	r := p.Rule
	op := "put event rule " + r.BusName + "/" + r.Name
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	_, err := s.exec(ctx, s.db.Writer(), `INSERT INTO event_rule (`+eventRuleColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (bus_name, name) DO UPDATE SET arn = excluded.arn, event_pattern = excluded.event_pattern,
			schedule_expression = excluded.schedule_expression, state = excluded.state,
			description = excluded.description, role_arn = excluded.role_arn, updated_date = excluded.updated_date`,
		r.BusName, r.Name, r.ARN, r.EventPattern, r.ScheduleExpression, r.State, r.Description, r.RoleARN,
		s.timeArg(r.CreatedDate), s.timeArg(r.UpdatedDate))
	if err != nil {
		return nil, s.fail(op, err)
	}
	return s.EventRuleGet(ctx, &store.EventRuleGetParams{BusName: r.BusName, Name: r.Name})
}

// EventRuleGet implements store.Store.
func (s *Store) EventRuleGet(ctx context.Context, p *store.EventRuleGetParams) (*store.EventRule, error) {
	op := "get event rule " + p.BusName + "/" + p.Name
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	r, err := scanEventRule(s.queryRow(ctx, s.db.Reader(), `SELECT `+eventRuleColumns+` FROM event_rule
		WHERE bus_name = ? AND name = ?`, p.BusName, p.Name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &store.NotFoundError{Resource: store.ResourceEventRule, Key: p.BusName + "/" + p.Name}
	}
	if err != nil {
		return nil, s.fail(op, err)
	}
	return r, nil
}

// EventRuleList implements store.Store.
func (s *Store) EventRuleList(ctx context.Context, p *store.EventRuleListParams) (*store.EventRuleListResult, error) {
	op := "list event rules of " + p.BusName
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	rules, next, err := keysetPage(s, op, "event rules", 2, p.NextToken, p.MaxResults,
		func(after []string, limit int) (Rows, error) {
			return s.query(ctx, s.db.Reader(), `SELECT `+eventRuleColumns+` FROM event_rule
				WHERE (CAST(? AS TEXT) = '' OR bus_name = ?) AND (bus_name > ? OR (bus_name = ? AND name > ?)) AND `+prefixMatch("name")+`
				ORDER BY bus_name, name LIMIT ?`, p.BusName, p.BusName, after[0], after[0], after[1], p.NamePrefix, p.NamePrefix, limit)
		},
		func(r Rows) (*store.EventRule, error) { return scanEventRule(r) },
		func(r *store.EventRule) []string { return []string{r.BusName, r.Name} })
	if err != nil {
		return nil, err
	}
	return &store.EventRuleListResult{Rules: rules, NextToken: next}, nil
}

// EventRuleDelete implements store.Store.
func (s *Store) EventRuleDelete(ctx context.Context, p *store.EventRuleDeleteParams) error {
	op := "delete event rule " + p.BusName + "/" + p.Name
	if err := s.checkOpen(op); err != nil {
		return err
	}
	err := s.inTx(ctx, func(tx Tx) error {
		var arn string
		err := s.queryRow(ctx, tx, `SELECT arn FROM event_rule WHERE bus_name = ? AND name = ?`, p.BusName, p.Name).Scan(&arn)
		if errors.Is(err, sql.ErrNoRows) {
			return &store.NotFoundError{Resource: store.ResourceEventRule, Key: p.BusName + "/" + p.Name}
		}
		if err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, `DELETE FROM event_target WHERE bus_name = ? AND rule_name = ?`, p.BusName, p.Name); err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, `DELETE FROM event_rule WHERE bus_name = ? AND name = ?`, p.BusName, p.Name); err != nil {
			return err
		}
		_, err = s.exec(ctx, tx, `DELETE FROM tag WHERE resource_arn = ?`, arn)
		return err
	})
	if err != nil {
		return s.fail(op, err)
	}
	return nil
}

// EventTargetPut implements store.Store.
func (s *Store) EventTargetPut(ctx context.Context, p *store.EventTargetPutParams) error {
	op := "put targets of event rule " + p.BusName + "/" + p.RuleName
	if err := s.checkOpen(op); err != nil {
		return err
	}
	err := s.inTx(ctx, func(tx Tx) error {
		var one int
		err := s.queryRow(ctx, tx, `SELECT 1 FROM event_rule WHERE bus_name = ? AND name = ?`+s.dialect.ForUpdate, p.BusName, p.RuleName).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return &store.NotFoundError{Resource: store.ResourceEventRule, Key: p.BusName + "/" + p.RuleName}
		}
		if err != nil {
			return err
		}
		for _, t := range p.Targets {
			if _, err := s.exec(ctx, tx, `INSERT INTO event_target (bus_name, rule_name, id, arn, config) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (bus_name, rule_name, id) DO UPDATE SET arn = excluded.arn, config = excluded.config`,
				p.BusName, p.RuleName, t.ID, t.ARN, t.Config); err != nil {
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

// EventTargetDelete implements store.Store.
func (s *Store) EventTargetDelete(ctx context.Context, p *store.EventTargetDeleteParams) error {
	op := "remove targets of event rule " + p.BusName + "/" + p.RuleName
	if err := s.checkOpen(op); err != nil {
		return err
	}
	err := s.inTx(ctx, func(tx Tx) error {
		for _, id := range p.IDs {
			if _, err := s.exec(ctx, tx, `DELETE FROM event_target WHERE bus_name = ? AND rule_name = ? AND id = ?`,
				p.BusName, p.RuleName, id); err != nil {
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

// EventTargetList implements store.Store.
func (s *Store) EventTargetList(ctx context.Context, p *store.EventTargetListParams) ([]*store.EventTarget, error) {
	op := "list targets of event rule " + p.BusName + "/" + p.RuleName
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	rows, err := s.query(ctx, s.db.Reader(), `SELECT bus_name, rule_name, id, arn, config FROM event_target
		WHERE (CAST(? AS TEXT) = '' OR bus_name = ?) AND (CAST(? AS TEXT) = '' OR rule_name = ?) ORDER BY bus_name, rule_name, id`,
		p.BusName, p.BusName, p.RuleName, p.RuleName)
	targets, err := collect(rows, err, func(r Rows) (*store.EventTarget, error) {
		var t store.EventTarget
		err := r.Scan(&t.BusName, &t.RuleName, &t.ID, &t.ARN, &t.Config)
		return &t, err
	})
	if err != nil {
		return nil, s.fail(op, err)
	}
	return targets, nil
}

const eventDeliveryColumns = `id, event_id, bus_name, rule_name, rule_arn, target_id, target, event, event_time, state,
	attempts, next_attempt_at, lease_owner, last_error, dead_letter_arn, created_date`

func scanEventDelivery(r Row) (*store.EventDelivery, error) {
	var (
		d                        store.EventDelivery
		eventTime, next, created timeValue
	)
	if err := r.Scan(&d.ID, &d.EventID, &d.BusName, &d.RuleName, &d.RuleARN, &d.TargetID, &d.Target, &d.Event, &eventTime,
		&d.State, &d.Attempts, &next, &d.LeaseOwner, &d.LastError, &d.DeadLetterARN, &created); err != nil {
		return nil, err
	}
	d.EventTime, d.NextAttemptAt, d.CreatedDate = eventTime.t, next.t, created.t
	return &d, nil
}

// EventDeliveryCreate implements store.Store.
func (s *Store) EventDeliveryCreate(ctx context.Context, p *store.EventDeliveryCreateParams) error {
	const op = "create event deliveries"
	if err := s.checkOpen(op); err != nil {
		return err
	}
	if len(p.Deliveries) == 0 {
		return nil
	}
	err := s.inTx(ctx, func(tx Tx) error {
		for _, d := range p.Deliveries {
			state := d.State
			if state == "" {
				state = store.EventDeliveryPending
			}
			n, err := s.exec(ctx, tx, `INSERT INTO event_delivery (`+eventDeliveryColumns+`)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
				d.ID, d.EventID, d.BusName, d.RuleName, d.RuleARN, d.TargetID, d.Target, d.Event, s.timeArg(d.EventTime), state,
				d.Attempts, s.timeArg(d.NextAttemptAt), d.LeaseOwner, d.LastError, d.DeadLetterARN, s.timeArg(d.CreatedDate))
			if err != nil {
				return err
			}
			if n == 0 {
				return &store.AlreadyExistsError{Resource: store.ResourceEventDelivery, Key: d.ID}
			}
		}
		return nil
	})
	if err != nil {
		return s.fail(op, err)
	}
	return nil
}

// EventDeliveryLease implements store.Store. As with DispatchLease, one UPDATE takes the
// rows, so two nodes never get the same delivery.
func (s *Store) EventDeliveryLease(ctx context.Context, p *store.EventDeliveryLeaseParams) ([]*store.EventDelivery, error) {
	const op = "lease event deliveries"
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	limit := p.Limit
	if limit <= 0 {
		limit = 100
	}
	var leased []*store.EventDelivery
	err := s.inTx(ctx, func(tx Tx) error {
		rows, err := s.query(ctx, tx, `UPDATE event_delivery SET lease_owner = ?, next_attempt_at = ?
			WHERE id IN (
				SELECT id FROM event_delivery WHERE state = ? AND next_attempt_at <= ?
				ORDER BY next_attempt_at, id LIMIT ?`+s.dialect.SkipLocked+`)
			RETURNING `+eventDeliveryColumns,
			p.Owner, s.timeArg(p.Until), store.EventDeliveryPending, s.timeArg(p.Now), limit)
		leased, err = collect(rows, err, func(r Rows) (*store.EventDelivery, error) { return scanEventDelivery(r) })
		return err
	})
	if err != nil {
		return nil, s.fail(op, err)
	}
	return leased, nil
}

// EventDeliveryRelease implements store.Store.
func (s *Store) EventDeliveryRelease(ctx context.Context, p *store.EventDeliveryReleaseParams) (int, error) {
	op := "release event deliveries of " + p.Owner
	if err := s.checkOpen(op); err != nil {
		return 0, err
	}
	n, err := s.exec(ctx, s.db.Writer(), `UPDATE event_delivery SET next_attempt_at = ?, lease_owner = ''
		WHERE state = ? AND lease_owner = ? AND next_attempt_at > ?`,
		s.timeArg(p.Now), store.EventDeliveryPending, p.Owner, s.timeArg(p.Now))
	if err != nil {
		return 0, s.fail(op, err)
	}
	return int(n), nil
}

// EventDeliveryDelete implements store.Store.
func (s *Store) EventDeliveryDelete(ctx context.Context, p *store.EventDeliveryDeleteParams) error {
	op := "delete event delivery " + p.ID
	if err := s.checkOpen(op); err != nil {
		return err
	}
	if _, err := s.exec(ctx, s.db.Writer(), `DELETE FROM event_delivery WHERE id = ?`, p.ID); err != nil {
		return s.fail(op, err)
	}
	return nil
}

// EventDeliveryUpdate implements store.Store.
func (s *Store) EventDeliveryUpdate(ctx context.Context, p *store.EventDeliveryUpdateParams) error {
	op := "update event delivery " + p.ID
	if err := s.checkOpen(op); err != nil {
		return err
	}
	n, err := s.exec(ctx, s.db.Writer(), `UPDATE event_delivery SET state = ?, attempts = ?, next_attempt_at = ?, last_error = ?,
		lease_owner = '' WHERE id = ?`, p.State, p.Attempts, s.timeArg(p.NextAttemptAt), p.LastError, p.ID)
	if err != nil {
		return s.fail(op, err)
	}
	if n == 0 {
		return &store.NotFoundError{Resource: store.ResourceEventDelivery, Key: p.ID}
	}
	return nil
}

// EventDeliveryList implements store.Store.
func (s *Store) EventDeliveryList(ctx context.Context, p *store.EventDeliveryListParams) (*store.EventDeliveryListResult, error) {
	const op = "list event deliveries"
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	after := ""
	if p.NextToken != "" {
		key, err := decodePageToken(p.NextToken, "event deliveries", 1)
		if err != nil {
			return nil, s.fail(op, err)
		}
		after = key[0]
	}
	size := store.PageSize(p.MaxResults)
	rows, err := s.query(ctx, s.db.Reader(), `SELECT `+eventDeliveryColumns+` FROM event_delivery
		WHERE state = ? AND (CAST(? AS TEXT) = '' OR dead_letter_arn = ?) AND id > ? ORDER BY id LIMIT ?`,
		p.State, p.DeadLetterARN, p.DeadLetterARN, after, size+1)
	ds, err := collect(rows, err, func(r Rows) (*store.EventDelivery, error) { return scanEventDelivery(r) })
	if err != nil {
		return nil, s.fail(op, err)
	}
	res := &store.EventDeliveryListResult{Deliveries: ds}
	if len(ds) > size {
		res.Deliveries = ds[:size]
		res.NextToken = encodePageToken("event deliveries", ds[size-1].ID)
	}
	return res, nil
}
