package api

import (
	"context"
	"net/http"
	"sync/atomic"
	"time"
)

// Server-wide load shedding for starts. A start holds memory and a goroutine until the store
// has its first step; a client that starts executions faster than the store commits them
// would, unchecked, pile them up without bound. A start is admitted while fewer than
// MaxStartsInFlight are being run, else it waits in a queue of at most MaxStartsQueued for up
// to StartQueueWait; a start that finds the queue full, or waits that long, is answered
// ThrottlingException, which the AWS SDKs retry with back-off. Per-caller rate limits are
// another matter (they belong to the caller's key); this bounds the server as a whole.

// DefaultMaxStartsInFlight is how many StartExecution calls (and, apart, how many
// StartSyncExecution calls) run at once: a committer batch of starts (512) and as many
// being prepared.
const DefaultMaxStartsInFlight = 1024

// DefaultMaxStartsQueued is how many starts wait for a place among those in flight.
const DefaultMaxStartsQueued = 4096

// DefaultStartQueueWait is how long a start waits in the queue before it is throttled.
const DefaultStartQueueWait = time.Second

// admission bounds the calls of one kind being run at once and those waiting to run.
type admission struct {
	slots    chan struct{}
	maxQueue int64
	wait     time.Duration

	queued     atomic.Int64
	peakQueued atomic.Int64
	throttled  atomic.Int64
}

func newAdmission(inFlight, queued int, wait time.Duration) *admission {
	return &admission{slots: make(chan struct{}, inFlight), maxQueue: int64(queued), wait: wait}
}

// errThrottled is AWS's answer to a call over a rate or concurrency limit.
func errThrottled() *Error {
	return &Error{Code: codeThrottling, Message: "Rate exceeded", Status: http.StatusBadRequest}
}

// admit returns once the call may run, with the function that ends its turn, or a
// ThrottlingException. A caller that goes away while queued is answered the same (nobody
// reads it; a context error would be logged as a server failure) without being counted.
func (a *admission) admit(ctx context.Context) (done func(), err error) {
	select {
	case a.slots <- struct{}{}:
		return a.leave, nil
	default:
	}
	n := a.queued.Add(1)
	defer a.queued.Add(-1)
	if n > a.maxQueue {
		a.throttled.Add(1)
		return nil, errThrottled()
	}
	for peak := a.peakQueued.Load(); n > peak && !a.peakQueued.CompareAndSwap(peak, n); peak = a.peakQueued.Load() {
	}
	timer := time.NewTimer(a.wait)
	defer timer.Stop()
	select {
	case a.slots <- struct{}{}:
		return a.leave, nil
	case <-timer.C:
		a.throttled.Add(1)
		return nil, errThrottled()
	case <-ctx.Done():
		return nil, errThrottled()
	}
}

func (a *admission) leave() { <-a.slots }

// AdmissionStats describes the starts of one kind as the server admits them.
type AdmissionStats struct {
	// InFlight is how many run now; Queued how many wait; PeakQueued the most that ever
	// waited at once; Throttled how many were answered ThrottlingException.
	InFlight, Queued, PeakQueued, Throttled int64
}

func (a *admission) stats() AdmissionStats {
	return AdmissionStats{InFlight: int64(len(a.slots)), Queued: a.queued.Load(), PeakQueued: a.peakQueued.Load(),
		Throttled: a.throttled.Load()}
}

// StartAdmission reports the admission of StartExecution and of StartSyncExecution calls.
func (s *Server) StartAdmission() (starts, syncStarts AdmissionStats) {
	return s.starts.stats(), s.syncStarts.stats()
}
