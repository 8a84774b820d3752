package engine

import (
	"context"
	"fmt"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

// recover brings back what was running when the process stopped. Standard executions need
// little: every step committed its timers and dispatches with it, so the timer loop's first
// poll fires the due timers and the reaper's first pass re-runs the tasks nobody holds. Here
// each running Standard execution is loaded once, which also finishes recording the end of
// executions whose last step committed but whose status update did not; Express executions,
// which lived in memory only, are recorded as aborted.
func (e *Engine) recover(ctx context.Context) error {
	next := ""
	var running []*store.Execution
	for {
		page, err := e.cfg.Store.ExecutionList(ctx, &store.ExecutionListParams{Status: sfn.StatusRunning,
			MaxResults: store.MaxPageSize, NextToken: next})
		if err != nil {
			return err
		}
		running = append(running, page.Executions...)
		if page.NextToken == "" {
			break
		}
		next = page.NextToken
	}
	for _, rec := range running {
		if rec.Type == sfn.TypeExpress {
			if e.stopExpress(rec.ARN) || e.cfg.SharedStore {
				// On a shared store a running Express record may be another node's live run.
				continue
			}
			now := e.now()
			lost := *rec
			lost.Status, lost.Error, lost.Cause, lost.StopDate = sfn.StatusAborted, "", expressStopCause, &now
			if err := e.updateRecord(ctx, &lost, rec.Version); err != nil {
				e.log.Warn("record lost express execution", "execution", rec.ARN, "err", err)
			}
			continue
		}
		lx, err := e.acquire(ctx, rec.ARN)
		if err != nil {
			e.log.Warn("recover execution", "execution", rec.ARN, "err", fmt.Errorf("%w", err))
			continue
		}
		lx.mu.Unlock()
	}
	e.evictIdle()
	e.log.Info("recovered running executions", "count", len(running))
	return nil
}
