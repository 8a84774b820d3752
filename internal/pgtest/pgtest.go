// Package pgtest gives tests a PostgreSQL schema of their own on the server that
// STEPFLOW_TEST_POSTGRES names, so that tests run in parallel on one database. Without the
// variable a test is skipped, and failed when CI=true: CI must run them.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// DSN returns the test server's DSN; what names the tests in the skip message.
func DSN(t testing.TB, what string) string {
	t.Helper()
	dsn := os.Getenv("STEPFLOW_TEST_POSTGRES")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("STEPFLOW_TEST_POSTGRES not set: CI must run the PostgreSQL %s", what)
		}
		t.Skipf("STEPFLOW_TEST_POSTGRES not set: skipping the PostgreSQL %s "+
			"(set it to e.g. postgres://postgres:stepflow@127.0.0.1:5432/stepflow_test?sslmode=disable)", what)
	}
	return dsn
}

// Schema creates a schema of its own, dropped when the test ends, and returns a DSN whose
// search_path is that schema.
func Schema(t testing.TB, what string) string {
	t.Helper()
	ctx := context.Background()
	dsn := DSN(t, what)
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "stepflow_test_" + hex.EncodeToString(b)
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
	return WithSearchPath(dsn, schema)
}

// WithSearchPath returns dsn (a URL or a key=value DSN) with its search_path set to schema.
func WithSearchPath(dsn, schema string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		return dsn + " search_path=" + schema
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
