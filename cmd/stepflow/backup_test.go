package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/store/sqlite"
)

func TestBackupCopiesAStore(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "live.db")
	st, err := sqlite.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.StateMachineCreate(context.Background(), &store.StateMachineCreateParams{ARN: "arn:aws:states:us-east-1:123456789012:stateMachine:m",
		Name: "m", Type: "STANDARD", Definition: `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`, RoleARN: "arn:aws:iam::123456789012:role/r",
		RevisionID: "r1", CreatedDate: time.Now().UTC()}); err != nil {
		t.Fatal(err)
	}
	defer st.Close() // the store stays open, as a running server would hold it

	out := filepath.Join(dir, "copy.db")
	code, stdout, stderr := runCLI(t, "backup", "--db", db, out)
	if code != 0 || !strings.Contains(stdout, "backed up") {
		t.Fatalf("exit %d: %s %s", code, stdout, stderr)
	}
	cp, err := sqlite.Open(context.Background(), out)
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	if _, err := cp.StateMachineGetByARN(context.Background(), &store.StateMachineGetByARNParams{ARN: "arn:aws:states:us-east-1:123456789012:stateMachine:m"}); err != nil {
		t.Fatalf("the copy lacks the state machine: %v", err)
	}
	if code, _, stderr := runCLI(t, "backup", "--db", db, out); code != 1 || !strings.Contains(stderr, "the file exists") {
		t.Fatalf("second backup to the same file: exit %d, %s", code, stderr)
	}
}
