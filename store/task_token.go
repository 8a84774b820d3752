package store

import "time"

// TaskTokenStatus says whether a task token still waits for SendTask* calls.
type TaskTokenStatus string

// Task token statuses.
const (
	TaskTokenOpen   TaskTokenStatus = "OPEN"
	TaskTokenClosed TaskTokenStatus = "CLOSED"
)

// TaskToken is a token handed to a worker or callback (.waitForTaskToken, activities).
type TaskToken struct {
	Token             string
	ExecutionARN      string
	TaskID            string
	ActivityARN       string // "" for callback tokens
	Status            TaskTokenStatus
	HeartbeatDeadline *time.Time
	CreatedDate       time.Time
}

// TaskTokenAdd is a token created by a step, open.
type TaskTokenAdd struct {
	Token             string
	TaskID            string
	ActivityARN       string
	HeartbeatDeadline *time.Time
	CreatedDate       time.Time
}

// TaskTokenGetParams names a token.
type TaskTokenGetParams struct {
	Token string
}

// TaskTokenHeartbeatParams moves an open token's heartbeat deadline.
type TaskTokenHeartbeatParams struct {
	Token             string
	HeartbeatDeadline time.Time
}
