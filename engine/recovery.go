package engine

import (
	"context"
	"time"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

// recover brings back what was running when the process stopped. Standard executions need
// nothing: every step committed its timers and dispatches with it, so the timer loop's first
// poll fires the due timers and the reaper's first pass re-runs the tasks nobody holds, and an
// execution is loaded when its first event comes. Every end is committed with the step that
// ends it, so no execution can be RUNNING with an ended snapshot, except those a store held
// running when it was upgraded from before schema 12 (the store lists them: they are loaded
// here once, which records such an end). Express executions, which lived in memory only, are
// recorded as aborted.
//
// It runs beside the engine's work, after Start has returned, and nothing waits on it: its cost
// is that of the running Express records (and, once after an upgrade, the listed Standard
// ones), not of every open execution.
func (e *Engine) recover(ctx context.Context) {
	defer close(e.recovered)
	count := e.recoverUpgraded(ctx)
	if !e.cfg.SharedStore {
		// On a shared store a running Express record may be another node's: none is touched.
		count += e.recoverExpress(ctx)
	}
	e.log.Info("recovered running executions", "count", count)
}

// retryStore waits a second after a store error, unless ctx ends first (false).
func (e *Engine) retryStore(ctx context.Context, what string, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	// The database may be away for a while: the read is made again.
	e.log.Warn("recover running executions: "+what, "err", err)
	select {
	case <-ctx.Done():
		return false
	case <-time.After(time.Second):
		return true
	}
}

// recoverExpress records the running Express executions of an earlier life as aborted.
func (e *Engine) recoverExpress(ctx context.Context) int {
	next, count := "", 0
	for {
		page, err := e.cfg.Store.ExecutionList(ctx, &store.ExecutionListParams{Status: sfn.StatusRunning,
			Type: sfn.TypeExpress, MaxResults: store.MaxPageSize, NextToken: next})
		if err != nil {
			if !e.retryStore(ctx, "list Express ones", err) {
				return count
			}
			continue
		}
		for _, rec := range page.Executions {
			if ctx.Err() != nil {
				return count
			}
			e.recoverExpressOne(ctx, rec)
		}
		count += len(page.Executions)
		// Keyset pages: an execution that ends meanwhile does not move the ones after it.
		if page.NextToken == "" {
			return count
		}
		next = page.NextToken
	}
}

// recoverUpgraded loads once each Standard execution the store listed when it was upgraded
// to schema 12 (load records an end that only its snapshot holds), then strikes it off. One
// that cannot be loaded stays listed, to be tried again at the next start, and the pass goes
// on with the others.
func (e *Engine) recoverUpgraded(ctx context.Context) int {
	count, after := 0, ""
	for {
		arns, err := e.cfg.Store.RecoveryCheckList(ctx, after, store.MaxRecoveryChecks)
		if err != nil {
			if !e.retryStore(ctx, "list those to check after an upgrade", err) {
				return count
			}
			continue
		}
		if len(arns) == 0 {
			return count
		}
		after = arns[len(arns)-1]
		checked := arns[:0:0]
		for _, arn := range arns {
			if ctx.Err() != nil {
				return count
			}
			lx, err := e.acquire(ctx, arn)
			if err != nil {
				if !isNotFound(err) { // else removed by retention since
					e.log.Warn("recover execution: it stays listed for the next start", "execution", arn, "err", err)
					continue
				}
			} else {
				lx.mu.Unlock()
			}
			checked = append(checked, arn)
		}
		if err := e.cfg.Store.RecoveryCheckDelete(ctx, checked); err != nil {
			e.log.Warn("recover running executions: strike off the checked ones", "err", err)
		}
		count += len(checked)
		e.evictIdle()
	}
}

// Recovered is closed once the recovery pass Start began has gone through every execution
// that was running (or the engine has closed). Nothing needs to wait for it: an execution
// that gets an event first is loaded on the spot. It tells operators and tests when the
// ends that a crash left unrecorded have been recorded.
func (e *Engine) Recovered() <-chan struct{} { return e.recovered }

func (e *Engine) recoverExpressOne(ctx context.Context, rec *store.Execution) {
	e.mu.Lock()
	_, ours := e.express[rec.ARN]
	e.mu.Unlock()
	if ours || !rec.StartDate.Before(e.recoverFrom) {
		// One started since Start is this process's own run (live, or ended since the page
		// was read).
		return
	}
	now := e.now()
	lost := *rec
	lost.Status, lost.Error, lost.Cause, lost.StopDate = sfn.StatusAborted, "", expressStopCause, &now
	if err := e.updateRecord(ctx, &lost, rec.Version, nil); err != nil {
		e.log.Warn("record lost express execution", "execution", rec.ARN, "err", err)
	}
}
