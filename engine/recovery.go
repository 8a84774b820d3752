package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

// recover brings back what was running when the process stopped. Standard executions need
// little: every step committed its timers and dispatches with it, so the timer loop's first
// poll fires the due timers and the reaper's first pass re-runs the tasks nobody holds. Here
// each running Standard execution is loaded once, which also finishes recording the end of
// executions whose last step committed but whose status update did not; Express executions,
// which lived in memory only, are recorded as aborted.
//
// It runs beside the engine's work, after Start has returned: with a million executions
// waiting, loading each takes minutes, and nothing waits on it (an event for an execution
// loads it on the spot, as after an eviction). It reads one page at a time and evicts as it
// goes, so its memory stays that of a page and MaxLiveExecutions.
func (e *Engine) recover(ctx context.Context) {
	defer close(e.recovered)
	next := ""
	count := 0
	for {
		page, err := e.cfg.Store.ExecutionList(ctx, &store.ExecutionListParams{Status: sfn.StatusRunning,
			MaxResults: store.MaxPageSize, NextToken: next})
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			// The database may be away for a while: the page is read again.
			e.log.Warn("recover running executions: list them", "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
			continue
		}
		for _, rec := range page.Executions {
			if ctx.Err() != nil {
				return
			}
			e.recoverOne(ctx, rec)
		}
		count += len(page.Executions)
		e.evictIdle()
		// Keyset pages: an execution that ends meanwhile does not move the ones after it.
		if page.NextToken == "" {
			break
		}
		next = page.NextToken
	}
	e.log.Info("recovered running executions", "count", count)
}

// Recovered is closed once the recovery pass Start began has gone through every execution
// that was running (or the engine has closed). Nothing needs to wait for it: an execution
// that gets an event first is loaded on the spot. It tells operators and tests when the
// ends that a crash left unrecorded have been recorded.
func (e *Engine) Recovered() <-chan struct{} { return e.recovered }

func (e *Engine) recoverOne(ctx context.Context, rec *store.Execution) {
	if rec.Type == sfn.TypeExpress {
		e.mu.Lock()
		_, ours := e.express[rec.ARN]
		e.mu.Unlock()
		if ours || !rec.StartDate.Before(e.recoverFrom) || e.cfg.SharedStore {
			// One started since Start is this process's own run (live, or ended since the
			// page was read); on a shared store a running Express record may be another node's.
			return
		}
		now := e.now()
		lost := *rec
		lost.Status, lost.Error, lost.Cause, lost.StopDate = sfn.StatusAborted, "", expressStopCause, &now
		if err := e.updateRecord(ctx, &lost, rec.Version, nil); err != nil {
			e.log.Warn("record lost express execution", "execution", rec.ARN, "err", err)
		}
		return
	}
	lx, err := e.acquire(ctx, rec.ARN)
	if err != nil {
		e.log.Warn("recover execution", "execution", rec.ARN, "err", fmt.Errorf("%w", err))
		return
	}
	lx.mu.Unlock()
}
