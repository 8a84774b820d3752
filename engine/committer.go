package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stepflow/stepflow/store"
)

// committer is the goroutine (or the few, for a database with concurrent writers) that writes
// steps. Steps that arrive while a transaction
// is being written wait and go together into the next one, so a busy engine pays one fsync
// for many steps and an idle one pays no delay.
type committer struct {
	store    store.Store
	max      int
	workers  int // goroutines writing at once: 1 for SQLite's single writer, more for PostgreSQL
	requests chan *commitRequest
	wg       sync.WaitGroup
	once     sync.Once

	// With a store that commits before syncing, the writers hand each written batch to the
	// syncer, which answers its requests once a sync covers it: the disk syncs one batch
	// while the next is written, and one sync may cover several batches.
	unsynced UnsyncedCommitBatcher
	synced   chan func(syncErr error)
	syncerWG sync.WaitGroup

	batches atomic.Int64
	steps   atomic.Int64
	busy    atomic.Int64 // nanoseconds spent in the store
}

type commitRequest struct {
	params *store.ExecutionStepParams
	create *store.ExecutionCreateParams // instead of params: a start, for a store that batches them
	done   chan error
	// created is the new execution of a create request, set before done is signalled.
	created *store.Execution
}

// ExecutionCommitBatcher is implemented by stores that can create executions and commit
// steps of other executions in one transaction (one fsync): createErrs[i] is the outcome of
// creates[i] (nil, or an *store.AlreadyExistsError that wrote nothing) and stepErrs[i] that of
// steps[i], as ExecutionStepBatch reports them; a non-nil err means nothing was written. With
// such a store the committer batches starts with steps; without, each start is its own
// transaction.
type ExecutionCommitBatcher interface {
	ExecutionCommitBatch(ctx context.Context, creates []*store.ExecutionCreateParams, steps []*store.ExecutionStepParams) (created []*store.Execution, createErrs, stepErrs []error, err error)
}

// UnsyncedCommitBatcher is implemented by stores whose batch commit can return before the
// disk has the data (store/sqlite): ExecutionCommitBatchUnsynced is ExecutionCommitBatch
// whose changes are durable only once SyncCommits returns.
type UnsyncedCommitBatcher interface {
	ExecutionCommitBatcher
	ExecutionCommitBatchUnsynced(ctx context.Context, creates []*store.ExecutionCreateParams, steps []*store.ExecutionStepParams) (created []*store.Execution, createErrs, stepErrs []error, err error)
	SyncCommits(ctx context.Context) error
}

func newCommitter(s store.Store, max, workers int) *committer {
	c := &committer{store: s, max: max, workers: workers, requests: make(chan *commitRequest, max)}
	if u, ok := s.(UnsyncedCommitBatcher); ok {
		c.unsynced = u
		c.synced = make(chan func(error), 2*workers)
	}
	return c
}

func (c *committer) start() {
	for range c.workers {
		c.wg.Add(1)
		go c.run()
	}
	if c.unsynced != nil {
		c.syncerWG.Add(1)
		go c.sync()
	}
}

// stop ends the goroutines once every step handed to them is written and synced. Nobody may
// call commit afterwards (the engine's gate ensures it).
func (c *committer) stop() {
	c.once.Do(func() { close(c.requests) })
	c.wg.Wait()
	if c.unsynced != nil {
		close(c.synced)
		c.syncerWG.Wait()
	}
}

// sync answers written batches once a sync covers them, taking every batch written while
// the previous sync ran under the next one.
func (c *committer) sync() {
	defer c.syncerWG.Done()
	answers := make([]func(error), 0, 2*c.workers)
	for answer := range c.synced {
		answers = append(answers[:0], answer)
	drain:
		for {
			select {
			case a, ok := <-c.synced:
				if !ok {
					break drain
				}
				answers = append(answers, a)
			default:
				break drain
			}
		}
		err := c.unsynced.SyncCommits(context.Background())
		for _, a := range answers {
			a(err)
		}
	}
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

// create inserts a new execution with its first step, batched with other starts when the
// store can.
func (c *committer) create(ctx context.Context, p *store.ExecutionCreateParams) (*store.Execution, error) {
	if _, ok := c.store.(ExecutionCommitBatcher); !ok {
		return c.store.ExecutionCreate(ctx, p)
	}
	r := &commitRequest{create: p, done: make(chan error, 1)}
	c.requests <- r
	err := <-r.done
	return r.created, err
}

// write commits a batch of starts and steps: in one transaction when the store can, else the
// steps in one (starts never reach the committer then).
func (c *committer) write(batch []*commitRequest) {
	defer func(start time.Time) { c.busy.Add(int64(time.Since(start))) }(time.Now())
	c.batches.Add(1)
	c.steps.Add(int64(len(batch)))
	ctx := context.Background()
	var creates, steps []*commitRequest
	for _, r := range batch {
		if r.create != nil {
			creates = append(creates, r)
		} else {
			steps = append(steps, r)
		}
	}
	createParams := make([]*store.ExecutionCreateParams, len(creates))
	for i, r := range creates {
		createParams[i] = r.create
	}
	stepParams := make([]*store.ExecutionStepParams, len(steps))
	for i, r := range steps {
		stepParams[i] = r.params
	}
	var (
		created              []*store.Execution
		createErrs, stepErrs []error
		err                  error
	)
	switch batcher := c.store.(type) {
	case UnsyncedCommitBatcher:
		created, createErrs, stepErrs, err = batcher.ExecutionCommitBatchUnsynced(ctx, createParams, stepParams)
	case ExecutionCommitBatcher:
		created, createErrs, stepErrs, err = batcher.ExecutionCommitBatch(ctx, createParams, stepParams)
	default:
		stepErrs, err = c.store.ExecutionStepBatch(ctx, stepParams)
	}
	if err != nil && !errors.Is(err, store.ErrClosed) && !errors.Is(err, store.ErrUnavailable) && len(batch) > 1 {
		// One bad start or step must not fail its neighbours: write them one by one. Not
		// when the database is unavailable: that fails them all alike, and writing a batch
		// of 512 one by one against a database that takes seconds to refuse each would hold
		// every other step for minutes.
		for _, r := range creates {
			r.created, err = c.store.ExecutionCreate(ctx, r.create)
			r.done <- err
		}
		for _, r := range steps {
			r.done <- c.store.ExecutionStep(ctx, r.params)
		}
		return
	}
	answer := func(syncErr error) {
		if err == nil && syncErr != nil {
			// Written but perhaps not on disk: the engine reloads what the store holds.
			err = fmt.Errorf("sync commits: %w", syncErr)
		}
		for i, r := range creates {
			if err != nil {
				r.done <- err
				continue
			}
			r.created = created[i]
			r.done <- createErrs[i]
		}
		for i, r := range steps {
			if err != nil {
				r.done <- err
			} else {
				r.done <- stepErrs[i]
			}
		}
	}
	if c.unsynced != nil && err == nil {
		c.synced <- answer
		return
	}
	answer(nil)
}

// CommitStats reports how many store transactions wrote how many steps since New, and the
// time spent writing them.
func (e *Engine) CommitStats() (transactions, steps int64, busy time.Duration) {
	return e.commits.batches.Load(), e.commits.steps.Load(), time.Duration(e.commits.busy.Load())
}
