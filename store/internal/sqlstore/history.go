package sqlstore

import (
	"context"
	"strconv"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

// HistoryEventList implements store.Store.
func (s *Store) HistoryEventList(ctx context.Context, p *store.HistoryEventListParams) (*store.HistoryEventListResult, error) {
	op := "list history of execution " + p.ExecutionARN
	if err := s.checkOpen(op); err != nil {
		return nil, err
	}
	return s.listHistory(ctx, op, p, "history", `SELECT h.body, h.body_s2 FROM history_chunk h
		WHERE h.execution_id = (SELECT e.id FROM execution e WHERE e.arn = ?) AND h.last_id > ? ORDER BY h.last_id LIMIT ?`,
		`SELECT h.body, h.body_s2 FROM history_chunk h
			WHERE h.execution_id = (SELECT e.id FROM execution e WHERE e.arn = ?) AND h.first_id < ? ORDER BY h.last_id DESC LIMIT ?`,
		func() error {
			// An execution always has ExecutionStarted, so no events means no execution.
			_, err := s.ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: p.ExecutionARN})
			return err
		})
}

// listHistory lists a page of a history stored in chunks of events, of an execution or of a
// Distributed Map child: forward and reverse select the (body, body_s2) of the chunks whose
// events are after (before) an event ID, by ARN, ID and limit; listing names the page tokens.
// exists reports the error of a first page with no events (no events means no execution).
func (s *Store) listHistory(ctx context.Context, op string, p *store.HistoryEventListParams, listing, forward, reverse string,
	exists func() error) (*store.HistoryEventListResult, error) {
	// Each chunk that the query returns holds at least one event of the page, so size+1 chunks
	// are enough; events of a chunk outside the page are skipped.
	query := forward
	var from int64
	if p.ReverseOrder {
		listing, query = listing+"-reverse", reverse
		from = 1 << 62
	}
	if p.NextToken != "" {
		key, err := decodePageToken(p.NextToken, listing, 2)
		if err != nil || key[0] != p.ExecutionARN {
			return nil, s.fail(op, store.ErrInvalidPageToken)
		}
		if from, err = strconv.ParseInt(key[1], 10, 64); err != nil {
			return nil, s.fail(op, store.ErrInvalidPageToken)
		}
	}
	size := store.PageSize(p.MaxResults)
	rows, err := s.query(ctx, s.db.Reader(), query, p.ExecutionARN, from, size+1)
	type stored struct {
		body   string
		bodyS2 []byte
	}
	chunks, err := collect(rows, err, func(r Rows) (stored, error) {
		var c stored
		err := r.Scan(&c.body, &c.bodyS2)
		return c, err
	})
	if err != nil {
		return nil, s.fail(op, err)
	}
	var events []*sfn.HistoryEvent
	for _, c := range chunks {
		if len(events) > size {
			break // the page is full: a long history is not decoded whole for every page
		}
		chunk, err := decodeChunk(c.body, c.bodyS2)
		if err != nil {
			return nil, s.fail(op, err)
		}
		if p.ReverseOrder {
			for i := len(chunk) - 1; i >= 0 && len(events) <= size; i-- {
				if chunk[i].ID < from {
					events = append(events, chunk[i])
				}
			}
			continue
		}
		for _, ev := range chunk {
			if ev.ID > from && len(events) <= size {
				events = append(events, ev)
			}
		}
	}
	if len(events) == 0 && p.NextToken == "" {
		if err := exists(); err != nil {
			return nil, err
		}
	}
	res := &store.HistoryEventListResult{Events: events}
	if len(events) > size {
		res.Events = events[:size]
		res.NextToken = encodePageToken(listing, p.ExecutionARN, strconv.FormatInt(events[size-1].ID, 10))
	}
	return res, nil
}
