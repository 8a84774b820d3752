package sqlite_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/store/sqlite"
)

// A database of schema version 1 (one history row per event) opens with its history intact,
// and steps add to it.
func TestOpenMigratesVersion1History(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "stepflow.db")
	schema, err := os.ReadFile("migration/001_initial.sql")
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlOpen(path)
	if err != nil {
		t.Fatal(err)
	}
	const arn = "arn:aws:states:us-east-1:123456789012:execution:Orders:old"
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	old := []*sfn.HistoryEvent{
		{Timestamp: start, Type: sfn.EventExecutionStarted, ID: 1,
			ExecutionStartedEventDetails: &sfn.ExecutionStartedDetails{Input: &sfn.Payload{Value: map[string]any{"a": "<b>"}}}},
		{Timestamp: start, Type: sfn.EventPassStateEntered, ID: 2, PreviousEventID: 1,
			StateEnteredEventDetails: &sfn.StateEnteredDetails{Name: "P"}},
	}
	statements := []string{string(schema),
		`CREATE TABLE stepflow_migration (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`,
		`INSERT INTO stepflow_migration VALUES (1, '001_initial', '2026-01-01T00:00:00Z')`,
		`INSERT INTO execution (id, arn, state_machine_arn, state_machine_version_arn, state_machine_alias_arn, name, type,
			status, input, error, cause, start_date, redrive_count, trace_header, version, snapshot)
			VALUES (7, '` + arn + `', 'm', '', '', 'old', 'STANDARD', 'RUNNING', '{}', '', '', 0, 0, '', 2, x'')`,
	}
	for _, ev := range old {
		body, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		statements = append(statements, `INSERT INTO history_event (execution_id, id, type, timestamp, body)
			VALUES (7, `+string(rune('0'+ev.ID))+`, 'x', 0, '`+string(body)+`')`)
	}
	for _, q := range statements {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	exited := &sfn.HistoryEvent{Timestamp: start, Type: sfn.EventPassStateExited, ID: 3, PreviousEventID: 2,
		StateExitedEventDetails: &sfn.StateExitedDetails{Name: "P"}}
	err = s.ExecutionStep(context.Background(), &store.ExecutionStepParams{ExecutionARN: arn, ExpectedVersion: 2,
		Events: []*sfn.HistoryEvent{exited}})
	if err != nil {
		t.Fatal(err)
	}
	err = s.ExecutionStep(context.Background(), &store.ExecutionStepParams{ExecutionARN: arn, ExpectedVersion: 3,
		Events: []*sfn.HistoryEvent{old[1]}})
	if want := "commit step of execution " + arn + ": execution " + arn + ": history event 2 already exists"; err == nil || err.Error() != want {
		t.Fatalf("repeating a migrated event: got %v, want %q", err, want)
	}
	for _, reverse := range []bool{false, true} {
		res, err := s.HistoryEventList(context.Background(), &store.HistoryEventListParams{ExecutionARN: arn, ReverseOrder: reverse})
		if err != nil {
			t.Fatal(err)
		}
		want := []*sfn.HistoryEvent{old[0], old[1], exited}
		if reverse {
			want = []*sfn.HistoryEvent{exited, old[1], old[0]}
		}
		got, _ := json.Marshal(res.Events)
		wantJSON, _ := json.Marshal(want)
		if string(got) != string(wantJSON) {
			t.Errorf("reverse %v: history\n got %s\nwant %s", reverse, got, wantJSON)
		}
	}
}
