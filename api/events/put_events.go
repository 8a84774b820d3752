package events

import (
	"context"
	"time"

	"github.com/stepflow/stepflow/events"
)

type putEventsEntry struct {
	Source       string
	DetailType   string
	Detail       string
	Resources    []string
	Time         *epoch
	EventBusName string
	TraceHeader  string
}

type putEventsInput struct {
	Entries    []putEventsEntry
	EndpointId string
}

type putEventsOutput struct {
	FailedEntryCount int
	Entries          []events.EntryResult
}

func (h *handler) putEvents(ctx context.Context, in *putEventsInput) (*putEventsOutput, error) {
	entries := make([]events.Entry, len(in.Entries))
	for i, e := range in.Entries {
		entries[i] = events.Entry{Source: e.Source, DetailType: e.DetailType, Detail: e.Detail, Resources: e.Resources, EventBusName: e.EventBusName}
		if e.Time != nil {
			t := time.Time(*e.Time)
			entries[i].Time = &t
		}
	}
	results, err := h.bus.PutEvents(ctx, entries)
	if err != nil {
		return nil, fail(err)
	}
	out := &putEventsOutput{Entries: results}
	for _, r := range results {
		if r.ErrorCode != "" {
			out.FailedEntryCount++
		}
	}
	return out, nil
}

type listDeadLettersInput struct {
	DeadLetterArn string
	NextToken     string
	Limit         *int
}

type deadLetter struct {
	EventId       string
	RuleArn       string
	TargetId      string
	Target        string
	Event         string
	EventTime     epoch
	Attempts      int
	LastError     string
	DeadLetterArn string
}

type listDeadLettersOutput struct {
	DeadLetters []deadLetter
	NextToken   string `json:",omitempty"`
}

func (h *handler) listDeadLetters(ctx context.Context, in *listDeadLettersInput) (*listDeadLettersOutput, error) {
	if err := checkLimit(in.Limit); err != nil {
		return nil, err
	}
	page, err := h.bus.DeadLetters(ctx, in.DeadLetterArn, limitOf(in.Limit), in.NextToken)
	if err != nil {
		return nil, fail(err)
	}
	out := &listDeadLettersOutput{DeadLetters: []deadLetter{}, NextToken: page.NextToken}
	for _, d := range page.Deliveries {
		out.DeadLetters = append(out.DeadLetters, deadLetter{EventId: d.EventID, RuleArn: d.RuleARN, TargetId: d.TargetID,
			Target: d.Target, Event: d.Event, EventTime: epoch(d.EventTime), Attempts: d.Attempts, LastError: d.LastError, DeadLetterArn: d.DeadLetterARN})
	}
	return out, nil
}
