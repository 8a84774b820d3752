package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

// creates makes n executions with a 4 KiB snapshot each, named after prefix.
func creates(prefix string, n int) []*store.ExecutionCreateParams {
	const machine = "arn:aws:states:us-east-1:123456789012:stateMachine:m"
	now := time.Now().UTC()
	out := make([]*store.ExecutionCreateParams, n)
	for i := range out {
		name := fmt.Sprintf("%s-%d", prefix, i)
		out[i] = &store.ExecutionCreateParams{ARN: machine + ":" + name, StateMachineARN: machine, Name: name,
			Type: sfn.TypeStandard, Input: "{}", StartDate: now, Snapshot: []byte(strings.Repeat("s", 4096)),
			Events: []*sfn.HistoryEvent{{ID: 1, Type: sfn.EventExecutionStarted, Timestamp: now}}}
	}
	return out
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info.Size()
}

// The checkpointer copies what the writer committed into the database file while the
// writer does nothing: the database file grows without another write.
func TestCheckpointerCopiesTheWALBesideTheWriter(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "stepflow.db")
	s, err := OpenWith(ctx, path, Options{checkpointInterval: 5 * time.Millisecond, checkpointTailFrames: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	before := fileSize(t, path)
	if _, errs, _, err := s.ExecutionCommitBatchUnsynced(ctx, creates("a", 200), nil); err != nil || errs[0] != nil {
		t.Fatalf("commit: %v %v", err, errs)
	}
	if err := s.SyncCommits(ctx); err != nil {
		t.Fatal(err)
	}
	// 200 snapshots of 4 KiB are 800 KiB of pages, far below the writer's own threshold.
	deadline := time.Now().Add(10 * time.Second)
	for fileSize(t, path) < before+800<<10 {
		if time.Now().After(deadline) {
			t.Fatalf("database file %d bytes (%d before the commit): the WAL was not checkpointed", fileSize(t, path), before)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A writer that never pauses leaves no moment for a checkpoint to complete on its own; the
// checkpointer then holds the write lock for the tail, so the WAL file starts over instead of
// growing with everything written.
func TestCheckpointerBoundsTheWALOfABusyWriter(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "stepflow.db")
	const tail = 256 // pages
	s, err := OpenWith(ctx, path, Options{checkpointInterval: 5 * time.Millisecond, checkpointTailFrames: tail})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	written := 0
	for i := 0; written < 64<<20; i++ { // 64 MiB of snapshots, batch after batch
		batch := creates(fmt.Sprint("b", i), 64)
		if _, errs, _, err := s.ExecutionCommitBatchUnsynced(ctx, batch, nil); err != nil || errs[0] != nil {
			t.Fatalf("commit: %v %v", err, errs)
		}
		written += 64 * 4096
		// A real writer waits for each batch's sync; this one does not, so on a loaded
		// machine it could fill 64 MiB before the checkpointer goroutine is scheduled at all.
		time.Sleep(time.Millisecond)
	}
	if err := s.SyncCommits(ctx); err != nil {
		t.Fatal(err)
	}
	// The tail copied under the lock is what arrived during one unlocked pass; a WAL file that
	// never started over would hold all 64 MiB.
	if size := fileSize(t, path+"-wal"); size > 16<<20 {
		t.Fatalf("WAL file is %d MiB after %d MiB written: it did not start over", size>>20, written>>20)
	}
}

// A reader that keeps an old snapshot (a backup of a large file) makes the RESTART checkpoint
// give up quickly; the checkpointer then leaves the write lock alone for a while instead of
// taking it at every pass, and the WAL starts over once the reader is gone.
func TestCheckpointerBacksOffFromALongReader(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "stepflow.db")
	s, err := OpenWith(ctx, path, Options{checkpointInterval: 5 * time.Millisecond, checkpointTailFrames: 64})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, _, _, err := s.ExecutionCommitBatchUnsynced(ctx, creates("first", 8), nil); err != nil {
		t.Fatal(err)
	}
	reader, err := sql.Open("sqlite", uri(path))
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	tx, err := reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := tx.QueryRow(`SELECT count(*) FROM execution`).Scan(&n); err != nil { // holds its snapshot
		t.Fatal(err)
	}
	ckpt := s.db.checkpoints
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; ckpt.refused.Load() == 0; i++ {
		if time.Now().After(deadline) {
			t.Fatal("no RESTART checkpoint was refused while a reader held an old snapshot")
		}
		if _, _, _, err := s.ExecutionCommitBatchUnsynced(ctx, creates(fmt.Sprint("r", i), 16), nil); err != nil {
			t.Fatal(err)
		}
	}
	// Within the first back-off (1 s) the checkpointer takes the write lock no more.
	for i := 0; i < 20; i++ {
		if _, _, _, err := s.ExecutionCommitBatchUnsynced(ctx, creates(fmt.Sprint("b", i), 16), nil); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := ckpt.refused.Load(); got != 1 {
		t.Fatalf("%d RESTART checkpoints refused within the back-off, want 1", got)
	}
	grown, _, err := ckpt.checkpoint("PASSIVE")
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	// Once the reader is gone the WAL starts over (after the back-off, if the writer does not
	// restart it itself): it holds fewer pages than it had grown to.
	for i := 0; ; i++ {
		frames, _, err := ckpt.checkpoint("PASSIVE")
		if err != nil {
			t.Fatal(err)
		}
		if frames < grown {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the WAL still holds %d pages (%d when the reader ended): it did not start over", frames, grown)
		}
		if _, _, _, err := s.ExecutionCommitBatchUnsynced(ctx, creates(fmt.Sprint("a", i), 16), nil); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Close does not wait for a checkpointer that waits for the write lock behind a transaction
// that never ends.
func TestCheckpointerDoesNotHoldUpClose(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "stepflow.db")
	s, err := OpenWith(ctx, path, Options{checkpointInterval: 5 * time.Millisecond, checkpointTailFrames: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := s.ExecutionCommitBatchUnsynced(ctx, creates("c", 8), nil); err != nil {
		t.Fatal(err)
	}
	tx, err := s.db.Begin(ctx) // holds the write lock and is never finished
	if err != nil {
		t.Fatal(err)
	}
	_ = tx
	time.Sleep(50 * time.Millisecond) // the checkpointer now waits for the lock
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	select {
	case <-closed:
	case <-time.After(30 * time.Second):
		t.Fatal("Close did not return while a transaction held the write lock")
	}
}
