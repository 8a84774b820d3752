package store

import "github.com/stepflow/stepflow/sfn"

// EncodedEvents is the JSON text of a start's or step's history events, each as
// GetExecutionHistory returns it (sfn.HistoryEvent.AppendJSON). A caller that has many
// goroutines encodes the events with EncodeEvents before handing the step to a store whose
// writes go through one writer (SQLite), so that writer only copies the text.
type EncodedEvents struct {
	json []byte
	ends []int               // ends[i] is where event i's text ends in json
	from []*sfn.HistoryEvent // the slice of events encoded, for Encodes
}

// EncodeEvents encodes events in order.
func EncodeEvents(events []*sfn.HistoryEvent) (*EncodedEvents, error) {
	// About what an event without a large payload takes, so most steps allocate once.
	enc := &EncodedEvents{ends: make([]int, len(events)), from: events}
	w := sfn.NewEventEncoder(make([]byte, 0, 256*len(events)))
	for i, ev := range events {
		if err := w.Append(ev); err != nil {
			return nil, err
		}
		enc.ends[i] = len(w.Bytes())
	}
	enc.json = w.Bytes()
	return enc, nil
}

// Encodes reports whether e holds the text of exactly these events (the same slice of the
// same events that EncodeEvents was given), so a store can trust it instead of encoding.
func (e *EncodedEvents) Encodes(events []*sfn.HistoryEvent) bool {
	if e == nil || len(e.from) != len(events) {
		return false
	}
	return len(events) == 0 || (&e.from[0] == &events[0] && e.from[0] == events[0])
}

// Len is the number of events.
func (e *EncodedEvents) Len() int { return len(e.ends) }

// Event is the JSON text of event i.
func (e *EncodedEvents) Event(i int) []byte {
	start := 0
	if i > 0 {
		start = e.ends[i-1]
	}
	return e.json[start:e.ends[i]]
}
