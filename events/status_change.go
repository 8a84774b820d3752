package events

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/stepflow/stepflow/engine"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

// What Step Functions publishes on every execution status change.
const (
	StatusChangeSource     = "aws.states"
	StatusChangeDetailType = "Step Functions Execution Status Change"
)

// StatusChanged is the engine's OnStatusChange callback, called once a step is committed:
// when status-change deliveries were made for the engine since the last call, they are
// committed now (or dropped with their step), so delivery is woken.
func (b *Bus) StatusChanged(engine.StatusChange) {
	if b.statusDeliveries.Swap(0) > 0 {
		b.wake()
	}
}

// statusDetail is the detail of a status-change event, as Step Functions sends it.
type statusDetail struct {
	ExecutionArn    string       `json:"executionArn"`
	StateMachineArn string       `json:"stateMachineArn"`
	Name            string       `json:"name"`
	Status          string       `json:"status"`
	StartDate       int64        `json:"startDate"`
	StopDate        *int64       `json:"stopDate"`
	Input           *string      `json:"input"`
	InputDetails    *dataDetails `json:"inputDetails"`
	Output          *string      `json:"output"`
	OutputDetails   *dataDetails `json:"outputDetails"`
	Error           *string      `json:"error"`
	Cause           *string      `json:"cause"`
	RedriveCount    int          `json:"redriveCount"`
	RedriveDate     *int64       `json:"redriveDate"`
}

type dataDetails struct {
	Included bool `json:"included"`
}

// StatusChangeDeliveries implements engine.StatusChangeEvents: it makes the events of an
// execution's status changes and matches them against the default bus's rules; the engine
// writes the deliveries in the transaction of the step that changed the status, so that a
// status change is published exactly when it is committed, even if the process dies next.
// The event id derives from the execution and its history event, so a step that is redone
// makes the same deliveries, which the store writes once.
func (b *Bus) StatusChangeDeliveries(ctx context.Context, changes []engine.StatusChange) ([]*store.EventDelivery, error) {
	rules, err := b.compiled(ctx, DefaultBusName)
	if err != nil || rules.set.Len() == 0 {
		return nil, err
	}
	now := b.now()
	var all []*store.EventDelivery
	for i := range changes {
		c := &changes[i]
		if c.Input == "" {
			// The event carries the input as the execution received it, which the engine
			// keeps only decoded.
			rec, err := b.cfg.Store.ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: c.ExecutionARN})
			if err != nil {
				return nil, err
			}
			c.Input = rec.Input
		}
		ev, err := b.statusChangeEvent(c)
		if err != nil {
			return nil, err
		}
		text, err := json.Marshal(ev)
		if err != nil {
			return nil, err
		}
		ds, matched, err := b.match(ctx, DefaultBusName, ev.ID, string(text), now)
		if err != nil {
			return nil, err
		}
		for _, r := range matched {
			b.cfg.Metrics.RuleTriggered(r, 1)
		}
		if len(matched) > 0 {
			b.cfg.Metrics.EventsMatched(1)
		}
		all = append(all, ds...)
	}
	b.statusDeliveries.Add(int64(len(all)))
	return all, nil
}

// statusChangeEvent is the event Step Functions publishes for a status change.
func (b *Bus) statusChangeEvent(c *engine.StatusChange) (*event, error) {
	millis := func(t time.Time) int64 { return t.UnixMilli() }
	text := func(s string) *string { return &s }
	d := statusDetail{
		ExecutionArn: c.ExecutionARN, StateMachineArn: c.StateMachineARN, Name: c.Name, Status: string(c.Status),
		StartDate: millis(c.StartDate), Input: text(c.Input), InputDetails: &dataDetails{Included: true},
		RedriveCount: c.RedriveCount,
	}
	if c.RedriveDate != nil {
		d.RedriveDate = new(millis(*c.RedriveDate))
	}
	if c.Status != sfn.StatusRunning {
		d.StopDate = new(millis(c.Time))
		if c.Status == sfn.StatusSucceeded && c.Output != nil {
			d.Output, d.OutputDetails = c.Output, &dataDetails{Included: true}
		}
		if c.Status != sfn.StatusSucceeded {
			d.Error, d.Cause = text(c.Error), text(c.Cause)
		}
	}
	detail, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	return &event{Version: "0", ID: derivedEventID(fmt.Sprintf("%s#%d#%s", c.ExecutionARN, c.EventID, c.Status)),
		DetailType: StatusChangeDetailType, Source: StatusChangeSource, Account: b.cfg.Scope.Account,
		Time: c.Time.UTC().Format("2006-01-02T15:04:05Z"), Region: b.cfg.Scope.Region,
		Resources: []string{c.ExecutionARN}, Detail: detail}, nil
}
