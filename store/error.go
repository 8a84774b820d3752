package store

import (
	"errors"
	"fmt"
)

// Sentinel errors, for errors.Is. The typed errors below wrap them and say which resource.
var (
	// ErrNotFound: the resource named by the params does not exist.
	ErrNotFound = errors.New("does not exist")
	// ErrAlreadyExists: a resource with the same key (ARN, token, event id) exists.
	ErrAlreadyExists = errors.New("already exists")
	// ErrVersionConflict: another worker committed a step of the execution first.
	ErrVersionConflict = errors.New("version conflict")
	// ErrLeaseLost: a step's fence failed; its task's dispatch is no longer held as it was.
	ErrLeaseLost = errors.New("dispatch lease lost")
	// ErrInvalidPageToken: a NextToken that this store did not hand out for this listing.
	ErrInvalidPageToken = errors.New("invalid page token")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("store is closed")
	// ErrNotStepflowDatabase: the file or database holds something other than a Stepflow store.
	ErrNotStepflowDatabase = errors.New("not a Stepflow database")
)

// Resource names the kind of thing an error is about.
type Resource string

// The resources a store keeps.
const (
	ResourceStateMachine        Resource = "state machine"
	ResourceStateMachineVersion Resource = "state machine version"
	ResourceStateMachineAlias   Resource = "state machine alias"
	ResourceActivity            Resource = "activity"
	ResourceExecution           Resource = "execution"
	ResourceHistoryEvent        Resource = "history event"
	ResourceTaskToken           Resource = "task token"
	ResourceDefinition          Resource = "definition"
	ResourceEventBus            Resource = "event bus"
	ResourceEventRule           Resource = "event rule"
	ResourceEventDelivery       Resource = "event delivery"
	ResourcePrincipal           Resource = "principal"
	ResourcePrincipalPolicy     Resource = "principal policy"
	ResourceAccessKey           Resource = "access key"
	ResourceScheduleGroup       Resource = "schedule group"
	ResourceSchedule            Resource = "schedule"
	ResourceWebhook             Resource = "webhook"
	ResourceWebhookSignature    Resource = "webhook signature"
)

// NotFoundError says which resource does not exist. errors.Is(err, ErrNotFound) holds.
type NotFoundError struct {
	Resource Resource
	Key      string // the ARN or token that was looked up
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("%s %s does not exist", e.Resource, e.Key)
}

// Is makes errors.Is(err, ErrNotFound) hold.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// AlreadyExistsError says which resource exists already. errors.Is(err, ErrAlreadyExists) holds.
type AlreadyExistsError struct {
	Resource Resource
	Key      string
}

func (e *AlreadyExistsError) Error() string {
	return fmt.Sprintf("%s %s already exists", e.Resource, e.Key)
}

// Is makes errors.Is(err, ErrAlreadyExists) hold.
func (e *AlreadyExistsError) Is(target error) bool { return target == ErrAlreadyExists }

// ConflictError is returned by ExecutionStep when the execution's version is not the expected
// one: another worker committed a step first. Nothing of the step was written; the caller
// reloads the snapshot and recomputes. errors.Is(err, ErrVersionConflict) holds.
type ConflictError struct {
	ExecutionARN    string
	ExpectedVersion int64
	ActualVersion   int64
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("execution %s: version conflict: expected version %d, found %d",
		e.ExecutionARN, e.ExpectedVersion, e.ActualVersion)
}

// Is makes errors.Is(err, ErrVersionConflict) hold.
func (e *ConflictError) Is(target error) bool { return target == ErrVersionConflict }

// LeaseLostError is returned for a step whose Fence failed: the dispatch was taken over by
// another node, or is gone. Nothing of the step was written. errors.Is(err, ErrLeaseLost) holds.
type LeaseLostError struct {
	ExecutionARN string
	Fence        DispatchFence
}

func (e *LeaseLostError) Error() string {
	return fmt.Sprintf("execution %s: task %s: the dispatch is no longer leased to %s (attempt %d)",
		e.ExecutionARN, e.Fence.TaskID, e.Fence.Owner, e.Fence.Attempts)
}

// Is makes errors.Is(err, ErrLeaseLost) hold.
func (e *LeaseLostError) Is(target error) bool { return target == ErrLeaseLost }

// ErrUnavailable: the database cannot serve the call now (unreachable, restarting, its disk
// full). Nothing of a write that failed with it was committed, unless the failure came after
// the commit was sent (a connection lost while committing): the caller reloads what the store
// holds before acting on it. Retrying later may succeed.
var ErrUnavailable = errors.New("database unavailable")

// UnavailableError says why the database could not serve a call, in words fit for an API
// client (Reason names no address, file or credential), and wraps the driver's error, which
// the logs show. errors.Is(err, ErrUnavailable) holds.
type UnavailableError struct {
	Reason string
	Err    error
}

func (e *UnavailableError) Error() string { return e.Reason + ": " + e.Err.Error() }

func (e *UnavailableError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrUnavailable) hold.
func (e *UnavailableError) Is(target error) bool { return target == ErrUnavailable }

// Reasons of an UnavailableError.
const (
	ReasonUnreachable = "the database cannot be reached"
	ReasonDiskFull    = "the database's disk is full"
	ReasonDiskFailing = "the database's file cannot be written"
)
