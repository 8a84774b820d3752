package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/store/postgres"
)

// openPostgres opens a store in a schema of its own on STEPFLOW_TEST_POSTGRES, dropped when
// the test ends; without the variable the test is skipped (failed in CI).
func openPostgres(t testing.TB) (open func() store.Store) {
	t.Helper()
	dsn := os.Getenv("STEPFLOW_TEST_POSTGRES")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("STEPFLOW_TEST_POSTGRES not set: CI must run the PostgreSQL engine tests")
		}
		t.Skip("STEPFLOW_TEST_POSTGRES not set: skipping the PostgreSQL engine tests")
	}
	ctx := context.Background()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "stepflow_engine_test_" + hex.EncodeToString(b)
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), dsn)
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Error(err)
		}
	})
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		dsn += " search_path=" + schema
	} else {
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		dsn = u.String()
	}
	return func() store.Store {
		s, err := postgres.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
}

// TestPostgresTwoNodes runs the multi-node scenario on PostgreSQL: two engines, one database.
func TestPostgresTwoNodes(t *testing.T) {
	t.Parallel()
	open := openPostgres(t)
	ctx := context.Background()
	a := startEngine(t, Config{Store: open(), Invoker: crashInvoker, NodeID: "a", LeaseDuration: 300 * time.Millisecond, TimerPollInterval: 50 * time.Millisecond})
	b := startEngine(t, Config{Store: open(), Invoker: crashInvoker, NodeID: "b", LeaseDuration: 300 * time.Millisecond, TimerPollInterval: 50 * time.Millisecond})
	sm := createMachine(t, a, "crash", crashMachine, sfn.TypeStandard)
	want := referenceHistory(t)
	const n = 20
	arns := make([]string, n)
	for i := range arns {
		starter := a
		if i%2 == 1 {
			starter = b
		}
		rec, err := starter.StartExecution(ctx, &StartExecutionParams{StateMachineARN: sm, Name: fmt.Sprintf("e-%d", i),
			Input: fmt.Sprintf(`{"n":%d,"wait":%d}`, i, i%2)})
		if err != nil {
			t.Fatalf("start %d: %v", i, err)
		}
		arns[i] = rec.ARN
	}
	for i, arn := range arns {
		rec := awaitEnd(t, a, arn)
		if got := output(t, rec); !reflect.DeepEqual(got, map[string]any{"n": float64(i + 3), "wait": float64(i % 2)}) {
			t.Fatalf("execution %d output %v", i, got)
		}
		got := eventTypes(history(t, a.Store(), arn))
		slices.Sort(got)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("execution %d history (sorted types)\n got %v\nwant %v", i, got, want)
		}
	}
}
