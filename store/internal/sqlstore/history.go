package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
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
	listing, query := "history", `SELECT h.body FROM history_event h
		WHERE h.execution_id = (SELECT e.id FROM execution e WHERE e.arn = ?) AND h.id > ? ORDER BY h.id LIMIT ?`
	var from int64
	if p.ReverseOrder {
		listing, query = "history-reverse", `SELECT h.body FROM history_event h
			WHERE h.execution_id = (SELECT e.id FROM execution e WHERE e.arn = ?) AND h.id < ? ORDER BY h.id DESC LIMIT ?`
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
	events, err := collect(rows, err, func(r Rows) (*sfn.HistoryEvent, error) {
		var body string
		if err := r.Scan(&body); err != nil {
			return nil, err
		}
		var ev sfn.HistoryEvent
		if err := json.Unmarshal([]byte(body), &ev); err != nil {
			return nil, fmt.Errorf("decode history event: %w", err)
		}
		return &ev, nil
	})
	if err != nil {
		return nil, s.fail(op, err)
	}
	if len(events) == 0 && p.NextToken == "" {
		// An execution always has ExecutionStarted, so no events means no execution.
		if _, err := s.ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: p.ExecutionARN}); err != nil {
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
