package engine

import (
	"container/heap"
	"context"
	"sync"
	"time"

	"github.com/stepflow/stepflow/interp"
	"github.com/stepflow/stepflow/store"
)

// timerLoop fires the timers of Standard executions. Timers armed by this process sit in a
// heap and the loop sleeps until the earliest; timers it does not know about (armed before a
// restart or by another node) are found by asking the store every TimerPollInterval. The
// timer row stays until the step that handles it is committed, so a crash in between fires
// it again.
type timerLoop struct {
	e      *Engine
	mu     sync.Mutex
	due    durableTimerHeap
	byKey  map[timerKey]*durableTimer
	byARN  map[string]map[string]*durableTimer // the same timers by execution, for disarmExecution
	firing map[timerKey]bool
	wake   chan struct{}
}

type timerKey struct{ arn, id string }

type durableTimer struct {
	key    timerKey
	fireAt time.Time
	index  int
}

func newTimerLoop(e *Engine) *timerLoop {
	return &timerLoop{e: e, byKey: map[timerKey]*durableTimer{}, byARN: map[string]map[string]*durableTimer{},
		firing: map[timerKey]bool{}, wake: make(chan struct{}, 1)}
}

// add puts a new timer in the heap and the indexes; the caller holds mu.
func (l *timerLoop) add(t *durableTimer) {
	l.byKey[t.key] = t
	ids := l.byARN[t.key.arn]
	if ids == nil {
		ids = map[string]*durableTimer{}
		l.byARN[t.key.arn] = ids
	}
	ids[t.key.id] = t
	heap.Push(&l.due, t)
}

// forget drops a timer from the indexes (not the heap); the caller holds mu.
func (l *timerLoop) forget(k timerKey) {
	delete(l.byKey, k)
	if ids := l.byARN[k.arn]; ids != nil {
		delete(ids, k.id)
		if len(ids) == 0 {
			delete(l.byARN, k.arn)
		}
	}
}

// timerHoldAhead is how far ahead a timer a step arms is held in memory. One due later is
// left to its row, which the poll arms within one TimerPollInterval of its time: a million
// executions waiting days then hold no memory for their timers.
const timerHoldAhead = time.Minute

func (l *timerLoop) arm(arn, id string, at time.Time) {
	k := timerKey{arn, id}
	if at.Sub(l.e.now()) > max(timerHoldAhead, 2*l.e.cfg.TimerPollInterval) {
		l.disarm(arn, id)
		return
	}
	l.mu.Lock()
	if t, ok := l.byKey[k]; ok {
		t.fireAt = at
		heap.Fix(&l.due, t.index)
	} else {
		l.add(&durableTimer{key: k, fireAt: at})
	}
	first := l.due[0].key == k
	l.mu.Unlock()
	if first {
		l.nudge()
	}
}

func (l *timerLoop) disarm(arn, id string) {
	k := timerKey{arn, id}
	l.mu.Lock()
	if t, ok := l.byKey[k]; ok {
		heap.Remove(&l.due, t.index)
		l.forget(k)
	}
	l.mu.Unlock()
}

func (l *timerLoop) disarmExecution(arn string) {
	l.mu.Lock()
	for _, t := range l.byARN[arn] {
		heap.Remove(&l.due, t.index)
		l.forget(t.key)
	}
	l.mu.Unlock()
}

func (l *timerLoop) nudge() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// WakeTimers makes the timer loop look at the clock now; tests that move Config.Now call it.
func (e *Engine) WakeTimers() { e.timers.nudge() }

func (l *timerLoop) run(ctx context.Context) {
	poll := l.e.cfg.TimerPollInterval
	nextPoll := time.Time{} // poll at once: recovery's due timers
	sleep := time.NewTimer(time.Hour)
	defer sleep.Stop()
	for {
		now := l.e.now()
		if !now.Before(nextPoll) {
			l.poll(ctx, now.Add(poll))
			nextPoll = now.Add(poll)
		}
		wait := nextPoll.Sub(now)
		l.mu.Lock()
		for l.due.Len() > 0 {
			t := l.due[0]
			if t.fireAt.After(now) {
				if d := t.fireAt.Sub(now); d < wait {
					wait = d
				}
				break
			}
			heap.Pop(&l.due)
			l.forget(t.key)
			l.firing[t.key] = true
			l.fire(ctx, t.key)
		}
		l.mu.Unlock()
		// Real time and Config.Now may differ (tests); never sleep longer than the poll.
		if wait > poll {
			wait = poll
		}
		if wait < 0 {
			wait = 0
		}
		sleep.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-l.wake:
		case <-sleep.C:
		}
	}
}

// poll arms the store's timers due before until that this process does not hold.
func (l *timerLoop) poll(ctx context.Context, until time.Time) {
	for {
		timers, err := l.e.cfg.Store.TimerListDue(ctx, &store.TimerListDueParams{Now: until, Limit: 1000})
		if err != nil {
			if ctx.Err() == nil {
				l.e.log.Warn("list due timers", "err", err)
			}
			return
		}
		added := 0
		l.mu.Lock()
		for _, t := range timers {
			k := timerKey{t.ExecutionARN, t.TimerID}
			if _, ok := l.byKey[k]; ok || l.firing[k] {
				continue
			}
			l.add(&durableTimer{key: k, fireAt: t.FireAt})
			added++
		}
		l.mu.Unlock()
		// A full page of timers already held means more may wait behind them; they will be
		// found as the held ones fire.
		if len(timers) < 1000 || added == 0 {
			return
		}
	}
}

// fire delivers TimerFired in its own goroutine; called with l.mu held.
func (l *timerLoop) fire(ctx context.Context, k timerKey) {
	e := l.e
	e.loops.Add(1)
	go func() {
		defer e.loops.Done()
		defer func() {
			l.mu.Lock()
			delete(l.firing, k)
			l.mu.Unlock()
		}()
		if err := e.enter(); err != nil {
			return
		}
		defer e.leave()
		_, err := e.deliver(ctx, k.arn, delivery{event: interp.TimerFired{TimerID: k.id}, timerDone: k.id})
		if err != nil && err != errExecutionEnded && ctx.Err() == nil {
			// The row stays; the next poll fires it again.
			e.log.Warn("fire timer", "execution", k.arn, "timer", k.id, "err", err)
		}
	}()
}

// durableTimerHeap orders timers by fire time.
type durableTimerHeap []*durableTimer

func (h durableTimerHeap) Len() int { return len(h) }
func (h durableTimerHeap) Less(i, j int) bool {
	if !h[i].fireAt.Equal(h[j].fireAt) {
		return h[i].fireAt.Before(h[j].fireAt)
	}
	if h[i].key.arn != h[j].key.arn {
		return h[i].key.arn < h[j].key.arn
	}
	return h[i].key.id < h[j].key.id
}
func (h durableTimerHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *durableTimerHeap) Push(x any) {
	t := x.(*durableTimer)
	t.index = len(*h)
	*h = append(*h, t)
}
func (h *durableTimerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	t.index = -1
	*h = old[:len(old)-1]
	return t
}
