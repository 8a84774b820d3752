package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/stepflow/stepflow/internal/pgtest"
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
		"(it has tables activity, definition, dispatch, ... but no stepflow_migration table; choose another schema with search_path)"
	if err == nil || err.Error() != want {
		t.Fatalf("got error %v\nwant %s", err, want)
	}
	if !errors.Is(err, store.ErrNotStepflowDatabase) {
		t.Fatalf("errors.Is(%v, ErrNotStepflowDatabase) = false", err)
	}
}
