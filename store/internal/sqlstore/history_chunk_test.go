package sqlstore

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

func TestEncodeChunks(t *testing.T) {
	t.Parallel()
	pending := func(execution int64, payload string, ids ...int64) []pendingEvent {
		var out []pendingEvent
		for _, id := range ids {
			ev := &sfn.HistoryEvent{ID: id, Type: sfn.EventPassStateEntered}
			if payload != "" {
				ev.StateEnteredEventDetails = &sfn.StateEnteredDetails{Name: "S", Input: &sfn.Payload{Value: payload}}
			}
			out = append(out, pendingEvent{executionID: execution, executionARN: fmt.Sprint(execution), event: ev})
		}
		return out
	}
	// The batch's encoding, as ExecutionCommitBatch runs it: one step per execution, its
	// events encoded by the caller (store.EncodeEvents) or not.
	encode := func(events []pendingEvent, preEncoded bool) ([]historyChunk, error) {
		var steps []*store.ExecutionStepParams
		var ids []int64
		for _, e := range events {
			if len(steps) == 0 || ids[len(ids)-1] != e.executionID {
				steps = append(steps, &store.ExecutionStepParams{ExecutionARN: e.executionARN})
				ids = append(ids, e.executionID)
			}
			steps[len(steps)-1].Events = append(steps[len(steps)-1].Events, e.event)
		}
		for _, p := range steps {
			if preEncoded {
				var err error
				if p.EncodedEvents, err = store.EncodeEvents(p.Events); err != nil {
					return nil, err
				}
			}
		}
		enc := encodeEvents(nil, steps)
		if err := enc.wait(); err != nil {
			return nil, err
		}
		var chunks []historyChunk
		for i, cs := range enc.chunks {
			for _, c := range cs {
				c.executionID = ids[i]
				chunks = append(chunks, c)
			}
		}
		return chunks, nil
	}
	span := func(from, to int64) []int64 {
		var ids []int64
		for id := from; id <= to; id++ {
			ids = append(ids, id)
		}
		return ids
	}
	big := strings.Repeat("x", 200<<10)
	for _, tc := range []struct {
		name   string
		events []pendingEvent
		want   string // execution:first-last of each chunk
		// wantPreEncoded, when set, is want for events the caller encoded: they are
		// copied by one goroutine, so no run is cut in the middle.
		wantPreEncoded string
	}{
		{"one run", pending(1, "", 2, 3, 4), "1:2-4", ""},
		{"a gap", pending(1, "", 2, 3, 5), "1:2-3 1:5-5", ""},
		{"ids going back", pending(1, "", 3, 2), "1:3-3 1:2-2", ""},
		{"two executions", append(pending(1, "", 2, 3), pending(2, "", 4, 5)...), "1:2-3 2:4-5", ""},
		{"more than maxChunkEvents", pending(1, "", span(1, 300)...), "1:1-128 1:129-256 1:257-300", ""},
		{"more than maxChunkBytes", pending(1, big, 1, 2, 3, 4), "1:1-2 1:3-4", ""},
		// Encoded by two goroutines, the run cut in the middle.
		{"a long run", pending(1, "", span(1, 600)...), "1:1-128 1:129-256 1:257-300 1:301-428 1:429-556 1:557-600",
			"1:1-128 1:129-256 1:257-384 1:385-512 1:513-600"},
		{"none", nil, "", ""},
	} {
		for _, preEncoded := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/pre-encoded=%v", tc.name, preEncoded), func(t *testing.T) {
				t.Parallel()
				chunks, err := encode(tc.events, preEncoded)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				next := 0
				for _, c := range chunks {
					got = append(got, fmt.Sprintf("%d:%d-%d", c.executionID, c.firstID, c.lastID))
					decoded, err := decodeChunk(c.body, c.bodyS2)
					if err != nil {
						t.Fatalf("chunk %d-%d: %v", c.firstID, c.lastID, err)
					}
					if (c.bodyS2 != nil) != (c.lastID-c.firstID >= 8 || tc.events[0].event.StateEnteredEventDetails != nil) {
						t.Errorf("chunk %d-%d: compressed %v", c.firstID, c.lastID, c.bodyS2 != nil)
					}
					for _, ev := range decoded {
						want, _ := json.Marshal(tc.events[next].event)
						if gotJSON, _ := json.Marshal(ev); string(gotJSON) != string(want) {
							t.Fatalf("event %d of the chunks = %s, want %s", next, gotJSON, want)
						}
						next++
					}
				}
				if next != len(tc.events) {
					t.Fatalf("chunks hold %d events, want %d", next, len(tc.events))
				}
				want := tc.want
				if preEncoded && tc.wantPreEncoded != "" {
					want = tc.wantPreEncoded
				}
				if strings.Join(got, " ") != want {
					t.Fatalf("chunks %q, want %q", strings.Join(got, " "), want)
				}
			})
		}
	}
}
