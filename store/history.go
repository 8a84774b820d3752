package store

import "github.com/stepflow/stepflow/sfn"

// HistoryEventListParams pages through an execution's history by event id.
type HistoryEventListParams struct {
	ExecutionARN string
	ReverseOrder bool
	MaxResults   int
	NextToken    string
}

// HistoryEventListResult is one page; NextToken is "" on the last.
type HistoryEventListResult struct {
	Events    []*sfn.HistoryEvent
	NextToken string
}
