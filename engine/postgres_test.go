package engine

import (
	"context"
	"testing"
	"time"

	"github.com/stepflow/stepflow/internal/pgtest"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/store/postgres"
)

// openPostgres opens a store in a schema of its own on STEPFLOW_TEST_POSTGRES, dropped when
// the test ends; without the variable the test is skipped (failed in CI).
func openPostgres(t testing.TB) (open func() store.Store) {
	t.Helper()
	dsn := pgtest.Schema(t, "engine tests")
	return func() store.Store {
		s, err := postgres.Open(context.Background(), dsn)
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
	a := startEngine(t, Config{Store: open(), Invoker: crashInvoker, NodeID: "a", LeaseDuration: 300 * time.Millisecond, TimerPollInterval: 50 * time.Millisecond})
	b := startEngine(t, Config{Store: open(), Invoker: crashInvoker, NodeID: "b", LeaseDuration: 300 * time.Millisecond, TimerPollInterval: 50 * time.Millisecond})
	sm := createMachine(t, a, "crash", crashMachine, sfn.TypeStandard)
	arns := startOnTwo(t, a, b, sm, 20)
	checkCrashRuns(t, a, arns)
	checkRollupsMatchHistories(t, a.Store(), sm, arns)
}
