package main

import (
	"strings"
	"testing"
)

// Bad flags of the scale benchmarks are refused with the field named, before any server
// is started.
func TestBenchScaleFlagsRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bench-open", "--executions", "0"}, "stepflow bench-open: executions: must be at least 1\n"},
		{[]string{"bench-open", "--clients", "0"}, "stepflow bench-open: clients: must be at least 1\n"},
		{[]string{"bench-open", "--samples", "0"}, "stepflow bench-open: samples: must be at least 1\n"},
		{[]string{"bench-nodes", "--postgres", "postgres://x/y", "--nodes", "1,0"}, "stepflow bench-nodes: nodes: must be node counts from 1 to 16, not \"0\"\n"},
		{[]string{"bench-nodes", "--postgres", "postgres://x/y", "--executions", "0"}, "stepflow bench-nodes: executions: must be at least 1\n"},
		{[]string{"bench-api", "--mode", "fast"}, "stepflow bench-api: mode: must be start-describe or sync, not \"fast\"\n"},
		{[]string{"bench-api", "--connections", "0"}, "stepflow bench-api: connections: must be at least 1\n"},
		{[]string{"bench-store", "--executions", "10"}, "stepflow bench-store: db: give --db FILE or --postgres DSN\n"},
		{[]string{"bench-store", "--db", "x.db", "--executions", "0"}, "stepflow bench-store: executions: must be at least 1\n"},
		{[]string{"bench-nodes", "--postgres", ""}, "stepflow bench-nodes: postgres: give --postgres DSN or set STEPFLOW_TEST_POSTGRES\n"},
	} {
		code, _, stderr := runCLI(t, tc.args...)
		if code != 1 || stderr != tc.want {
			t.Errorf("%s: exit %d, stderr %q; want exit 1, %q", strings.Join(tc.args, " "), code, stderr, tc.want)
		}
	}
}

func TestBenchWithSearchPath(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ dsn, want string }{
		{"postgres://u:p@h:5432/db?sslmode=disable", "postgres://u:p@h:5432/db?search_path=s1&sslmode=disable"},
		{"host=h dbname=db", "host=h dbname=db search_path=s1"},
	} {
		got, err := benchWithSearchPath(tc.dsn, "s1")
		if err != nil || got != tc.want {
			t.Errorf("benchWithSearchPath(%q) = %q, %v; want %q", tc.dsn, got, err, tc.want)
		}
	}
}
