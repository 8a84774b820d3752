package events

import (
	"context"
	"encoding/json"
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

// statusChangeBuffer bounds the status changes waiting to be published; beyond it they are
// dropped (and logged), so a slow store never holds up the engine's commits.
const statusChangeBuffer = 4096

// StatusChanged is the engine's StatusChange callback: it queues the change for publishing.
func (b *Bus) StatusChanged(c engine.StatusChange) {
	select {
	case b.changes <- c:
	default:
		b.log.Warn("status-change event dropped: too many waiting", "execution", c.ExecutionARN, "status", string(c.Status))
	}
}

func (b *Bus) statusLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case c := <-b.changes:
			if err := b.publishStatusChange(ctx, c); err != nil && ctx.Err() == nil {
				b.log.Warn("publish status-change event", "execution", c.ExecutionARN, "err", err)
			}
		}
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

// publishStatusChange puts a status-change event on the default bus, when a rule there may
// want it.
func (b *Bus) publishStatusChange(ctx context.Context, c engine.StatusChange) error {
	rules, err := b.compiled(ctx, DefaultBusName)
	if err != nil || rules.set.Len() == 0 {
		return err
	}
	rec, err := b.cfg.Store.ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: c.ExecutionARN})
	if err != nil {
		return err
	}
	millis := func(t time.Time) int64 { return t.UnixMilli() }
	text := func(s string) *string { return &s }
	d := statusDetail{
		ExecutionArn: rec.ARN, StateMachineArn: rec.StateMachineARN, Name: rec.Name, Status: string(c.Status),
		StartDate: millis(rec.StartDate), Input: text(rec.Input), InputDetails: &dataDetails{Included: true},
		RedriveCount: rec.RedriveCount,
	}
	if rec.RedriveDate != nil {
		d.RedriveDate = new(millis(*rec.RedriveDate))
	}
	if c.Status != sfn.StatusRunning {
		stop := millis(c.Time)
		if rec.StopDate != nil {
			stop = millis(*rec.StopDate)
		}
		d.StopDate = &stop
		if c.Status == sfn.StatusSucceeded && rec.Output != nil {
			d.Output, d.OutputDetails = rec.Output, &dataDetails{Included: true}
		}
		if c.Status != sfn.StatusSucceeded {
			d.Error, d.Cause = text(rec.Error), text(rec.Cause)
		}
	}
	detail, err := json.Marshal(d)
	if err != nil {
		return err
	}
	ev := event{Version: "0", ID: newEventID(), DetailType: StatusChangeDetailType, Source: StatusChangeSource,
		Account: b.cfg.Scope.Account, Time: c.Time.UTC().Format("2006-01-02T15:04:05Z"), Region: b.cfg.Scope.Region,
		Resources: []string{rec.ARN}, Detail: detail}
	evText, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	now := b.now()
	ds, matched, err := b.match(ctx, DefaultBusName, ev.ID, string(evText), now)
	if err != nil || len(matched) == 0 {
		return err
	}
	if err := b.cfg.Store.EventDeliveryCreate(ctx, &store.EventDeliveryCreateParams{Deliveries: ds}); err != nil {
		return err
	}
	for _, r := range matched {
		b.cfg.Metrics.RuleTriggered(r, 1)
	}
	b.cfg.Metrics.EventsMatched(1)
	if len(ds) > 0 {
		b.wake()
	}
	return nil
}
