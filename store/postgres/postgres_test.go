package postgres_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stepflow/stepflow/internal/pgtest"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/store/postgres"
	"github.com/stepflow/stepflow/store/storetest"
)

// testDSN returns the test server's DSN, skipping the test without one (failing it in CI).
func testDSN(t testing.TB) string {
	t.Helper()
	return pgtest.DSN(t, "store tests")
}

// openSchema opens a store in a new schema of its own, dropped when the test ends, so tests
// run in parallel on one database.
func openSchema(t testing.TB) (*postgres.Store, string) {
	t.Helper()
	dsn := pgtest.Schema(t, "store tests")
	s, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, dsn
}

func TestConformance(t *testing.T) {
	t.Parallel()
	testDSN(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		s, _ := openSchema(t)
		return s
	})
}

func TestOpenMigratesOnce(t *testing.T) {
	t.Parallel()
	first, dsn := openSchema(t)
	ctx := context.Background()
	_, err := first.ActivityCreate(ctx, &store.ActivityCreateParams{ARN: "arn:aws:states:us-east-1:1:activity:a", Name: "a"})
	if err != nil {
		t.Fatal(err)
	}
	// The schema of first is reopened by a second store: no migration runs twice.
	second, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	if _, err := second.ActivityGetByARN(ctx, &store.ActivityGetByARNParams{ARN: "arn:aws:states:us-east-1:1:activity:a"}); err != nil {
		t.Fatal(err)
	}
}

func TestOpenErrorRedactsPassword(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		dsn, want string
	}{
		{"postgres://stepflow:s3cret@127.0.0.1:1/db?sslmode=disable&connect_timeout=5",
			"open store postgres://stepflow:xxxxx@127.0.0.1:1/db?sslmode=disable&connect_timeout=5: "},
		{"host=127.0.0.1 port=1 user=stepflow password=s3cret dbname=db sslmode=disable connect_timeout=5",
			"open store host=127.0.0.1 port=1 user=stepflow password=xxxxx dbname=db sslmode=disable connect_timeout=5: "},
		{"postgres://u:s3cret@127.0.0.1:1/db?sslmode=bogus",
			"open store postgres://u:xxxxx@127.0.0.1:1/db?sslmode=bogus: invalid DSN"},
	} {
		_, err := postgres.Open(context.Background(), tc.dsn)
		if err == nil {
			t.Fatalf("Open(%q) succeeded", tc.dsn)
		}
		msg := err.Error()
		if len(msg) < len(tc.want) || msg[:len(tc.want)] != tc.want {
			t.Fatalf("got %q, want it to start with %q", msg, tc.want)
		}
		if strings.Contains(msg, "s3cret") {
			t.Fatalf("error %q shows the password", msg)
		}
	}
}

func TestOpenRefusesForeignSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	first, dsn := openSchema(t)
	_ = first.Close()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// Make the schema another application's: its tables, no migration record.
	if _, err := conn.Exec(ctx, "DROP TABLE stepflow_migration; CREATE TABLE orders (id int)"); err != nil {
		t.Fatal(err)
	}
	var schema string
	if err := conn.QueryRow(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		t.Fatal(err)
	}
	_, err = postgres.Open(ctx, dsn)
	want := "open store " + postgres.RedactDSN(dsn) + ": schema " + schema + " is not a Stepflow database " +
		"(it has tables activity, child_execution, child_history, ... but no stepflow_migration table; choose another schema with search_path)"
	if err == nil || err.Error() != want {
		t.Fatalf("got error %v\nwant %s", err, want)
	}
	if !errors.Is(err, store.ErrNotStepflowDatabase) {
		t.Fatalf("errors.Is(%v, ErrNotStepflowDatabase) = false", err)
	}
}

// An unreachable database is store.ErrUnavailable, promptly: a refused connection at once; a
// connection that hangs within the connect timeout, and meanwhile the other calls at once
// (the breaker). Once the database is back the next call succeeds.
func TestUnreachableDatabaseIsUnavailable(t *testing.T) {
	t.Parallel()
	dsn := pgtest.Schema(t, "unreachable database test")
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	proxy := pgtest.StartProxy(t, u.Host)
	ctx := context.Background()
	st, err := postgres.Open(ctx, proxy.DSN(t, dsn))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	get := func() (time.Duration, error) {
		began := time.Now()
		_, err := st.ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: "arn:aws:states:us-east-1:123456789012:execution:m:e"})
		return time.Since(began), err
	}
	for _, mode := range []pgtest.ProxyMode{pgtest.ProxyRefuse, pgtest.ProxyBlackHole} {
		proxy.Cut(mode)
		took, err := get()
		var down *store.UnavailableError
		if !errors.As(err, &down) || down.Reason != store.ReasonUnreachable {
			t.Fatalf("mode %d: %v; want a store.UnavailableError (%s)", mode, err, store.ReasonUnreachable)
		}
		if took > 8*time.Second {
			t.Fatalf("mode %d: the call took %v; want the connect timeout (5 s) at most", mode, took)
		}
		if mode == pgtest.ProxyBlackHole {
			// While one call waits for a hanging connection attempt, the others fail at once.
			probe := make(chan error, 1)
			go func() { _, err := get(); probe <- err }()
			time.Sleep(500 * time.Millisecond)
			if took, err := get(); !errors.Is(err, store.ErrUnavailable) || took > time.Second {
				t.Fatalf("a call beside the probe: %v after %v; want ErrUnavailable at once", err, took)
			}
			if err := <-probe; !errors.Is(err, store.ErrUnavailable) {
				t.Fatalf("the probe: %v", err)
			}
		}
		proxy.Restore(t)
		if _, err := get(); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("mode %d: after the database came back: %v; want ExecutionDoesNotExist's ErrNotFound", mode, err)
		}
	}
}

// TestUpgradeListsRunningExecutionsToCheck: schema 12 lists the Standard executions a store held
// running when it was upgraded (the only ones whose end may be in their snapshot alone), once.
func TestUpgradeListsRunningExecutionsToCheck(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	first, dsn := openSchema(t)
	for _, e := range []struct {
		name string
		typ  sfn.StateMachineType
	}{{"standard", sfn.TypeStandard}, {"express", sfn.TypeExpress}} {
		_, err := first.ExecutionCreate(ctx, &store.ExecutionCreateParams{ARN: "arn:aws:states:us-east-1:1:execution:m:" + e.name,
			StateMachineARN: "arn:aws:states:us-east-1:1:stateMachine:m", Name: e.name, Type: e.typ, Input: "{}", StartDate: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
	}
	if arns, err := first.RecoveryCheckList(ctx, "", 0); err != nil || len(arns) != 0 {
		t.Fatalf("executions started after schema 12 listed to check: %v, %v", arns, err)
	}
	_ = first.Close()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	_, err = conn.Exec(ctx, `DROP TABLE recovery_check; DROP INDEX execution_running_express; DELETE FROM stepflow_migration WHERE version = 12`)
	conn.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	upgraded, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer upgraded.Close()
	arns, err := upgraded.RecoveryCheckList(ctx, "", 0)
	if err != nil || len(arns) != 1 || arns[0] != "arn:aws:states:us-east-1:1:execution:m:standard" {
		t.Fatalf("listed to check after the upgrade: %v, %v; want the running Standard execution", arns, err)
	}
	if after, err := upgraded.RecoveryCheckList(ctx, arns[0], 0); err != nil || len(after) != 0 {
		t.Fatalf("listed after the last one: %v, %v", after, err)
	}
	if err := upgraded.RecoveryCheckDelete(ctx, arns); err != nil {
		t.Fatal(err)
	}
	if arns, err := upgraded.RecoveryCheckList(ctx, "", 0); err != nil || len(arns) != 0 {
		t.Fatalf("left after striking off: %v, %v", arns, err)
	}
}
