package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/store/sqlite"
)

// A database migrated up to version 17, with child executions whose history is keyed by ARN, opens
// with the children and their histories intact, and later steps continue those histories.
func TestOpenMigratesChildHistoryToNumberedChildren(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "stepflow.db")
	db, err := sqlOpen(path)
	if err != nil {
		t.Fatal(err)
	}
	statements := []string{`CREATE TABLE stepflow_migration (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`}
	files, err := os.ReadDir("migration")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		number, _, _ := strings.Cut(f.Name(), "_")
		if version, _ := strconv.Atoi(number); version >= 18 {
			continue
		}
		schema, err := os.ReadFile(filepath.Join("migration", f.Name()))
		if err != nil {
			t.Fatal(err)
		}
		statements = append(statements, string(schema), `INSERT INTO stepflow_migration VALUES (`+number+`, '`+
			strings.TrimSuffix(f.Name(), ".sql")+`', '2026-01-01T00:00:00Z')`)
	}
	const (
		mapRun = "arn:aws:states:us-east-1:123456789012:mapRun:Orders/Fan:0f2b7c4e-1111-4222-8333-444455556666"
		parent = "arn:aws:states:us-east-1:123456789012:execution:Orders:parent"
		prefix = "arn:aws:states:us-east-1:123456789012:execution:Orders/Fan:"
	)
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	event := func(id int64, typ sfn.EventType) *sfn.HistoryEvent {
		return &sfn.HistoryEvent{Timestamp: start, Type: typ, ID: id, PreviousEventID: id - 1}
	}
	// Two children written before the migration: b (random-looking names sort in no order of
	// start) has its whole history in two rows, a is still running.
	for i, name := range []string{"b", "a"} {
		statements = append(statements, `INSERT INTO child_execution (arn, map_run_arn, parent_arn, state_machine_arn, name, idx,
			item_count, type, status, input, output, error, cause, start_date, stop_date, redrive_count, redrive_date)
			VALUES ('`+prefix+name+`', '`+mapRun+`', '`+parent+`', 'm', '`+name+`', `+strconv.Itoa(i)+`, 1, 'STANDARD', 'RUNNING',
			'{"i":`+strconv.Itoa(i)+`}', NULL, '', '', `+strconv.FormatInt(start.UnixMicro(), 10)+`, NULL, 0, NULL)`,
			`INSERT INTO child_history (child_arn, first_id, last_id, body) VALUES ('`+prefix+name+`', 1, 2,
			'[{"timestamp":"2026-01-02T03:04:05Z","type":"ExecutionStarted","id":1,"previousEventId":0},{"timestamp":"2026-01-02T03:04:05Z","type":"PassStateEntered","id":2,"previousEventId":1}]')`)
	}
	statements = append(statements, `INSERT INTO child_history (child_arn, first_id, last_id, body) VALUES ('`+prefix+`b', 3, 3,
		'[{"timestamp":"2026-01-02T03:04:05Z","type":"PassStateExited","id":3,"previousEventId":2}]')`)
	for _, q := range statements {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	ctx := context.Background()
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	historyIDs := func(name string, reverse bool) (ids []int64) {
		t.Helper()
		p := store.HistoryEventListParams{ExecutionARN: prefix + name, ReverseOrder: reverse, MaxResults: 2}
		for {
			res, err := s.ChildHistoryEventList(ctx, &p)
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range res.Events {
				ids = append(ids, ev.ID)
			}
			if res.NextToken == "" {
				return ids
			}
			p.NextToken = res.NextToken
		}
	}
	if got := historyIDs("b", false); !reflect.DeepEqual(got, []int64{1, 2, 3}) {
		t.Fatalf("migrated history of b: %v", got)
	}
	if got := historyIDs("a", true); !reflect.DeepEqual(got, []int64{2, 1}) {
		t.Fatalf("migrated history of a: %v", got)
	}
	child, err := s.ChildExecutionGetByARN(ctx, &store.ChildExecutionGetByARNParams{ARN: prefix + "a"})
	if err != nil || child.Input != `{"i":1}` || child.ParentARN != parent || child.Index != 1 {
		t.Fatalf("migrated child a: %+v, %v", child, err)
	}

	// A step after the migration ends child a: its history continues where it was.
	p, err := s.ExecutionCreate(ctx, &store.ExecutionCreateParams{ARN: parent, StateMachineARN: "m", Name: "parent",
		Type: sfn.TypeStandard, Input: "[]", StartDate: start, Snapshot: []byte("s1")})
	if err != nil {
		t.Fatal(err)
	}
	stop := start.Add(time.Second)
	err = s.ExecutionStep(ctx, &store.ExecutionStepParams{ExecutionARN: p.ARN, ExpectedVersion: 1, Snapshot: []byte("s2"),
		Children: []*store.ChildExecutionWrite{{ARN: prefix + "a", Name: "a", MapRunARN: mapRun, StateMachineARN: "m", Index: 1,
			ItemCount: 1, Type: sfn.TypeStandard, StartDate: start, Status: sfn.StatusSucceeded, Output: new(string), StopDate: &stop,
			Events: []*sfn.HistoryEvent{event(3, sfn.EventPassStateExited), event(4, sfn.EventExecutionSucceeded)}}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := historyIDs("a", false); !reflect.DeepEqual(got, []int64{1, 2, 3, 4}) {
		t.Fatalf("history of a after a step: %v", got)
	}
	list, err := s.ChildExecutionList(ctx, &store.ChildExecutionListParams{MapRunARN: mapRun, Status: sfn.StatusSucceeded})
	if err != nil || len(list.Children) != 1 || list.Children[0].Name != "a" {
		t.Fatalf("succeeded children: %+v, %v", list, err)
	}
}
