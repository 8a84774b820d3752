package engine

import (
	"context"
	"time"
)

// goroutines runs functions on goroutines that stay for the next function once theirs
// returns. A task runs on a goroutine of its own and then commits its result as a step
// (interpreting it, encoding the snapshot), work whose stack a new goroutine grows from a
// few KiB by copying it two or three times: ~12% of the engine's CPU in the durable
// benchmarks, about 5 µs per transition. A goroutine that ran a step before has the stack
// already (until a garbage collection shrinks an idle one).
type goroutines struct {
	ctx  context.Context // cancelled when the engine closes: idle goroutines exit
	work chan func()     // unbuffered: a send succeeds only while a goroutine is idle
}

// goroutineIdle is how long a goroutine waits for more work before it exits, so that a burst
// of tasks leaves no crowd of goroutines behind.
const goroutineIdle = 10 * time.Second

func newGoroutines(ctx context.Context) *goroutines {
	return &goroutines{ctx: ctx, work: make(chan func())}
}

// run runs f on an idle goroutine, or on a new one when none is idle.
func (g *goroutines) run(f func()) {
	select {
	case g.work <- f:
	default:
		go g.loop(f)
	}
}

func (g *goroutines) loop(f func()) {
	var idle *time.Timer
	for {
		f()
		if idle == nil {
			idle = time.NewTimer(goroutineIdle)
		} else {
			idle.Reset(goroutineIdle)
		}
		select {
		case f = <-g.work:
		case <-idle.C:
			return
		case <-g.ctx.Done():
			idle.Stop()
			return
		}
	}
}
