package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/stepflow/stepflow/store"
)

const scheduleGroupColumns = `name, arn, created_date, modified_date`

func scanScheduleGroup(r Row) (*store.ScheduleGroup, error) {
	var (
		g                 store.ScheduleGroup
		created, modified timeValue
	)
	if err := r.Scan(&g.Name, &g.ARN, &created, &modified); err != nil {
		return nil, err
	}
	g.CreatedDate, g.ModifiedDate = created.t, modified.t
	return &g, nil
}

// ScheduleGroupCreate implements store.Store.
func (s *Store) ScheduleGroupCreate(ctx context.Context, p *store.ScheduleGroupCreateParams) (*store.ScheduleGroup, error) {
	op := "create schedule group " + p.Name
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	n, err := s.exec(ctx, s.db.Writer(), `INSERT INTO schedule_group (`+scheduleGroupColumns+`) VALUES (?, ?, ?, ?)
		ON CONFLICT (name) DO NOTHING`, p.Name, p.ARN, s.timeArg(p.CreatedDate), s.timeArg(p.CreatedDate))
	if err != nil {
		return nil, s.fail(op, err)
	}
	if n == 0 {
		return nil, &store.AlreadyExistsError{Resource: store.ResourceScheduleGroup, Key: p.Name}
	}
	return s.ScheduleGroupGet(ctx, &store.ScheduleGroupGetParams{Name: p.Name})
}

// ScheduleGroupGet implements store.Store.
func (s *Store) ScheduleGroupGet(ctx context.Context, p *store.ScheduleGroupGetParams) (*store.ScheduleGroup, error) {
	op := "get schedule group " + p.Name
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	g, err := scanScheduleGroup(s.queryRow(ctx, s.db.Reader(), `SELECT `+scheduleGroupColumns+` FROM schedule_group WHERE name = ?`, p.Name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &store.NotFoundError{Resource: store.ResourceScheduleGroup, Key: p.Name}
	}
	if err != nil {
		return nil, s.fail(op, err)
	}
	return g, nil
}

// ScheduleGroupList implements store.Store.
func (s *Store) ScheduleGroupList(ctx context.Context, p *store.ScheduleGroupListParams) (*store.ScheduleGroupListResult, error) {
	const op = "list schedule groups"
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	groups, next, err := keysetPage(s, op, "schedule groups", 1, p.NextToken, p.MaxResults,
		func(after []string, limit int) (Rows, error) {
			return s.query(ctx, s.db.Reader(), `SELECT `+scheduleGroupColumns+` FROM schedule_group
				WHERE name > ? AND `+prefixMatch("name")+` ORDER BY name LIMIT ?`, after[0], p.NamePrefix, p.NamePrefix, limit)
		},
		func(r Rows) (*store.ScheduleGroup, error) { return scanScheduleGroup(r) },
		func(g *store.ScheduleGroup) []string { return []string{g.Name} })
	if err != nil {
		return nil, err
	}
	return &store.ScheduleGroupListResult{Groups: groups, NextToken: next}, nil
}

// ScheduleGroupDelete implements store.Store.
func (s *Store) ScheduleGroupDelete(ctx context.Context, p *store.ScheduleGroupDeleteParams) error {
	op := "delete schedule group " + p.Name
	if err := s.checkOpen(op); err != nil {
		return err
	}
	err := s.inTx(ctx, func(tx Tx) error {
		var arn string
		err := s.queryRow(ctx, tx, `SELECT arn FROM schedule_group WHERE name = ?`, p.Name).Scan(&arn)
		if errors.Is(err, sql.ErrNoRows) {
			return &store.NotFoundError{Resource: store.ResourceScheduleGroup, Key: p.Name}
		}
		if err != nil {
			return err
		}
		for _, q := range []string{
			`DELETE FROM schedule_fire WHERE schedule_id IN (SELECT id FROM schedule WHERE group_name = ?)`,
			`DELETE FROM schedule WHERE group_name = ?`,
			`DELETE FROM schedule_group WHERE name = ?`,
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

const scheduleColumns = `group_name, name, id, arn, state, definition, next_slot, next_fire_at, version, created_date, modified_date`

func scanSchedule(r Row) (*store.Schedule, error) {
	var (
		sc                                 store.Schedule
		nextSlot, nextFire, created, modif timeValue
	)
	if err := r.Scan(&sc.GroupName, &sc.Name, &sc.ID, &sc.ARN, &sc.State, &sc.Definition, &nextSlot, &nextFire,
		&sc.Version, &created, &modif); err != nil {
		return nil, err
	}
	sc.NextSlot, sc.NextFireAt = nextSlot.ptr(), nextFire.ptr()
	sc.CreatedDate, sc.ModifiedDate = created.t, modif.t
	return &sc, nil
}

func scheduleKey(group, name string) string { return group + "/" + name }

// ScheduleCreate implements store.Store.
func (s *Store) ScheduleCreate(ctx context.Context, p *store.ScheduleCreateParams) (*store.Schedule, error) {
	sc := p.Schedule
	op := "create schedule " + scheduleKey(sc.GroupName, sc.Name)
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	err := s.inTx(ctx, func(tx Tx) error {
		if sc.GroupName != "default" && sc.GroupName != store.EventRuleScheduleGroup {
			var one int
			err := s.queryRow(ctx, tx, `SELECT 1 FROM schedule_group WHERE name = ?`+s.dialect.ForUpdate, sc.GroupName).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				return &store.NotFoundError{Resource: store.ResourceScheduleGroup, Key: sc.GroupName}
			}
			if err != nil {
				return err
			}
		}
		n, err := s.exec(ctx, tx, `INSERT INTO schedule (`+scheduleColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)
			ON CONFLICT (group_name, name) DO NOTHING`,
			sc.GroupName, sc.Name, sc.ID, sc.ARN, sc.State, sc.Definition, s.nullTimeArg(sc.NextSlot), s.nullTimeArg(sc.NextFireAt),
			s.timeArg(sc.CreatedDate), s.timeArg(sc.CreatedDate))
		if err != nil {
			return err
		}
		if n == 0 {
			return &store.AlreadyExistsError{Resource: store.ResourceSchedule, Key: scheduleKey(sc.GroupName, sc.Name)}
		}
		return nil
	})
	if err != nil {
		return nil, s.fail(op, err)
	}
	return s.ScheduleGet(ctx, &store.ScheduleGetParams{GroupName: sc.GroupName, Name: sc.Name})
}

// ScheduleGet implements store.Store.
func (s *Store) ScheduleGet(ctx context.Context, p *store.ScheduleGetParams) (*store.Schedule, error) {
	op := "get schedule " + scheduleKey(p.GroupName, p.Name)
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	sc, err := scanSchedule(s.queryRow(ctx, s.db.Reader(), `SELECT `+scheduleColumns+` FROM schedule
		WHERE group_name = ? AND name = ?`, p.GroupName, p.Name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, &store.NotFoundError{Resource: store.ResourceSchedule, Key: scheduleKey(p.GroupName, p.Name)}
	}
	if err != nil {
		return nil, s.fail(op, err)
	}
	return sc, nil
}

// ScheduleUpdate implements store.Store.
func (s *Store) ScheduleUpdate(ctx context.Context, p *store.ScheduleUpdateParams) (*store.Schedule, error) {
	op := "update schedule " + scheduleKey(p.GroupName, p.Name)
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	n, err := s.exec(ctx, s.db.Writer(), `UPDATE schedule SET state = ?, definition = ?, next_slot = ?, next_fire_at = ?,
		version = version + 1, modified_date = ? WHERE group_name = ? AND name = ?`,
		p.State, p.Definition, s.nullTimeArg(p.NextSlot), s.nullTimeArg(p.NextFireAt), s.timeArg(p.ModifiedDate), p.GroupName, p.Name)
	if err != nil {
		return nil, s.fail(op, err)
	}
	if n == 0 {
		return nil, &store.NotFoundError{Resource: store.ResourceSchedule, Key: scheduleKey(p.GroupName, p.Name)}
	}
	return s.ScheduleGet(ctx, &store.ScheduleGetParams{GroupName: p.GroupName, Name: p.Name})
}

// ScheduleDelete implements store.Store.
func (s *Store) ScheduleDelete(ctx context.Context, p *store.ScheduleDeleteParams) error {
	op := "delete schedule " + scheduleKey(p.GroupName, p.Name)
	if err := s.checkOpen(op); err != nil {
		return err
	}
	err := s.inTx(ctx, func(tx Tx) error {
		return s.deleteSchedule(ctx, tx, p.GroupName, p.Name)
	})
	if err != nil {
		return s.fail(op, err)
	}
	return nil
}

func (s *Store) deleteSchedule(ctx context.Context, tx Tx, group, name string) error {
	var id string
	err := s.queryRow(ctx, tx, `SELECT id FROM schedule WHERE group_name = ? AND name = ?`, group, name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return &store.NotFoundError{Resource: store.ResourceSchedule, Key: scheduleKey(group, name)}
	}
	if err != nil {
		return err
	}
	if _, err := s.exec(ctx, tx, `DELETE FROM schedule_fire WHERE schedule_id = ?`, id); err != nil {
		return err
	}
	_, err = s.exec(ctx, tx, `DELETE FROM schedule WHERE group_name = ? AND name = ?`, group, name)
	return err
}

// ScheduleList implements store.Store.
func (s *Store) ScheduleList(ctx context.Context, p *store.ScheduleListParams) (*store.ScheduleListResult, error) {
	op := "list schedules of " + p.GroupName
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	list, next, err := keysetPage(s, op, "schedules", 2, p.NextToken, p.MaxResults,
		func(after []string, limit int) (Rows, error) {
			return s.query(ctx, s.db.Reader(), `SELECT `+scheduleColumns+` FROM schedule
				WHERE (CAST(? AS TEXT) = '' OR group_name = ?) AND (CAST(? AS TEXT) = '' OR state = ?)
					AND (group_name > ? OR (group_name = ? AND name > ?)) AND `+prefixMatch("name")+`
				ORDER BY group_name, name LIMIT ?`,
				p.GroupName, p.GroupName, p.State, p.State, after[0], after[0], after[1], p.NamePrefix, p.NamePrefix, limit)
		},
		func(r Rows) (*store.Schedule, error) { return scanSchedule(r) },
		func(sc *store.Schedule) []string { return []string{sc.GroupName, sc.Name} })
	if err != nil {
		return nil, err
	}
	return &store.ScheduleListResult{Schedules: list, NextToken: next}, nil
}

// ScheduleDue implements store.Store.
func (s *Store) ScheduleDue(ctx context.Context, p *store.ScheduleDueParams) ([]*store.Schedule, error) {
	const op = "list due schedules"
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	limit := p.Limit
	if limit <= 0 {
		limit = store.DefaultPageSize
	}
	rows, err := s.query(ctx, s.db.Reader(), `SELECT `+scheduleColumns+` FROM schedule
		WHERE state = ? AND next_fire_at IS NOT NULL AND next_fire_at <= ?
		ORDER BY next_fire_at, group_name, name LIMIT ?`, store.ScheduleEnabled, s.timeArg(p.Now), limit)
	list, err := collect(rows, err, func(r Rows) (*store.Schedule, error) { return scanSchedule(r) })
	if err != nil {
		return nil, s.fail(op, err)
	}
	return list, nil
}

// ScheduleFire implements store.Store. The version check makes the schedule's move to its
// next slot a compare-and-set, so of two nodes that read the same version one moves it and
// the other writes nothing; the fire row's primary key keeps a slot that comes round again
// (a schedule updated back to a slot it fired) from firing twice.
func (s *Store) ScheduleFire(ctx context.Context, p *store.ScheduleFireParams) (*store.ScheduleFireResult, error) {
	op := "fire schedule " + scheduleKey(p.GroupName, p.Name)
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	res := &store.ScheduleFireResult{}
	err := s.inTx(ctx, func(tx Tx) error {
		res.Fired = false
		var id string
		err := s.queryRow(ctx, tx, `UPDATE schedule SET next_slot = ?, next_fire_at = ?, version = version + 1
			WHERE group_name = ? AND name = ? AND version = ? RETURNING id`,
			s.nullTimeArg(p.NextSlot), s.nullTimeArg(p.NextFireAt), p.GroupName, p.Name, p.Version).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // changed, fired or deleted since the caller read it
		}
		if err != nil {
			return err
		}
		n, err := s.exec(ctx, tx, `INSERT INTO schedule_fire (schedule_id, slot, fired_at, execution_name) VALUES (?, ?, ?, ?)
			ON CONFLICT (schedule_id, slot) DO NOTHING`, id, s.timeArg(p.Slot), s.timeArg(p.FiredAt), p.ExecutionName)
		if err != nil {
			return err
		}
		if n == 1 {
			res.Fired = true
			deliveries := p.Deliveries
			if p.Delivery != nil {
				deliveries = append([]*store.EventDelivery{p.Delivery}, deliveries...)
			}
			for _, d := range deliveries {
				state := d.State
				if state == "" {
					state = store.EventDeliveryPending
				}
				if _, err := s.exec(ctx, tx, `INSERT INTO event_delivery (`+eventDeliveryColumns+`)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
					d.ID, d.EventID, d.BusName, d.RuleName, d.RuleARN, d.TargetID, d.Target, d.Event, s.timeArg(d.EventTime), state,
					d.Attempts, s.timeArg(d.NextAttemptAt), d.LeaseOwner, d.LastError, d.DeadLetterARN, s.timeArg(d.CreatedDate)); err != nil {
					return err
				}
			}
		}
		if p.Delete {
			return s.deleteSchedule(ctx, tx, p.GroupName, p.Name)
		}
		return nil
	})
	if err != nil {
		return nil, s.fail(op, err)
	}
	return res, nil
}

// ScheduleFireList implements store.Store.
func (s *Store) ScheduleFireList(ctx context.Context, p *store.ScheduleFireListParams) ([]*store.ScheduleFire, error) {
	op := "list fires of schedule " + p.ScheduleID
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	limit := p.Limit
	if limit <= 0 {
		limit = store.DefaultPageSize
	}
	rows, err := s.query(ctx, s.db.Reader(), `SELECT schedule_id, slot, fired_at, execution_name FROM schedule_fire
		WHERE schedule_id = ? ORDER BY slot DESC LIMIT ?`, p.ScheduleID, limit)
	fires, err := collect(rows, err, func(r Rows) (*store.ScheduleFire, error) {
		var (
			f           store.ScheduleFire
			slot, fired timeValue
		)
		err := r.Scan(&f.ScheduleID, &slot, &fired, &f.ExecutionName)
		f.Slot, f.FiredAt = slot.t, fired.t
		return &f, err
	})
	if err != nil {
		return nil, s.fail(op, err)
	}
	return fires, nil
}
