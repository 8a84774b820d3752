package store

import "github.com/stepflow/stepflow/sfn"

// EncodedEvents is the JSON text of a start's or step's history events, each as
// GetExecutionHistory returns it (sfn.HistoryEvent.AppendJSON). A caller that has many
// goroutines encodes the events with EncodeEvents before handing the step to a store whose
// writes go through one writer (SQLite), so that writer only copies the text.
type EncodedEvents struct {
	json []byte
	ends []int // ends[i] is where event i's text ends in json
	// rest, when not nil, holds the events after these (a long run encoded in two halves),
	// so the halves need not be copied into one buffer.
	rest *EncodedEvents
	// from, when set on the first part, is the slice of events encoded, for Encodes.
	from []*sfn.HistoryEvent
}

// Encodes reports whether e holds the text of exactly these events (the same slice of the
// same events that EncodeEvents was given), so a store can trust it instead of encoding.
func (e *EncodedEvents) Encodes(events []*sfn.HistoryEvent) bool {
	if e == nil || len(e.from) != len(events) || e.Len() != len(events) {
		return false
	}
	return len(events) == 0 || (&e.from[0] == &events[0] && e.from[0] == events[0])
}

// EncodeEvents encodes events in order. A long run (hundreds of Pass states in one step) is
// encoded in two halves at once.
func EncodeEvents(events []*sfn.HistoryEvent) (*EncodedEvents, error) {
	enc, err := encodeEvents(events)
	if err != nil {
		return nil, err
	}
	enc.from = events
	return enc, nil
}

func encodeEvents(events []*sfn.HistoryEvent) (*EncodedEvents, error) {
	if len(events) < encodeInHalvesMin {
		return encodeRun(events)
	}
	half := len(events) / 2
	var (
		second    *EncodedEvents
		secondErr error
		done      = make(chan struct{})
	)
	go func() {
		defer close(done)
		second, secondErr = encodeRun(events[half:])
	}()
	first, err := encodeRun(events[:half])
	<-done
	if err == nil {
		err = secondErr
	}
	if err != nil {
		return nil, err
	}
	first.rest = second
	return first, nil
}

// encodeInHalvesMin is the number of events from which EncodeEvents uses two goroutines.
const encodeInHalvesMin = 512

func encodeRun(events []*sfn.HistoryEvent) (*EncodedEvents, error) {
	// About what an event without a large payload takes, so most steps allocate once.
	enc := &EncodedEvents{ends: make([]int, len(events))}
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

// Len is the number of events.
func (e *EncodedEvents) Len() int {
	if e.rest != nil {
		return len(e.ends) + e.rest.Len()
	}
	return len(e.ends)
}

// Event is the JSON text of event i.
func (e *EncodedEvents) Event(i int) []byte {
	if i >= len(e.ends) {
		return e.rest.Event(i - len(e.ends))
	}
	start := 0
	if i > 0 {
		start = e.ends[i-1]
	}
	return e.json[start:e.ends[i]]
}
