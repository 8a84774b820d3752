package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

// History is stored in chunks: one row holds a run of events with consecutive ids
// (first_id..last_id) as a JSON array. A step's events become one row instead of one each, so
// a batch costs a few statements and B-tree inserts however many events its steps add; this
// is most of the cost of a durable step.

// maxChunkEvents and maxChunkBytes bound a chunk, so that reading a page of history decodes
// few events it does not return, and a history of large payloads is not built up as one
// growing buffer (copied again at every growth) nor stored as one huge row.
const (
	maxChunkEvents = 128
	maxChunkBytes  = 256 << 10
)

// historyChunk is a row of history_chunk being written.
type historyChunk struct {
	executionID     int64
	executionARN    string
	firstID, lastID int64
	body            string
}

// errDuplicateEvent says a chunk repeated an event id the execution has; the batch rolls back
// and findDuplicateEvent names the event.
var errDuplicateEvent = errors.New("duplicate history event")

// encodedEvents is the JSON of a batch's history events, encoded by goroutines of their own
// while the batch's first statements run: on a busy engine the single writer is the
// bottleneck, and encoding is a tenth of its work that need not wait for it. Events are
// numbered in batch order, the creates' then the steps'.
type encodedEvents struct {
	done       chan struct{}
	json       [][]byte
	createBase []int // number of the first event of each create
	stepBase   []int // number of the first event of each step
	err        error
}

// encodeEventsParallelMin is the number of events from which a batch is encoded by two
// goroutines: a long run of Pass states commits thousands of events in one step.
const encodeEventsParallelMin = 512

// encodeEvents starts encoding the events of creates and steps.
func encodeEvents(creates []*store.ExecutionCreateParams, steps []*store.ExecutionStepParams) *encodedEvents {
	enc := &encodedEvents{done: make(chan struct{}), createBase: make([]int, len(creates)), stepBase: make([]int, len(steps))}
	var events []*sfn.HistoryEvent
	var arns []string
	for i, p := range creates {
		enc.createBase[i] = len(events)
		events = append(events, p.Events...)
		for range p.Events {
			arns = append(arns, p.ARN)
		}
	}
	for i, p := range steps {
		enc.stepBase[i] = len(events)
		events = append(events, p.Events...)
		for range p.Events {
			arns = append(arns, p.ExecutionARN)
		}
	}
	enc.json = make([][]byte, len(events))
	encode := func(from, to int) error {
		buf := make([]byte, 0, 256*(to-from))
		for i := from; i < to; i++ {
			start := len(buf)
			var err error
			if buf, err = events[i].AppendJSON(buf); err != nil {
				return fmt.Errorf("execution %s: encode history event %d: %w", arns[i], events[i].ID, err)
			}
			enc.json[i] = buf[start:len(buf):len(buf)]
		}
		return nil
	}
	go func() {
		defer close(enc.done)
		if len(events) < encodeEventsParallelMin {
			enc.err = encode(0, len(events))
			return
		}
		half := len(events) / 2
		firstErr := make(chan error, 1)
		go func() { firstErr <- encode(0, half) }()
		enc.err = errors.Join(encode(half, len(events)), <-firstErr)
	}()
	return enc
}

// wait returns once the encoding is done.
func (enc *encodedEvents) wait() error {
	<-enc.done
	return enc.err
}

// of returns the JSON of event number n, or nil when enc has none.
func (enc *encodedEvents) of(n int) []byte {
	if enc == nil || n < 0 {
		return nil
	}
	return enc.json[n]
}

// chunkEvents groups events into chunks: runs of consecutive ids of one execution. The JSON
// of the events comes from enc when it has them.
func chunkEvents(events []pendingEvent, enc *encodedEvents) ([]historyChunk, error) {
	var (
		chunks []historyChunk
		body   []byte
		count  int
	)
	for i, e := range events {
		if i == 0 || e.executionID != events[i-1].executionID || e.event.ID != events[i-1].event.ID+1 ||
			count == maxChunkEvents || len(body) >= maxChunkBytes {
			if i > 0 {
				chunks[len(chunks)-1].body = string(append(body, ']'))
			}
			chunks = append(chunks, historyChunk{executionID: e.executionID, executionARN: e.executionARN, firstID: e.event.ID})
			body, count = append(body[:0], '['), 0
		} else {
			body = append(body, ',')
		}
		if encoded := enc.of(e.encoded); encoded != nil {
			body = append(body, encoded...)
		} else {
			var err error
			if body, err = e.event.AppendJSON(body); err != nil {
				return nil, fmt.Errorf("execution %s: encode history event %d: %w", e.executionARN, e.event.ID, err)
			}
		}
		chunks[len(chunks)-1].lastID = e.event.ID
		count++
	}
	if len(chunks) > 0 {
		chunks[len(chunks)-1].body = string(append(body, ']'))
	}
	return chunks, nil
}

// overlapping reports whether two chunks of one execution share an event id.
func overlapping(chunks []historyChunk) bool {
	sorted := make([]historyChunk, len(chunks))
	copy(sorted, chunks)
	sort.Slice(sorted, func(i, j int) bool {
		a, b := sorted[i], sorted[j]
		if a.executionID != b.executionID {
			return a.executionID < b.executionID
		}
		return a.firstID < b.firstID
	})
	for i := 1; i < len(sorted); i++ {
		if sorted[i].executionID == sorted[i-1].executionID && sorted[i].firstID <= sorted[i-1].lastID {
			return true
		}
	}
	return false
}

// insertEvents appends events to the history as chunks, idChunk rows per statement. Chunks
// of this batch are compared with each other here, and with the stored history by one query
// per statement before it (reading the index on last_id from each chunk's first id: for an
// append, no row). A plain INSERT of VALUES follows: an INSERT ... SELECT that probes its own
// table makes SQLite copy every row, bodies included, into a temporary table first.
func (s *Store) insertEvents(ctx context.Context, tx Tx, events []pendingEvent, enc *encodedEvents) error {
	if enc != nil {
		if err := enc.wait(); err != nil {
			return err
		}
	}
	chunks, err := chunkEvents(events, enc)
	if err != nil {
		return err
	}
	if overlapping(chunks) {
		return errDuplicateEvent
	}
	probe := "(" + s.dialect.Int64Param + ", " + s.dialect.Int64Param + ", " + s.dialect.Int64Param + ")"
	args := make([]any, 0, 4*min(len(chunks), idChunk))
	for len(chunks) > 0 {
		chunk := chunks[:min(len(chunks), idChunk)]
		chunks = chunks[len(chunk):]
		args = args[:0]
		for _, c := range chunk {
			args = append(args, c.executionID, c.firstID, c.lastID)
		}
		rows, err := s.query(ctx, tx, `SELECT 1 FROM (VALUES `+probe+strings.Repeat(", "+probe, len(chunk)-1)+`) AS v
			WHERE EXISTS (SELECT 1 FROM history_chunk h WHERE h.execution_id = v.column1
				AND h.last_id >= v.column2 AND h.first_id <= v.column3) LIMIT 1`, args...)
		taken, err := collect(rows, err, func(r Rows) (one int, err error) { return one, r.Scan(&one) })
		if err != nil {
			return fmt.Errorf("check history event ids: %w", err)
		}
		if len(taken) > 0 {
			return errDuplicateEvent
		}
		args = args[:0]
		for _, c := range chunk {
			args = append(args, c.executionID, c.firstID, c.lastID, c.body)
		}
		n, err := s.exec(ctx, tx, `INSERT INTO history_chunk (execution_id, first_id, last_id, body)
			VALUES `+placeholders(len(chunk), 4)+` ON CONFLICT (execution_id, last_id) DO NOTHING`, args...)
		if err != nil {
			return fmt.Errorf("insert history events: %w", err)
		}
		if n != int64(len(chunk)) {
			return errDuplicateEvent
		}
	}
	return nil
}

// findDuplicateEvent names the event of a rolled-back batch that repeated an id: one the
// batch holds twice or one the history had already.
func (s *Store) findDuplicateEvent(ctx context.Context, events []pendingEvent) error {
	type key struct{ execution, event int64 }
	seen := make(map[key]bool, len(events))
	for _, e := range events {
		k := key{e.executionID, e.event.ID}
		exists := seen[k]
		if !exists {
			var one int
			err := s.queryRow(ctx, s.db.Reader(), `SELECT 1 FROM history_chunk
				WHERE execution_id = ? AND last_id >= ? AND first_id <= ? LIMIT 1`,
				e.executionID, e.event.ID, e.event.ID).Scan(&one)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			exists = err == nil
		}
		if exists {
			return fmt.Errorf("execution %s: %w", e.executionARN,
				&store.AlreadyExistsError{Resource: store.ResourceHistoryEvent, Key: strconv.FormatInt(e.event.ID, 10)})
		}
		seen[k] = true
	}
	return errDuplicateEvent
}

// decodeChunk reads a chunk's events, in id order.
func decodeChunk(body string) ([]*sfn.HistoryEvent, error) {
	var events []*sfn.HistoryEvent
	if err := json.Unmarshal([]byte(body), &events); err != nil {
		return nil, fmt.Errorf("decode history events: %w", err)
	}
	return events, nil
}
