package events

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/stepflow/stepflow/events/pattern"
	"github.com/stepflow/stepflow/store"
)

// Limits of PutEvents, as EventBridge has them.
const (
	MaxEntriesPerPutEvents = 10
	MaxPutEventsBytes      = 256 * 1024
)

// Entry is one event of a PutEvents request.
type Entry struct {
	Source       string
	DetailType   string
	Detail       string
	Resources    []string
	Time         *time.Time
	EventBusName string
}

// EntryResult is the answer for one entry: its event id, or why it was refused.
type EntryResult struct {
	EventId      string `json:",omitempty"`
	ErrorCode    string `json:",omitempty"`
	ErrorMessage string `json:",omitempty"`
}

// event is an event as EventBridge puts it on a bus and hands it to targets.
type event struct {
	Version    string          `json:"version"`
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Account    string          `json:"account"`
	Time       string          `json:"time"`
	Region     string          `json:"region"`
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
}

// entrySize is how EventBridge sizes an entry against the request limit.
func entrySize(e *Entry) int {
	n := len(e.Source) + len(e.DetailType) + len(e.Detail)
	if e.Time != nil {
		n += 14
	}
	for _, r := range e.Resources {
		n += len(r)
	}
	return n
}

// PutEvents accepts events: each entry is checked, matched against the enabled rules of its
// bus, and the deliveries of all accepted entries are written in one transaction before the
// answer, so that an accepted event reaches its targets even if the process dies next.
func (b *Bus) PutEvents(ctx context.Context, entries []Entry) ([]EntryResult, error) {
	if len(entries) == 0 || len(entries) > MaxEntriesPerPutEvents {
		return nil, constraint(len(entries), "entries", fmt.Sprintf("Member must have length less than or equal to %d", MaxEntriesPerPutEvents))
	}
	size := 0
	for i := range entries {
		size += entrySize(&entries[i])
	}
	if size > MaxPutEventsBytes {
		return nil, validation("Total size of the entries in the request is over the limit.")
	}
	now := b.now()
	results := make([]EntryResult, len(entries))
	var deliveries []*store.EventDelivery
	var matchedEvents, triggered int
	triggeredBy := map[string]int{}
	for i := range entries {
		e := &entries[i]
		ev, code, msg := b.newEvent(e, now)
		if code != "" {
			results[i] = EntryResult{ErrorCode: code, ErrorMessage: msg}
			continue
		}
		bus, err := b.BusName(ctx, e.EventBusName)
		if err != nil {
			if apiErr, ok := err.(*Error); ok {
				results[i] = EntryResult{ErrorCode: apiErr.Code, ErrorMessage: apiErr.Message}
				continue
			}
			return nil, err
		}
		text, err := json.Marshal(ev)
		if err != nil {
			return nil, err
		}
		ds, rules, err := b.match(ctx, bus, ev.ID, string(text), now)
		if err != nil {
			return nil, err
		}
		if len(rules) > 0 {
			matchedEvents++
			triggered += len(rules)
			for _, r := range rules {
				triggeredBy[r]++
			}
		}
		deliveries = append(deliveries, ds...)
		results[i] = EntryResult{EventId: ev.ID}
	}
	if err := b.cfg.Store.EventDeliveryCreate(ctx, &store.EventDeliveryCreateParams{Deliveries: deliveries}); err != nil {
		return nil, err
	}
	for rule, n := range triggeredBy {
		b.cfg.Metrics.RuleTriggered(rule, n)
	}
	b.cfg.Metrics.EventsMatched(matchedEvents)
	if len(deliveries) > 0 {
		b.wake()
	}
	return results, nil
}

// newEvent builds the event of an entry, or says why the entry is refused.
func (b *Bus) newEvent(e *Entry, now time.Time) (ev *event, code, message string) {
	switch {
	case e.Source == "":
		return nil, "InvalidArgument", "Parameter Source is not valid. Reason: Source is a required argument."
	case e.DetailType == "":
		return nil, "InvalidArgument", "Parameter DetailType is not valid. Reason: DetailType is a required argument."
	case e.Detail == "":
		return nil, "InvalidArgument", "Parameter Detail is not valid. Reason: Detail is a required argument."
	}
	var detail map[string]any
	if json.Unmarshal([]byte(e.Detail), &detail) != nil || detail == nil {
		return nil, "MalformedDetail", "Detail is malformed."
	}
	at := now
	if e.Time != nil {
		at = e.Time.UTC()
	}
	resources := e.Resources
	if resources == nil {
		resources = []string{}
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, []byte(e.Detail)); err != nil {
		return nil, "MalformedDetail", "Detail is malformed."
	}
	return &event{Version: "0", ID: newEventID(), DetailType: e.DetailType, Source: e.Source, Account: b.cfg.Scope.Account,
		Time: at.Format("2006-01-02T15:04:05Z"), Region: b.cfg.Scope.Region, Resources: resources,
		Detail: json.RawMessage(compact.Bytes())}, "", ""
}

// match finds the enabled rules of a bus an event matches and makes a delivery for each of
// their targets.
func (b *Bus) match(ctx context.Context, bus, eventID, text string, now time.Time) ([]*store.EventDelivery, []string, error) {
	rules, err := b.compiled(ctx, bus)
	if err != nil {
		return nil, nil, err
	}
	if rules.set.Len() == 0 {
		return nil, nil, nil
	}
	parsed, err := pattern.ParseEvent([]byte(text))
	if err != nil {
		return nil, nil, err
	}
	names := rules.set.Match(parsed)
	var ds []*store.EventDelivery
	var arns []string
	for _, name := range names {
		rt := rules.byName[name]
		arns = append(arns, rt.rule.ARN)
		for _, t := range rt.targets {
			d, err := newDelivery(eventID, text, bus, rt.rule, t, now, now)
			if err != nil {
				return nil, nil, err
			}
			ds = append(ds, d)
		}
	}
	return ds, arns, nil
}

// newDelivery is the pending delivery of the event eventID, whose text is text, to target t
// of rule on bus, due now.
func newDelivery(eventID, text, bus string, rule *store.EventRule, t *store.EventTarget, eventTime, now time.Time) (*store.EventDelivery, error) {
	var cfg Target
	if err := json.Unmarshal([]byte(t.Config), &cfg); err != nil {
		return nil, err
	}
	return &store.EventDelivery{
		ID: deliveryID(eventID, rule.ARN, t.ID), EventID: eventID, BusName: bus, RuleName: rule.Name, RuleARN: rule.ARN,
		TargetID: t.ID, Target: t.Config, Event: text, EventTime: eventTime, State: store.EventDeliveryPending,
		NextAttemptAt: now, DeadLetterARN: cfg.deadLetterARN(), CreatedDate: now,
	}, nil
}

// deliveryID keys a delivery, and names the execution it starts: the event id and a digest
// of the rule and target. A delivery made twice (retried after a crash, taken over by another
// node) so asks for the same execution, which StartExecution does not start twice.
func deliveryID(eventID, ruleARN, targetID string) string {
	sum := sha256.Sum256([]byte(ruleARN + "\x00" + targetID))
	return eventID + "_" + hex.EncodeToString(sum[:6])
}

// TestEventPattern says whether an event matches a pattern. The event must be an object with
// EventBridge's envelope fields; AWS's answers recorded in the conformance corpus show that
// "resources", which its documentation lists too, may be left out.
func TestEventPattern(patternText, eventText string) (bool, error) {
	p, err := pattern.Parse(patternText)
	if err != nil {
		return false, &Error{Code: CodeInvalidEventPattern, Message: err.Error()}
	}
	invalid := validation("Parameter Event is not valid.")
	var envelope map[string]any
	if json.Unmarshal([]byte(eventText), &envelope) != nil || envelope == nil {
		return false, invalid
	}
	for _, field := range []string{"id", "account", "source", "time", "region", "detail-type"} {
		if _, ok := envelope[field]; !ok {
			return false, invalid
		}
	}
	ev, err := pattern.ParseEvent([]byte(eventText))
	if err != nil {
		return false, invalid
	}
	return p.Match(ev), nil
}

func newEventID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return uuidText(b)
}

// derivedEventID is a UUID-shaped event id that key determines.
func derivedEventID(key string) string {
	sum := sha256.Sum256([]byte(key))
	return uuidText([16]byte(sum[:16]))
}

func uuidText(b [16]byte) string {
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
