package events

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/stepflow/stepflow/api"
	"github.com/stepflow/stepflow/events"
	"github.com/stepflow/stepflow/events/webhook"
	"github.com/stepflow/stepflow/store"
)

// SigningName is the SigV4 service name of the EventBridge API.
const SigningName = "events"

// Service returns the EventBridge API over bus, to pass in api.Config.Services.
func Service(bus *events.Bus, st store.Store, opts ...Option) api.Service {
	h := &handler{bus: bus, store: st}
	svc := api.Service{
		TargetPrefix: "AWSEvents.",
		SigningName:  SigningName,
		ContentType:  "application/x-amz-json-1.1",
		Actions: map[string]api.Action{
			"TestEventPattern":    api.Handle(h.testEventPattern),
			"PutRule":             api.Handle(h.putRule),
			"DescribeRule":        api.Handle(h.describeRule),
			"ListRules":           api.Handle(h.listRules),
			"DeleteRule":          api.Handle(h.deleteRule),
			"EnableRule":          api.Handle(h.enableRule),
			"DisableRule":         api.Handle(h.disableRule),
			"PutTargets":          api.Handle(h.putTargets),
			"RemoveTargets":       api.Handle(h.removeTargets),
			"ListTargetsByRule":   api.Handle(h.listTargetsByRule),
			"PutEvents":           api.Handle(h.putEvents),
			"CreateEventBus":      api.Handle(h.createEventBus),
			"DescribeEventBus":    api.Handle(h.describeEventBus),
			"DeleteEventBus":      api.Handle(h.deleteEventBus),
			"ListEventBuses":      api.Handle(h.listEventBuses),
			"TagResource":         api.Handle(h.tagResource),
			"UntagResource":       api.Handle(h.untagResource),
			"ListTagsForResource": api.Handle(h.listTagsForResource),
			// Not an EventBridge action: deliveries that failed for good under a
			// DeadLetterConfig, which AWS would have sent to an SQS queue.
			"ListDeadLetters": api.Handle(h.listDeadLetters),
		},
	}
	for _, o := range opts {
		o(h, svc.Actions)
	}
	return svc
}

type handler struct {
	bus      *events.Bus
	store    store.Store
	webhooks *webhook.Handler
}

// fail gives the bus's refusals their AWS shape; anything else is the server's fault.
func fail(err error) error {
	var e *events.Error
	if errors.As(err, &e) {
		return &api.Error{Code: e.Code, Message: e.Message, Status: http.StatusBadRequest}
	}
	if errors.Is(err, store.ErrInvalidPageToken) {
		return &api.Error{Code: events.CodeValidation, Message: "Invalid NextToken.", Status: http.StatusBadRequest}
	}
	return err
}

func required(value, field string) error {
	if value == "" {
		return &api.Error{Code: events.CodeValidation, Status: http.StatusBadRequest,
			Message: fmt.Sprintf("1 validation error detected: Value null at '%s' failed to satisfy constraint: Member must not be null", field)}
	}
	return nil
}

func checkLimit(limit *int) error {
	if limit != nil && (*limit < 1 || *limit > 100) {
		return &api.Error{Code: events.CodeValidation, Status: http.StatusBadRequest,
			Message: fmt.Sprintf("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value between 1 and 100", *limit)}
	}
	return nil
}

func limitOf(limit *int) int {
	if limit == nil {
		return 100
	}
	return *limit
}

// epoch is a timestamp as the JSON protocols send it: seconds since the epoch.
type epoch time.Time

func (t epoch) MarshalJSON() ([]byte, error) {
	return fmt.Appendf(nil, "%.3f", float64(time.Time(t).UnixMilli())/1000), nil
}

func (t *epoch) UnmarshalJSON(b []byte) error {
	var seconds float64
	if _, err := fmt.Sscanf(string(b), "%g", &seconds); err != nil {
		return fmt.Errorf("timestamp %s: %w", b, err)
	}
	*t = epoch(time.UnixMilli(int64(seconds * 1000)).UTC())
	return nil
}

func epochPtr(t time.Time) *epoch {
	if t.IsZero() {
		return nil
	}
	e := epoch(t)
	return &e
}
