// Package sqlite is the store.Store of one SQLite file, in WAL mode, through
// modernc.org/sqlite (pure Go, so Stepflow builds without cgo for every platform).
//
// Writes are serialised inside the process, so they never wait on SQLite's lock; reads use a
// small pool of read-only connections that WAL lets run beside the writer. Commits are
// fsynced (synchronous=FULL) unless OpenWith says otherwise: a step reported committed
// survives a power cut. ExecutionStepBatch shares one fsync among many steps.
package sqlite
