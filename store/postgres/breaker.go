package postgres

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/stepflow/stepflow/store"
)

// breaker answers at once while the database is known to be unreachable, instead of having
// every call wait for a connection attempt of its own. Against a host that drops packets each
// attempt takes the connect timeout, and the pool has only a few connections: calls queued
// behind the attempts of the background loops and of task results waiting to commit took
// longer than the clients' patience. While the database is down one call at a time, the
// probe, tries it; the others fail with the probe's last error. The first call that reaches
// the database again closes the breaker, so recovery is noticed by the next call of any loop
// (the timer loop polls every second).
type breaker struct {
	mu      sync.Mutex
	down    error // the last *store.UnavailableError; nil while the database answers
	probing bool
	probed  time.Time // when the probe began
}

// probeTimeout is when a probe that never reported back (a row never scanned) is given up on.
const probeTimeout = 30 * time.Second

// admit says whether a call may go to the database (and whether it is the probe), or the
// error to fail it with at once.
func (b *breaker) admit() (probe bool, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.down == nil:
		return false, nil
	case b.probing && time.Since(b.probed) < probeTimeout:
		return false, &store.UnavailableError{Reason: store.ReasonUnreachable,
			Err: fmt.Errorf("not tried while another attempt to reach the database is under way; last error: %w", b.down)}
	}
	b.probing, b.probed = true, time.Now()
	return true, nil
}

// done records the outcome of an admitted call.
func (b *breaker) done(probe bool, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if probe {
		b.probing = false
	}
	if errors.Is(err, store.ErrUnavailable) {
		b.down = err
	} else {
		b.down = nil
	}
}
