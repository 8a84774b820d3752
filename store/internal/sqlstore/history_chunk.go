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

	"github.com/klauspost/compress/s2"

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
	body            string // the JSON array, or "" when bodyS2 holds it
	bodyS2          []byte // the JSON array compressed with S2, or nil
}

// A chunk's JSON is stored compressed (S2) when it is at least compressMinBytes long and
// compression saves a fifth of it or more: history JSON repeats its keys and payloads, and a
// run of Pass states' events shrink about tenfold, so a long step writes and syncs that much
// less. S2 compresses and decompresses at over a GB/s.
const compressMinBytes = 512

// setBody stores text (a chunk's JSON array) as the chunk's body, compressed when that pays.
func (c *historyChunk) setBody(text []byte) {
	if len(text) >= compressMinBytes {
		if z := s2.Encode(nil, text); len(z) <= len(text)-len(text)/5 {
			c.bodyS2 = z
			return
		}
	}
	c.body = string(text)
}

// errDuplicateEvent says a chunk repeated an event id the execution has; the batch rolls back
// and findDuplicateEvent names the event.
var errDuplicateEvent = errors.New("duplicate history event")

// encodedEvents is the history of a batch's starts and steps as chunk rows, encoded by
// goroutines of their own while the batch's first statements run: on a busy engine the
// single writer is the bottleneck, and encoding need not wait for it. chunks[n] holds the
// chunks of the batch's n-th start or step (starts first), their execution ids not yet set.
type encodedEvents struct {
	done   chan struct{}
	chunks [][]historyChunk
	err    error
}

// encodeEventsParallelMin is the number of events from which a batch is encoded by two
// goroutines: a long run of Pass states commits thousands of events in one step.
const encodeEventsParallelMin = 512

// encodePiece is a run of one start's or step's events that one goroutine encodes.
type encodePiece struct {
	source int // the start's or step's number in the batch
	arn    string
	events []*sfn.HistoryEvent
	// encoded, when not nil, holds the events' text already; such a piece is never cut.
	encoded *store.EncodedEvents
	chunks  []historyChunk
	err     error
}

// encodeEvents starts encoding the events of creates and steps.
func encodeEvents(creates []*store.ExecutionCreateParams, steps []*store.ExecutionStepParams) *encodedEvents {
	enc := &encodedEvents{done: make(chan struct{}), chunks: make([][]historyChunk, len(creates)+len(steps))}
	var pieces []*encodePiece
	total := 0
	add := func(source int, arn string, events []*sfn.HistoryEvent, encoded *store.EncodedEvents) {
		if encoded != nil && !encoded.Encodes(events) {
			encoded = nil // not the text of these events: encode them here
		}
		if len(events) > 0 {
			pieces = append(pieces, &encodePiece{source: source, arn: arn, events: events, encoded: encoded})
			if encoded == nil {
				total += len(events)
			}
		}
	}
	for i, p := range creates {
		add(i, p.ARN, p.Events, p.EncodedEvents)
	}
	for i, p := range steps {
		add(len(creates)+i, p.ExecutionARN, p.Events, p.EncodedEvents)
	}
	go func() {
		defer close(enc.done)
		first, second := pieces, []*encodePiece(nil)
		if total >= encodeEventsParallelMin {
			pieces, first, second = halve(pieces, total)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			encodePieces(second)
		}()
		encodePieces(first)
		<-done
		for _, p := range pieces {
			if p.err != nil {
				enc.err = p.err
				return
			}
			enc.chunks[p.source] = append(enc.chunks[p.source], p.chunks...)
		}
	}()
	return enc
}

// halve splits pieces into two runs of about total/2 events to encode each, cutting the
// piece that straddles the middle in two; all is every piece in batch order, the cut one's
// halves included. Pieces encoded already count for nothing.
func halve(pieces []*encodePiece, total int) (all, first, second []*encodePiece) {
	left := total / 2
	for i, p := range pieces {
		if p.encoded != nil || len(p.events) <= left {
			if p.encoded == nil {
				left -= len(p.events)
			}
			continue
		}
		if left == 0 {
			return pieces, pieces[:i], pieces[i:]
		}
		head := &encodePiece{source: p.source, arn: p.arn, events: p.events[:left]}
		tail := &encodePiece{source: p.source, arn: p.arn, events: p.events[left:]}
		all = append(append(append(make([]*encodePiece, 0, len(pieces)+1), pieces[:i]...), head, tail), pieces[i+1:]...)
		return all, all[:i+1], all[i+1:]
	}
	return pieces, pieces, nil
}

func encodePieces(pieces []*encodePiece) {
	var buf []byte
	for _, p := range pieces {
		p.chunks, buf, p.err = encodeChunks(p.arn, p.events, p.encoded, buf)
		if p.err != nil {
			return
		}
	}
}

// wait returns once the encoding is done.
func (enc *encodedEvents) wait() error {
	<-enc.done
	return enc.err
}

// encodeChunks groups one execution's events into chunks, runs of consecutive ids, each
// encoded as the JSON array GetExecutionHistory reads; with encoded, events[i]'s text is
// encoded.Event(i). buf is scratch space, returned for the next call: each chunk's body is
// one copy of it.
func encodeChunks(arn string, events []*sfn.HistoryEvent, encoded *store.EncodedEvents, buf []byte) ([]historyChunk, []byte, error) {
	var (
		chunks []historyChunk
		count  int
		err    error
	)
	for i, ev := range events {
		if i == 0 || ev.ID != events[i-1].ID+1 || count == maxChunkEvents || len(buf) >= maxChunkBytes {
			if i > 0 {
				buf = append(buf, ']')
				chunks[len(chunks)-1].setBody(buf)
			}
			chunks = append(chunks, historyChunk{executionARN: arn, firstID: ev.ID})
			buf, count = append(buf[:0], '['), 0
		} else {
			buf = append(buf, ',')
		}
		if encoded != nil {
			buf = append(buf, encoded.Event(i)...)
		} else if buf, err = ev.AppendJSON(buf); err != nil {
			return nil, buf, fmt.Errorf("execution %s: encode history event %d: %w", arn, ev.ID, err)
		}
		chunks[len(chunks)-1].lastID = ev.ID
		count++
	}
	if len(chunks) > 0 {
		buf = append(buf, ']')
		chunks[len(chunks)-1].setBody(buf)
	}
	return chunks, buf, nil
}

// acceptedHistory is the history of a start or step the batch accepted: its chunks are
// encodedEvents.chunks[source], for the execution with row id executionID.
type acceptedHistory struct {
	source      int
	executionID int64
	arn         string
	events      []*sfn.HistoryEvent
	// created says the execution's row was inserted by this transaction: it has no history
	// in the store yet (deleting an execution deletes its history with it), so its chunks
	// need no probe for event ids taken already.
	created bool
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

// queueEvents queues the appends of the accepted events to the history as chunks, idChunk
// rows per statement; their encoding must be done. Chunks of this batch are compared with
// each other here, and with the stored history by one query per statement before it
// (reading the index on last_id from each chunk's first id: for an append, no row). A plain
// INSERT of VALUES follows: an INSERT ... SELECT that probes its own table makes SQLite copy
// every row, bodies included, into a temporary table first. A repeated id fails the batch
// with errDuplicateEvent (returned at once when the batch repeats one itself).
func (s *Store) queueEvents(b statements, accepted []acceptedHistory, enc *encodedEvents) error {
	var chunks []historyChunk
	var fresh []bool // chunks[i] belongs to an execution this transaction created
	for _, a := range accepted {
		for _, c := range enc.chunks[a.source] {
			c.executionID = a.executionID
			chunks = append(chunks, c)
			fresh = append(fresh, a.created)
		}
	}
	if overlapping(chunks) {
		return errDuplicateEvent
	}
	if s.dialect.Arrays {
		if len(chunks) > 0 {
			s.queueEventsArrays(b, chunks, fresh)
		}
		return nil
	}
	probe := "(" + s.dialect.Int64Param + ", " + s.dialect.Int64Param + ", " + s.dialect.Int64Param + ")"
	for len(chunks) > 0 {
		chunk := chunks[:min(len(chunks), idChunk)]
		chunks = chunks[len(chunk):]
		chunkFresh := fresh[:len(chunk)]
		fresh = fresh[len(chunk):]
		args := make([]any, 0, 3*len(chunk))
		for i, c := range chunk {
			if !chunkFresh[i] {
				args = append(args, c.executionID, c.firstID, c.lastID)
			}
		}
		if probes := len(args) / 3; probes > 0 {
			b.query("check history event ids", `SELECT 1 FROM (VALUES `+probe+strings.Repeat(", "+probe, probes-1)+`) AS v
				WHERE EXISTS (SELECT 1 FROM history_chunk h WHERE h.execution_id = v.column1
					AND h.last_id >= v.column2 AND h.first_id <= v.column3) LIMIT 1`, args, func(rows Rows) error {
				if rows.Next() {
					return errDuplicateEvent
				}
				return nil
			})
		}
		args = make([]any, 0, 5*len(chunk))
		for _, c := range chunk {
			args = append(args, c.executionID, c.firstID, c.lastID, c.body, c.bodyS2)
		}
		b.exec("insert history events", `INSERT INTO history_chunk (execution_id, first_id, last_id, body, body_s2)
			VALUES `+placeholders(len(chunk), 5)+` ON CONFLICT (execution_id, last_id) DO NOTHING`, args, func(n int64) error {
			if n != int64(len(chunk)) {
				return errDuplicateEvent
			}
			return nil
		})
	}
	return nil
}

// findDuplicateEvent names the event of a rolled-back batch that repeated an id: one the
// batch holds twice or one the history had already.
func (s *Store) findDuplicateEvent(ctx context.Context, accepted []acceptedHistory) error {
	var events []pendingEvent
	for _, a := range accepted {
		for _, ev := range a.events {
			events = append(events, pendingEvent{executionID: a.executionID, executionARN: a.arn, event: ev})
		}
	}
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

// decodeChunk reads a chunk's events, in id order, from its body or its compressed body.
func decodeChunk(body string, bodyS2 []byte) ([]*sfn.HistoryEvent, error) {
	text := []byte(body)
	if bodyS2 != nil {
		var err error
		if text, err = s2.Decode(nil, bodyS2); err != nil {
			return nil, fmt.Errorf("decompress history events: %w", err)
		}
	}
	var events []*sfn.HistoryEvent
	if err := json.Unmarshal(text, &events); err != nil {
		return nil, fmt.Errorf("decode history events: %w", err)
	}
	return events, nil
}
