package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/stepflow/stepflow/scheduler"
	"github.com/stepflow/stepflow/store"
)

// What a scheduled rule sends its targets, as EventBridge does.
const (
	ScheduledEventSource     = "aws.events"
	ScheduledEventDetailType = "Scheduled Event"
)

// Scheduled rules (PutRule with a ScheduleExpression) run on the Scheduler's machinery: each
// has a schedule of its own in the group store.EventRuleScheduleGroup, named after the rule,
// which fires each slot once across restarts and nodes; a fire asks the bus for the rule's
// deliveries (ScheduledRuleDeliveries). The rule is the truth: a fire re-reads it, so a
// schedule left behind (a crash between the writes of the rule and of its schedule) starts
// nothing the rule does not say.

// checkScheduleExpression refuses what EventBridge refuses, in its words.
func checkScheduleExpression(bus, expr string) error {
	if bus != DefaultBusName {
		return validation("ScheduleExpression is supported only on the default event bus.")
	}
	if _, err := scheduler.ParseRuleExpression(expr); err != nil {
		return validation("Parameter ScheduleExpression is not valid.")
	}
	return nil
}

// syncRuleSchedule makes a rule's schedule agree with the rule: none without a
// ScheduleExpression; else one in the rule's state, starting from now. A rate counts from
// the rule's creation and first fires one period after it ("A rate expression starts when
// you create the scheduled event rule", EventBridge's rate expressions reference).
func (b *Bus) syncRuleSchedule(ctx context.Context, rule *store.EventRule) error {
	group := store.EventRuleScheduleGroup
	if rule.ScheduleExpression == "" {
		err := b.cfg.Store.ScheduleDelete(ctx, &store.ScheduleDeleteParams{GroupName: group, Name: rule.Name})
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	}
	expr, err := scheduler.ParseRuleExpression(rule.ScheduleExpression)
	if err != nil {
		return err
	}
	def := scheduler.Definition{ScheduleExpression: rule.ScheduleExpression,
		FlexibleTimeWindow: scheduler.FlexibleTimeWindow{Mode: scheduler.WindowOff},
		Target:             scheduler.Target{Arn: rule.ARN},
		EventRule:          &scheduler.EventRuleRef{BusName: rule.BusName, Name: rule.Name}}
	if rate, ok := expr.(*scheduler.RateExpression); ok {
		first := rule.CreatedDate.Add(rate.Every)
		def.StartDate = &first
	}
	text, err := json.Marshal(def)
	if err != nil {
		return err
	}
	state := store.ScheduleEnabled
	if rule.State != store.EventRuleEnabled {
		state = store.ScheduleDisabled
	}
	now := b.now()
	existing, err := b.cfg.Store.ScheduleGet(ctx, &store.ScheduleGetParams{GroupName: group, Name: rule.Name})
	id, created := newEventID(), rule.CreatedDate
	switch {
	case err == nil:
		id, created = existing.ID, existing.CreatedDate
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	plan, err := scheduler.NewPlan(&def, id, created)
	if err != nil {
		return err
	}
	var slot, fireAt *time.Time
	if s, ok := plan.FirstSlot(now); ok {
		f := plan.FireAt(s)
		slot, fireAt = &s, &f
	}
	if existing == nil {
		_, err = b.cfg.Store.ScheduleCreate(ctx, &store.ScheduleCreateParams{Schedule: store.Schedule{GroupName: group, Name: rule.Name,
			ID: id, ARN: rule.ARN, State: state, Definition: string(text), NextSlot: slot, NextFireAt: fireAt, CreatedDate: created}})
		if !errors.Is(err, store.ErrAlreadyExists) {
			return err
		}
		// Made meanwhile by a PutRule on another node: this one's settings win.
	}
	_, err = b.cfg.Store.ScheduleUpdate(ctx, &store.ScheduleUpdateParams{GroupName: group, Name: rule.Name, State: state,
		Definition: string(text), NextSlot: slot, NextFireAt: fireAt, ModifiedDate: now})
	return err
}

// ScheduledRuleDeliveries makes the deliveries of one slot of a scheduled rule: a "Scheduled
// Event" from "aws.events" with the rule as its resource, to each target of the rule, which
// the Scheduler writes in the transaction that fires the slot. A rule that is gone, disabled
// or no longer scheduled gets none. The event id derives from the rule and the slot.
func (b *Bus) ScheduledRuleDeliveries(ctx context.Context, busName, ruleName string, slot, now time.Time) ([]*store.EventDelivery, error) {
	rule, err := b.cfg.Store.EventRuleGet(ctx, &store.EventRuleGetParams{BusName: busName, Name: ruleName})
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if rule.State != store.EventRuleEnabled || rule.ScheduleExpression == "" {
		return nil, nil
	}
	targets, err := b.cfg.Store.EventTargetList(ctx, &store.EventTargetListParams{BusName: busName, RuleName: ruleName})
	if err != nil {
		return nil, err
	}
	ev := event{Version: "0", ID: derivedEventID(fmt.Sprintf("%s#%d", rule.ARN, slot.Unix())), DetailType: ScheduledEventDetailType,
		Source: ScheduledEventSource, Account: b.cfg.Scope.Account, Time: slot.UTC().Format("2006-01-02T15:04:05Z"),
		Region: b.cfg.Scope.Region, Resources: []string{rule.ARN}, Detail: json.RawMessage(`{}`)}
	text, err := json.Marshal(ev)
	if err != nil {
		return nil, err
	}
	var ds []*store.EventDelivery
	for _, t := range targets {
		d, err := newDelivery(ev.ID, string(text), busName, rule, t, slot, now)
		if err != nil {
			return nil, err
		}
		ds = append(ds, d)
	}
	if len(ds) > 0 {
		b.cfg.Metrics.RuleTriggered(rule.ARN, 1)
	}
	return ds, nil
}
