package store

import "time"

// Timer is a pending wake-up of an execution (Wait state, retry delay, timeout, heartbeat).
// It stays until a step deletes it, so a timer that fired but whose step was not committed
// fires again after a crash.
type Timer struct {
	ExecutionARN string
	TimerID      string
	FireAt       time.Time
}

// TimerAdd is a timer created by a step; an existing TimerID of the execution is replaced.
type TimerAdd struct {
	TimerID string
	FireAt  time.Time
}

// TimerListDueParams asks for timers due at Now, at most Limit (0 means 1000).
type TimerListDueParams struct {
	Now   time.Time
	Limit int
}
