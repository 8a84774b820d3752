package store

import "time"

// Dispatch is a task invocation waiting in the outbox. A step adds it in the same transaction
// as the TaskScheduled event; a dispatcher leases it, invokes the resource and commits the
// result in a step that deletes it. A lease that expires (the dispatcher crashed) makes it
// available again, so tasks run at least once.
type Dispatch struct {
	ExecutionARN   string
	TaskID         string
	Queue          string // "" for the engine's invokers; an activity ARN for activity tasks
	Resource       string
	Input          string // JSON text
	Details        string // what the invocation needs besides the input, as the engine wrote it
	Attempts       int    // leases handed out so far
	LeaseOwner     string // "" when not leased
	LeaseExpiresAt *time.Time
	CreatedDate    time.Time
}

// DispatchAdd is a dispatch created by a step.
type DispatchAdd struct {
	TaskID   string
	Queue    string
	Resource string
	Input    string
	// Details is text the engine reads back when it runs the dispatch again (after a
	// restart, or on another node): the invocation's state name, timeouts and credentials.
	Details     string
	CreatedDate time.Time
	// LeaseOwner and LeaseExpiresAt lease the dispatch from the start to the process that
	// runs it at once, so no other node's reaper takes it while it runs. Empty: unleased.
	LeaseOwner     string
	LeaseExpiresAt *time.Time
}

// DispatchRenewParams renews Owner's leases of Dispatches until Until.
type DispatchRenewParams struct {
	Owner      string
	Until      time.Time
	Dispatches []DispatchKey
}

// DispatchReleaseParams ends every lease Owner holds on dispatches of Queue: a node that
// starts again under the identity it had before runs nothing yet, so whatever its earlier
// life leased is free to be taken at once instead of when the lease runs out.
type DispatchReleaseParams struct {
	Owner string
	Queue string
}

// DispatchFence lets a step commit only while its task's dispatch is still leased to Owner
// with the attempt count it had when Owner took it (the fencing token). A node that lost the
// lease (paused or cut off while another node took the task over) cannot commit a result.
type DispatchFence struct {
	TaskID   string
	Owner    string
	Attempts int
}

// DispatchKey names a dispatch.
type DispatchKey struct {
	ExecutionARN string
	TaskID       string
}

// DispatchCountWaitingParams counts Queue's dispatches nobody holds at Now.
type DispatchCountWaitingParams struct {
	Queue string
	Now   time.Time
}

// DispatchLeaseParams leases available dispatches of Queue to Owner until Until.
// Limit 0 means 100.
type DispatchLeaseParams struct {
	Queue string
	Owner string
	Now   time.Time
	Until time.Time
	Limit int
}
