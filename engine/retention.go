package engine

import (
	"context"
	"time"

	"github.com/stepflow/stepflow/store"
)

// retentionBatch is how many executions one delete call removes, so a sweep never holds the
// database for long: on SQLite a call holds the single writer, and steps wait for it.
const retentionBatch = 200

// sweepRetention deletes executions that ended more than Config.Retention ago, at start and
// then every RetentionSweepInterval.
func (e *Engine) sweepRetention(ctx context.Context) {
	ticker := time.NewTicker(e.cfg.RetentionSweepInterval)
	defer ticker.Stop()
	for {
		e.SweepRetention(ctx)
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// SweepRetention deletes the executions that ended before the retention period and returns
// how many it deleted.
func (e *Engine) SweepRetention(ctx context.Context) int {
	if e.cfg.Retention <= 0 {
		return 0
	}
	before := e.now().Add(-e.cfg.Retention)
	total := 0
	for ctx.Err() == nil {
		began := time.Now()
		n, err := e.cfg.Store.ExecutionDeleteFinishedBefore(ctx, &store.ExecutionDeleteFinishedBeforeParams{
			Before: before, Limit: retentionBatch})
		if err != nil {
			if ctx.Err() == nil {
				e.log.Warn("retention sweep", "err", err)
			}
			break
		}
		total += n
		if n < retentionBatch {
			break
		}
		// Rest three times as long as the batch took: the sweep takes at most a quarter of the
		// writer's time, and the steps queued behind a batch go first. Without the rest, 1,000-execution
		// batches back to back cut a durable workload from 3,066 to 87 starts/s (p99 33 ms
		// to 903 ms) while 250,000 executions were deleted (stepflow bench-store --retention).
		select {
		case <-ctx.Done():
		case <-time.After(3 * time.Since(began)):
		}
	}
	buckets := e.sweepPerformance(ctx, before)
	if total > 0 || buckets > 0 {
		e.log.Info("retention sweep", "deleted", total, "performance buckets", buckets)
	}
	return total
}

// sweepPerformance deletes the performance rollup buckets that ended before the retention
// period, as the executions they count are, and returns how many.
func (e *Engine) sweepPerformance(ctx context.Context, before time.Time) int {
	total := 0
	for ctx.Err() == nil {
		n, err := e.cfg.Store.PerformanceDeleteBefore(ctx, &store.PerformanceDeleteBeforeParams{Before: before, Limit: retentionBatch})
		if err != nil {
			if ctx.Err() == nil {
				e.log.Warn("retention sweep of performance rollups", "err", err)
			}
			break
		}
		total += n
		if n < retentionBatch {
			break
		}
	}
	return total
}
