// Package engine is the I/O shell around the pure interpreter: it runs executions, keeps their
// timers on a real or virtual clock, dispatches tasks to invokers concurrently, and feeds the
// results back to the interpreter one event at a time. Express executions run entirely in
// memory; Standard executions commit every step through a store.
package engine
