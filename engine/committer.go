package engine

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stepflow/stepflow/store"
)

// committer is the single goroutine that writes steps. Steps that arrive while a transaction
// is being written wait and go together into the next one, so a busy engine pays one fsync
// for many steps and an idle one pays no delay.
type committer struct {
	store    store.Store
	max      int
	requests chan *commitRequest
	wg       sync.WaitGroup
	once     sync.Once

	batches atomic.Int64
	steps   atomic.Int64
	busy    atomic.Int64 // nanoseconds spent in the store
}

type commitRequest struct {
	params *store.ExecutionStepParams
	done   chan error
}

func newCommitter(s store.Store, max int) *committer {
	return &committer{store: s, max: max, requests: make(chan *commitRequest, max)}
}

func (c *committer) start() {
	c.wg.Add(1)
	go c.run()
}

// stop ends the goroutine once every step handed to it is written. Nobody may call commit
// afterwards (the engine's gate ensures it).
func (c *committer) stop() {
	c.once.Do(func() { close(c.requests) })
	c.wg.Wait()
}

// commit writes one step and returns its outcome: nil, a *store.ConflictError, a
// *store.NotFoundError or a database failure.
func (c *committer) commit(ctx context.Context, p *store.ExecutionStepParams) error {
	r := &commitRequest{params: p, done: make(chan error, 1)}
	c.requests <- r
	// The step is committed or not whatever ctx says; waiting for the answer keeps the
	// in-memory execution consistent with the store.
	return <-r.done
}

func (c *committer) run() {
	defer c.wg.Done()
	batch := make([]*commitRequest, 0, c.max)
	for r := range c.requests {
		batch = append(batch[:0], r)
	collect:
		for len(batch) < c.max {
			select {
			case r, ok := <-c.requests:
				if !ok {
					break collect
				}
				batch = append(batch, r)
			default:
				break collect
			}
		}
		c.write(batch)
	}
}

func (c *committer) write(batch []*commitRequest) {
	defer func(start time.Time) { c.busy.Add(int64(time.Since(start))) }(time.Now())
	c.batches.Add(1)
	c.steps.Add(int64(len(batch)))
	ctx := context.Background()
	if len(batch) == 1 {
		batch[0].done <- c.store.ExecutionStep(ctx, batch[0].params)
		return
	}
	steps := make([]*store.ExecutionStepParams, len(batch))
	for i, r := range batch {
		steps[i] = r.params
	}
	errs, err := c.store.ExecutionStepBatch(ctx, steps)
	if err != nil && !errors.Is(err, store.ErrClosed) {
		// One bad step must not fail its neighbours: write them one by one.
		for _, r := range batch {
			r.done <- c.store.ExecutionStep(ctx, r.params)
		}
		return
	}
	for i, r := range batch {
		if err != nil {
			r.done <- err
		} else {
			r.done <- errs[i]
		}
	}
}

// CommitStats reports how many store transactions wrote how many steps since New, and the
// time spent writing them.
func (e *Engine) CommitStats() (transactions, steps int64, busy time.Duration) {
	return e.commits.batches.Load(), e.commits.steps.Load(), time.Duration(e.commits.busy.Load())
}
