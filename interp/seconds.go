package interp

import (
	"math"
	"time"
)

// maxDelay bounds timers: time.Duration overflows past ~292 years, and a wrapped delay would
// make a Wait of 10^10 seconds end at once. No execution lives that long anyway.
const maxDelay = time.Duration(math.MaxInt64)

// afterSeconds is t plus secs whole seconds, saturating instead of overflowing.
func afterSeconds[N int64 | float64](t time.Time, secs N) time.Time {
	switch {
	case secs <= 0:
		return t
	case float64(secs) >= float64(maxDelay/time.Second):
		return t.Add(maxDelay)
	}
	return t.Add(time.Duration(int64(secs)) * time.Second)
}
