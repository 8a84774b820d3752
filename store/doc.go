// Package store defines how Stepflow keeps state machines, executions and their histories:
// the Store interface, one params struct per method, and typed errors.
//
// Methods are named noun-then-verb (ExecutionGetByARN, ExecutionStep) and take one params
// struct, so adding a field never breaks a caller. Implementations live in store/sqlite and
// store/postgres; store/storetest is the conformance suite every implementation passes.
//
// The central operation is ExecutionStep: one interpreter step (new history events, the new
// execution snapshot, timers, task dispatches and task tokens) committed in one transaction,
// guarded by the execution's version. A step that lost a race gets a *ConflictError and
// writes nothing, so state transitions happen exactly once even with several workers.
//
// Times are kept to the microsecond and returned in UTC.
package store
