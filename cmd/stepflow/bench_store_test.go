package main

import (
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/internal/pgtest"
)

// bench-store seeds a small SQLite store, reads it back (the command fails should the long
// history not come back whole), measures start latency while retention deletes the quarter
// of the executions that ended more than 90 days ago, and measures a seeded store again
// without seeding it.
func TestBenchStoreSeedsMeasuresAndSweeps(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "bench.db")
	code, stdout, stderr := runCLI(t, "bench-store", "--db", db, "--executions", "2000", "--batch", "300", "--history", "2500",
		"--samples", "3", "--pages", "2", "--retention", "--clients", "2", "--duration", "300ms")
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, stdout, stderr)
	}
	for _, want := range []string{"seed: 2000 executions (4 events each)", "one execution of 2500 events",
		"ListExecutions, version ARN + FAILED", "GetExecutionHistory of 2500 events, each page of 1,000",
		"without retention", "while retention sweeps", "after retention"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	// Executions 0-499 ended more than 90 of the 120 days ago; number 500 ended one second
	// after the cutoff as the seeding set it, so it is deleted too once the sweep runs more
	// than a second later.
	m := regexp.MustCompile(`the sweep deleted (\d+) executions`).FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("no sweep line:\n%s", stdout)
	}
	if n, _ := strconv.Atoi(m[1]); n != 500 && n != 501 {
		t.Errorf("the sweep deleted %d executions, want 500 (or 501)", n)
	}
	code, stdout, stderr = runCLI(t, "bench-store", "--db", db, "--executions", "2000", "--history", "2500", "--samples", "2", "--pages", "1")
	if code != 0 || !strings.Contains(stdout, "seeded already") {
		t.Fatalf("second run: exit %d: %s%s", code, stdout, stderr)
	}
}

// On PostgreSQL bench-store seeds through COPY, in batches of which the last is short, and
// the store it seeded reads back and sweeps as one written through ExecutionCreateBatch.
func TestBenchStoreOnPostgresSeedsThroughCopy(t *testing.T) {
	t.Parallel()
	dsn := pgtest.Schema(t, "bench-store on PostgreSQL")
	code, stdout, stderr := runCLI(t, "bench-store", "--postgres", dsn, "--executions", "2000", "--batch", "300", "--history", "2500",
		"--samples", "3", "--pages", "2", "--retention", "--clients", "2", "--duration", "300ms")
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, stdout, stderr)
	}
	for _, want := range []string{"seed: 2000 executions (4 events each) through COPY", "one execution of 2500 events",
		"GetExecutionHistory of 2500 events, each page of 1,000", "without retention", "while retention sweeps", "after retention"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	m := regexp.MustCompile(`the sweep deleted (\d+) executions`).FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("no sweep line:\n%s", stdout)
	}
	if n, _ := strconv.Atoi(m[1]); n != 500 && n != 501 {
		t.Errorf("the sweep deleted %d executions, want 500 (or 501)", n)
	}
}

// A retention age that is not positive is refused before anything is opened.
func TestBenchStoreRefusesARetentionAgeOfZero(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "bench.db")
	code, stdout, stderr := runCLI(t, "bench-store", "--db", db, "--retention", "--retention-age", "0s")
	if code == 0 || !strings.Contains(stderr, "retention-age: must be positive") {
		t.Fatalf("exit %d: %s%s", code, stdout, stderr)
	}
}

// bench-api drives a running server with both workloads and reports each action it sent.
func TestBenchAPIAgainstARunningServer(t *testing.T) {
	url, _, _, stop := startServerCommand(t, "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "api.db"),
		"--execution-log-dir", "off", "--ui", "off")
	defer stop()
	addr := strings.TrimPrefix(url, "http://")
	procs := strconv.Itoa(runtime.GOMAXPROCS(0)) // bench-api sets it for the whole process
	for _, tc := range []struct {
		mode string
		rows []string
	}{
		{"start-describe", []string{"StartExecution", "DescribeExecution"}},
		{"sync", []string{"StartSyncExecution"}},
	} {
		code, stdout, stderr := runCLI(t, "bench-api", "--addr", addr, "--mode", tc.mode, "--connections", "4",
			"--duration", "500ms", "--warmup", "100ms", "--client-procs", procs)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s%s", tc.mode, code, stdout, stderr)
		}
		for _, row := range append(tc.rows, "all", "load generator CPU") {
			if !regexp.MustCompile(`(?m)^` + row + ` +[1-9]|^` + row + `: `).MatchString(stdout) {
				t.Errorf("%s: no %s row with requests:\n%s", tc.mode, row, stdout)
			}
		}
	}
}
