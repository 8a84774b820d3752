package postgres_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/store/internal/sqlstore"
	"github.com/stepflow/stepflow/store/postgres"
)

const seedMachine = "arn:aws:states:us-east-1:123456789012:stateMachine:seeded"

// seedParams are executions of every shape a seeding writes: ended every way, running,
// started on a version or through an alias, with a history of several chunks and one whose
// chunk is stored compressed. Times carry nanoseconds, which the store drops.
func seedParams() []*store.ExecutionCreateParams {
	base := time.Date(2026, 11, 3, 10, 4, 5, 123456789, time.UTC)
	var params []*store.ExecutionCreateParams
	for i, status := range []sfn.ExecutionStatus{sfn.StatusSucceeded, sfn.StatusFailed, sfn.StatusAborted, sfn.StatusTimedOut,
		sfn.StatusRunning, sfn.StatusSucceeded, sfn.StatusSucceeded, sfn.StatusFailed} {
		name := "x-" + strconv.Itoa(i)
		start := base.Add(time.Duration(i) * time.Minute)
		p := &store.ExecutionCreateParams{ARN: "arn:aws:states:us-east-1:123456789012:execution:seeded:" + name,
			StateMachineARN: seedMachine, Name: name, Type: sfn.TypeStandard, Status: status,
			Input: `{"i":` + strconv.Itoa(i) + `}`, StartDate: start, TraceHeader: "Root=1-" + name, Snapshot: []byte("snap-" + name)}
		switch i % 3 {
		case 1:
			p.StateMachineVersionARN = seedMachine + ":1"
		case 2:
			p.StateMachineAliasARN = seedMachine + ":live"
		}
		events := 4
		if i == 5 {
			events = 300 // three chunks of at most 128 events
		}
		payload := map[string]any{"i": float64(i)}
		if i == 6 {
			payload["text"] = strings.Repeat("compressible ", 200) // a chunk stored with S2
		}
		for id := int64(1); id <= int64(events); id++ {
			ev := &sfn.HistoryEvent{ID: id, PreviousEventID: id - 1, Type: sfn.EventPassStateEntered, Timestamp: start,
				StateEnteredEventDetails: &sfn.StateEnteredDetails{Name: "Step", Input: &sfn.Payload{Value: payload}}}
			if id == 1 {
				ev.Type, ev.StateEnteredEventDetails = sfn.EventExecutionStarted, nil
				ev.ExecutionStartedEventDetails = &sfn.ExecutionStartedDetails{Input: &sfn.Payload{Value: payload}, RoleArn: "arn:aws:iam::123456789012:role/r"}
			}
			p.Events = append(p.Events, ev)
		}
		if status != sfn.StatusRunning {
			stop := start.Add(1500 * time.Millisecond)
			p.StopDate = &stop
			p.EndedStates = []store.StateTime{{Name: "Step", Runs: 1, Total: time.Second, Max: time.Second}}
			if status == sfn.StatusSucceeded {
				out := `{"done":` + strconv.Itoa(i) + `}`
				p.Output = &out
			} else {
				p.Error, p.Cause = "States.TaskFailed", "cause "+name
			}
		}
		params = append(params, p)
	}
	return params
}

// TestSeedingBuildsIndexesAgain seeds executions through COPY in one transaction whose
// indexes are dropped and built again: the store has the same indexes after it as before,
// and every read the API makes of the executions (DescribeExecution, ListExecutions under
// each filter and its pages, the history both ways, the snapshot, the performance rollups)
// answers as for the same executions created by ExecutionCreateBatch. A seeding rolled back
// leaves the indexes and no rows.
func TestSeedingBuildsIndexesAgain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// A seeding rolled back, in a schema of its own: the ids it took from the sequence are
	// not given back, and the list's page tokens would differ from a created store's.
	abandonedStore, abandonedDSN := openSchema(t)
	before := indexDefs(t, abandonedDSN)
	if len(before) < 10 {
		t.Fatalf("the schema has %d indexes on execution and history_chunk: %q", len(before), before)
	}
	abandoned, err := abandonedStore.SeedingBegin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := abandoned.Add(ctx, seedParams()); err != nil {
		t.Fatal(err)
	}
	if err := abandoned.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if after := indexDefs(t, abandonedDSN); !reflect.DeepEqual(after, before) {
		t.Fatalf("after a seeding rolled back the indexes are\n%q\nwant\n%q", after, before)
	}
	if res, err := abandonedStore.ExecutionList(ctx, &store.ExecutionListParams{}); err != nil || len(res.Executions) != 0 {
		t.Fatalf("after a seeding rolled back the store lists %s, %v", dump(res), err)
	}

	seeded, dsn := openSchema(t)
	sd, err := seeded.SeedingBegin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	params := seedParams()
	for _, batch := range [][]*store.ExecutionCreateParams{params[:3], params[3:]} {
		if err := sd.Add(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	if err := sd.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if after := indexDefs(t, dsn); !reflect.DeepEqual(after, before) {
		t.Fatalf("after seeding the indexes are\n%q\nwant\n%q", after, before)
	}
	readsAsCreated(t, seeded)
}

// indexDefs returns the definitions of the indexes on execution and history_chunk in the
// schema of dsn, without the schema's name.
func indexDefs(t *testing.T, dsn string) []string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT replace(indexdef, ' ON ' || current_schema() || '.', ' ON ') FROM pg_indexes WHERE schemaname = current_schema()
		AND tablename IN ('execution', 'history_chunk') ORDER BY indexname`)
	if err != nil {
		t.Fatal(err)
	}
	defs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return defs
}

// readsAsCreated creates seedParams through ExecutionCreateBatch in a schema of its own and
// compares every read of them with seeded's.
func readsAsCreated(t *testing.T, seeded *postgres.Store) {
	t.Helper()
	ctx := context.Background()
	created, _ := openSchema(t)
	_, errs, err := created.ExecutionCreateBatch(ctx, seedParams())
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	same := func(what string, read func(s *postgres.Store) (any, error)) {
		t.Helper()
		want, err := read(created)
		if err != nil {
			t.Fatalf("%s, created: %v", what, err)
		}
		got, err := read(seeded)
		if err != nil {
			t.Fatalf("%s, seeded: %v", what, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\nseeded  %s\ncreated %s", what, dump(got), dump(want))
		}
	}
	for _, p := range seedParams() {
		same("describe "+p.Name, func(s *postgres.Store) (any, error) {
			return s.ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: p.ARN})
		})
		same("snapshot of "+p.Name, func(s *postgres.Store) (any, error) {
			return s.ExecutionSnapshotGet(ctx, &store.ExecutionSnapshotGetParams{ExecutionARN: p.ARN})
		})
		for _, reverse := range []bool{false, true} {
			same("history of "+p.Name+" reverse "+strconv.FormatBool(reverse), func(s *postgres.Store) (any, error) {
				var all []*sfn.HistoryEvent
				next := ""
				for {
					res, err := s.HistoryEventList(ctx, &store.HistoryEventListParams{ExecutionARN: p.ARN, ReverseOrder: reverse, MaxResults: 100, NextToken: next})
					if err != nil {
						return nil, err
					}
					all = append(all, res.Events...)
					if next = res.NextToken; next == "" {
						return all, nil
					}
				}
			})
		}
	}
	for _, f := range []store.ExecutionListParams{
		{},
		{StateMachineARN: seedMachine},
		{Status: sfn.StatusSucceeded},
		{Status: sfn.StatusRunning},
		{StateMachineARN: seedMachine, Status: sfn.StatusFailed},
		{StateMachineVersionARN: seedMachine + ":1"},
		{StateMachineAliasARN: seedMachine + ":live"},
		{StateMachineAliasARN: seedMachine + ":live", Status: sfn.StatusSucceeded},
	} {
		same("list "+dump(f), func(s *postgres.Store) (any, error) {
			var pages []*store.ExecutionListResult
			p := f
			p.MaxResults = 2
			for {
				res, err := s.ExecutionList(ctx, &p)
				if err != nil {
					return nil, err
				}
				pages = append(pages, res)
				if p.NextToken = res.NextToken; p.NextToken == "" {
					return pages, nil
				}
			}
		})
	}
	for _, res := range store.PerformanceResolutions {
		same("performance at "+res.String(), func(s *postgres.Store) (any, error) {
			return s.PerformanceList(ctx, &store.PerformanceListParams{StateMachineARN: seedMachine, Resolution: res,
				From: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 5, 0, 0, 0, 0, time.UTC)})
		})
	}
	if perf, err := created.PerformanceList(ctx, &store.PerformanceListParams{StateMachineARN: seedMachine, Resolution: store.PerformanceResolutions[0],
		From: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 5, 0, 0, 0, 0, time.UTC)}); err != nil || len(perf.Buckets) == 0 || len(perf.States) == 0 || len(perf.Errors) == 0 {
		t.Fatalf("the created executions' rollups: %s, %v; want buckets, states and errors to compare", dump(perf), err)
	}
	// The seeded store goes on as any: a later start gets a row id after the seeded ones.
	later := seedParams()[0]
	later.ARN, later.Name = later.ARN+"-later", later.Name+"-later"
	for _, s := range []*postgres.Store{created, seeded} {
		if _, err := s.ExecutionCreate(ctx, later); err != nil {
			t.Fatal(err)
		}
	}
	same("list after a later start", func(s *postgres.Store) (any, error) {
		return s.ExecutionList(ctx, &store.ExecutionListParams{MaxResults: 3})
	})
}

// TestSeedingRefuses shows that a seeding fails whole when it cannot write all: an ARN
// taken already, or an execution with rows seeding does not write.
func TestSeedingRefuses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := openSchema(t)
	params := seedParams()
	if _, err := s.ExecutionCreate(ctx, params[3]); err != nil {
		t.Fatal(err)
	}
	sd, err := s.SeedingBegin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := sd.Add(ctx, seedParams()); err == nil || !strings.Contains(err.Error(), "execution_arn_key") {
		t.Fatalf("seeding a taken ARN: %v, want a unique violation of execution_arn_key", err)
	}
	if err := sd.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	withTimer := seedParams()
	withTimer[5].Timers = []*store.TimerAdd{{TimerID: "t", FireAt: time.Now()}}
	if sd, err = s.SeedingBegin(ctx); err != nil {
		t.Fatal(err)
	}
	if err := sd.Add(ctx, withTimer); !errors.Is(err, sqlstore.ErrSeedRecords) {
		t.Fatalf("seeding a timer: %v, want ErrSeedRecords", err)
	}
	if err := sd.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	res, err := s.ExecutionList(ctx, &store.ExecutionListParams{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Executions) != 1 || res.Executions[0].ARN != params[3].ARN {
		t.Fatalf("after refused seedings the store lists %s, want only %s", dump(res.Executions), params[3].ARN)
	}
}

func dump(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	return string(b)
}
