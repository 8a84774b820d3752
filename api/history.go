package api

import (
	"context"
	"encoding/json"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

type getExecutionHistoryInput struct {
	listInput
	ExecutionArn         *string `json:"executionArn"`
	ReverseOrder         bool    `json:"reverseOrder"`
	IncludeExecutionData *bool   `json:"includeExecutionData"`
}

// historyEventJSON is a history event with its timestamp as epoch seconds: the outer field
// hides the embedded event's RFC 3339 one.
type historyEventJSON struct {
	*sfn.HistoryEvent
	Timestamp json.Number `json:"timestamp"`
}

type getExecutionHistoryOutput struct {
	Events    []json.RawMessage `json:"events"`
	NextToken string            `json:"nextToken,omitempty"`
}

func (s *Server) getExecutionHistory(ctx context.Context, in *getExecutionHistoryInput) (*getExecutionHistoryOutput, error) {
	var v validationErrors
	in.check(&v)
	if err := checkExecutionARN(&v, in.ExecutionArn); err != nil {
		return nil, err
	}
	_, child, err := s.getExecutionOrChild(ctx, *in.ExecutionArn)
	if err != nil {
		return nil, err
	}
	list := s.store.HistoryEventList
	if child != nil {
		// A Distributed Map's child execution has a history of its own.
		list = s.store.ChildHistoryEventList
	}
	maxResults, token := in.page()
	res, err := list(ctx, &store.HistoryEventListParams{
		ExecutionARN: *in.ExecutionArn, ReverseOrder: in.ReverseOrder, MaxResults: maxResults, NextToken: token,
	})
	if err != nil {
		return nil, err
	}
	withData := ptrOr(in.IncludeExecutionData, true)
	out := &getExecutionHistoryOutput{Events: []json.RawMessage{}, NextToken: res.NextToken}
	for _, ev := range res.Events {
		data, err := encodeHistoryEvent(ev, withData)
		if err != nil {
			return nil, err
		}
		out.Events = append(out.Events, data)
	}
	return out, nil
}

// encodeHistoryEvent writes an event as GetExecutionHistory returns it; without execution
// data, the inputs and outputs of its details are left out as AWS leaves them out.
func encodeHistoryEvent(ev *sfn.HistoryEvent, withData bool) (json.RawMessage, error) {
	if !withData {
		ev = ev.WithoutExecutionData(false)
	}
	return json.Marshal(historyEventJSON{HistoryEvent: ev, Timestamp: epoch(ev.Timestamp)})
}
