package engine

import (
	"context"
	"fmt"

	"github.com/stepflow/stepflow/store"
)

// AwaitExecution waits until the execution has ended (or ctx ends) and returns its record.
// It is how `stepflow bench-durable`, tests and callers that need a result wait without
// polling the store.
func (e *Engine) AwaitExecution(ctx context.Context, arn string) (*store.Execution, error) {
	ch := make(chan struct{})
	e.mu.Lock()
	if e.awaiting == nil {
		e.awaiting = map[string][]chan struct{}{}
	}
	e.awaiting[arn] = append(e.awaiting[arn], ch)
	e.mu.Unlock()
	defer func() { e.stopAwaiting(arn, ch) }() // the channel waited on last, not the first one
	for {
		rec, err := e.cfg.Store.ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: arn})
		if err != nil {
			return nil, fmt.Errorf("await execution: %w", err)
		}
		if rec.Status.Terminal() {
			return rec, nil
		}
		select {
		case <-ctx.Done():
			return rec, ctx.Err()
		case <-ch:
			ch = make(chan struct{}) // signalled; re-read (the record is written by now)
			e.mu.Lock()
			e.awaiting[arn] = append(e.awaiting[arn], ch)
			e.mu.Unlock()
		}
	}
}

func (e *Engine) stopAwaiting(arn string, ch chan struct{}) {
	e.mu.Lock()
	defer e.mu.Unlock()
	list := e.awaiting[arn]
	for i, c := range list {
		if c == ch {
			list = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(e.awaiting, arn)
	} else {
		e.awaiting[arn] = list
	}
}

// signalEnded wakes AwaitExecution callers of arn.
func (e *Engine) signalEnded(arn string) {
	e.mu.Lock()
	list := e.awaiting[arn]
	delete(e.awaiting, arn)
	e.mu.Unlock()
	for _, ch := range list {
		close(ch)
	}
}
