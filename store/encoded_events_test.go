package store

import (
	"fmt"
	"testing"

	"github.com/stepflow/stepflow/sfn"
)

// Each event's text is what AppendJSON writes, for short runs and long ones.
func TestEncodeEvents(t *testing.T) {
	for _, n := range []int{0, 1, 5, 512, 515} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			events := make([]*sfn.HistoryEvent, n)
			for i := range events {
				events[i] = &sfn.HistoryEvent{ID: int64(i + 1), Type: sfn.EventPassStateEntered,
					StateEnteredEventDetails: &sfn.StateEnteredDetails{Name: fmt.Sprint("S", i), Input: &sfn.Payload{Value: map[string]any{"i": float64(i)}}}}
			}
			enc, err := EncodeEvents(events)
			if err != nil {
				t.Fatal(err)
			}
			if enc.Len() != n {
				t.Fatalf("Len = %d, want %d", enc.Len(), n)
			}
			for i, ev := range events {
				want, err := ev.AppendJSON(nil)
				if err != nil {
					t.Fatal(err)
				}
				if got := enc.Event(i); string(got) != string(want) {
					t.Fatalf("event %d = %s, want %s", i, got, want)
				}
			}
		})
	}
}

// Encodes accepts the slice that was encoded and nothing else.
func TestEncodedEventsEncodes(t *testing.T) {
	events := []*sfn.HistoryEvent{{ID: 1, Type: sfn.EventExecutionStarted}, {ID: 2, Type: sfn.EventPassStateEntered}}
	enc, err := EncodeEvents(events)
	if err != nil {
		t.Fatal(err)
	}
	copied := append([]*sfn.HistoryEvent(nil), events...)
	for _, tc := range []struct {
		name   string
		events []*sfn.HistoryEvent
		want   bool
	}{
		{"the slice encoded", events, true},
		{"a copy of the slice", copied, false},
		{"a shorter slice", events[:1], false},
		{"none", nil, false},
	} {
		if got := enc.Encodes(tc.events); got != tc.want {
			t.Errorf("%s: Encodes = %v, want %v", tc.name, got, tc.want)
		}
	}
	var none *EncodedEvents
	if none.Encodes(events) {
		t.Error("a nil EncodedEvents encodes events")
	}
}
