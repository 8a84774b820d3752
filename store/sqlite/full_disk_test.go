package sqlite_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stepflow/stepflow/internal/tinyfs"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/store/sqlite"
)

// TestFullDisk: when the disk is full a step fails with an error that names the file and says
// the disk is full, nothing of that step is written, and everything committed before is still
// there once space is back.
func TestFullDisk(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := tinyfs.Mount(t, "2m")
	path := filepath.Join(dir, "stepflow.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	arn := "arn:aws:states:us-east-1:123456789012:execution:m:e"
	now := time.Now().UTC()
	first := &sfn.HistoryEvent{ID: 1, Type: sfn.EventExecutionStarted, Timestamp: now,
		ExecutionStartedEventDetails: &sfn.ExecutionStartedDetails{Input: &sfn.Payload{Value: map[string]any{}}}}
	if _, err := st.ExecutionCreate(ctx, &store.ExecutionCreateParams{ARN: arn, StateMachineARN: "arn:aws:states:us-east-1:123456789012:stateMachine:m",
		Name: "e", Type: sfn.TypeStandard, Input: "{}", StartDate: now, Snapshot: []byte("s1"), Events: []*sfn.HistoryEvent{first}}); err != nil {
		t.Fatal(err)
	}

	// Fill the disk.
	filler := filepath.Join(dir, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			break
		}
	}
	f.Close()

	big := strings.Repeat("x", 256<<10)
	var stepErr error
	for id := int64(2); id < 40 && stepErr == nil; id++ {
		stepErr = st.ExecutionStep(ctx, &store.ExecutionStepParams{ExecutionARN: arn, ExpectedVersion: id - 1, Snapshot: []byte("s"),
			Events: []*sfn.HistoryEvent{{ID: id, PreviousEventID: id - 1, Type: sfn.EventPassStateEntered, Timestamp: now,
				StateEnteredEventDetails: &sfn.StateEnteredDetails{Name: "P", Input: &sfn.Payload{Value: big}}}}})
	}
	if stepErr == nil {
		t.Fatal("no step failed on a full disk")
	}
	msg := stepErr.Error()
	if !strings.Contains(msg, path) || !strings.Contains(msg, "full") {
		t.Fatalf("error on a full disk = %q; want it to name %s and say the disk is full", msg, path)
	}
	var conflict *store.ConflictError
	if errors.As(stepErr, &conflict) {
		t.Fatalf("a full disk reported as a version conflict: %v", stepErr)
	}
	snap, err := st.ExecutionSnapshotGet(ctx, &store.ExecutionSnapshotGetParams{ExecutionARN: arn})
	if err != nil {
		t.Fatalf("read after the failure: %v", err)
	}
	committed := snap.Version

	// Space comes back: the store goes on from what was committed, with no trace of the failed step.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	page, err := st.HistoryEventList(ctx, &store.HistoryEventListParams{ExecutionARN: arn, MaxResults: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(page.Events)) != committed {
		t.Fatalf("%d events for version %d: the failed step left something behind", len(page.Events), committed)
	}
	if err := st.ExecutionStep(ctx, &store.ExecutionStepParams{ExecutionARN: arn, ExpectedVersion: committed, Snapshot: []byte("s"),
		Events: []*sfn.HistoryEvent{{ID: committed + 1, PreviousEventID: committed, Type: sfn.EventPassStateEntered, Timestamp: now,
			StateEnteredEventDetails: &sfn.StateEnteredDetails{Name: "P"}}}}); err != nil {
		t.Fatalf("step after space came back: %v", err)
	}
}
