package scheduler

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"time"
)

// Definition is a schedule as CreateSchedule and UpdateSchedule take it; it is stored as
// this JSON.
type Definition struct {
	ScheduleExpression         string             `json:"ScheduleExpression"`
	ScheduleExpressionTimezone string             `json:"ScheduleExpressionTimezone,omitempty"`
	StartDate                  *time.Time         `json:"StartDate,omitempty"`
	EndDate                    *time.Time         `json:"EndDate,omitempty"`
	FlexibleTimeWindow         FlexibleTimeWindow `json:"FlexibleTimeWindow"`
	Target                     Target             `json:"Target"`
	Description                string             `json:"Description,omitempty"`
	ActionAfterCompletion      string             `json:"ActionAfterCompletion,omitempty"`
	KmsKeyArn                  string             `json:"KmsKeyArn,omitempty"`
	// EventRule, set on the schedules of EventBridge's scheduled rules (in the group
	// store.EventRuleScheduleGroup), names the rule whose targets a fire starts; Target is
	// then unused.
	EventRule *EventRuleRef `json:"StepflowEventRule,omitempty"`
}

// EventRuleRef names an EventBridge rule.
type EventRuleRef struct {
	BusName string `json:"BusName"`
	Name    string `json:"Name"`
}

// FlexibleTimeWindow lets a slot fire up to MaximumWindowInMinutes after its time.
type FlexibleTimeWindow struct {
	Mode                   string `json:"Mode"`
	MaximumWindowInMinutes *int   `json:"MaximumWindowInMinutes,omitempty"`
}

// Target is what a schedule starts: a state machine, with its input and retry policy.
type Target struct {
	Arn              string            `json:"Arn"`
	RoleArn          string            `json:"RoleArn"`
	Input            string            `json:"Input,omitempty"`
	RetryPolicy      *RetryPolicy      `json:"RetryPolicy,omitempty"`
	DeadLetterConfig *DeadLetterConfig `json:"DeadLetterConfig,omitempty"`
}

// RetryPolicy bounds how long and how often a failed start is tried again.
type RetryPolicy struct {
	MaximumEventAgeInSeconds *int `json:"MaximumEventAgeInSeconds,omitempty"`
	MaximumRetryAttempts     *int `json:"MaximumRetryAttempts,omitempty"`
}

// DeadLetterConfig names where starts that gave up are kept (on AWS an SQS queue).
type DeadLetterConfig struct {
	Arn string `json:"Arn,omitempty"`
}

// Flexible time window modes and completion actions, as the API names them.
const (
	WindowOff      = "OFF"
	WindowFlexible = "FLEXIBLE"

	CompletionNone   = "NONE"
	CompletionDelete = "DELETE"
)

// Plan is a definition made ready to compute slots: its expression parsed, its time zone
// loaded, and the anchor that rate expressions count from.
type Plan struct {
	expr   Expression
	loc    *time.Location
	start  *time.Time
	end    *time.Time
	anchor time.Time
	window time.Duration
	id     string
}

// NewPlan prepares a definition of the schedule with the given id, created at created.
func NewPlan(d *Definition, id string, created time.Time) (*Plan, error) {
	expr, err := ParseExpression(d.ScheduleExpression)
	if err != nil {
		return nil, err
	}
	loc := time.UTC
	if d.ScheduleExpressionTimezone != "" {
		if loc, err = LoadLocation(d.ScheduleExpressionTimezone); err != nil {
			return nil, err
		}
	}
	// A rate without a StartDate "starts invoking the target immediately" (EventBridge
	// Scheduler's user guide, rate-based schedules): its first slot is the creation time,
	// rounded up to the whole second so that the slot is not before the schedule existed.
	anchor := created.UTC().Truncate(time.Second)
	if anchor.Before(created) {
		anchor = anchor.Add(time.Second)
	}
	p := &Plan{expr: expr, loc: loc, start: d.StartDate, end: d.EndDate, id: id, anchor: anchor}
	// With a StartDate, the StartDate is the rate's first occurrence.
	if d.StartDate != nil {
		p.anchor = d.StartDate.UTC()
	}
	if d.FlexibleTimeWindow.Mode == WindowFlexible && d.FlexibleTimeWindow.MaximumWindowInMinutes != nil {
		p.window = time.Duration(*d.FlexibleTimeWindow.MaximumWindowInMinutes) * time.Minute
	}
	return p, nil
}

// LoadLocation loads an IANA time zone. "Local" and "" are refused: a schedule's zone must
// not depend on the machine it runs on.
func LoadLocation(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("unknown time zone %q", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q", name)
	}
	return loc, nil
}

// OneTime says whether the schedule is an at() expression.
func (p *Plan) OneTime() bool {
	_, ok := p.expr.(*AtExpression)
	return ok
}

// NextSlot is the first slot strictly after after, within the start and end dates (which a
// one-time schedule ignores), and false when none is left.
func (p *Plan) NextSlot(after time.Time) (time.Time, bool) {
	if at, ok := p.expr.(*AtExpression); ok {
		t := at.Time(p.loc)
		return t.UTC(), t.After(after)
	}
	if p.start != nil && after.Before(*p.start) {
		after = p.start.Add(-time.Nanosecond)
	}
	t, ok := p.expr.Next(after, p.anchor, p.loc)
	if !ok || (p.end != nil && !t.Before(*p.end)) {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// FirstSlot is the first slot at or after now: where a new or changed schedule starts.
func (p *Plan) FirstSlot(now time.Time) (time.Time, bool) {
	return p.NextSlot(now.Add(-time.Nanosecond))
}

// FireAt is when a slot fires: at the slot, or, with a flexible time window, at a point
// inside the window that the schedule and slot determine, so that every node computes the
// same one and a restart does not move it.
func (p *Plan) FireAt(slot time.Time) time.Time {
	if p.window <= 0 {
		return slot
	}
	sum := sha256.Sum256(fmt.Appendf(nil, "%s/%d", p.id, slot.Unix()))
	offset := time.Duration(binary.BigEndian.Uint64(sum[:8])%uint64(p.window/time.Second)) * time.Second
	return slot.Add(offset)
}

// ExecutionName is the name of the execution a slot starts: the schedule's name, the slot
// and a hash of the schedule's id. A retried start finds the execution it started, and a
// schedule deleted and created again under its name does not collide with its old runs.
func ExecutionName(name, id string, slot time.Time) string {
	if len(name) > 40 {
		name = name[:40]
	}
	sum := sha256.Sum256([]byte(id))
	return name + "_" + slot.UTC().Format("20060102T150405Z") + "_" + hex.EncodeToString(sum[:4])
}
