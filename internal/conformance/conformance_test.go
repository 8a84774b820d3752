package conformance

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/internal/repotestdata"
)

var updateKnownFailures = flag.Bool("update-known-failures", false, "rewrite testdata/known-failures.txt from this run")

const knownFailuresFile = "testdata/known-failures.txt"

// TestLocalStackConformance runs every recorded case. A case listed in the known-failures
// file must fail, every other case must pass, so the list always tells the truth.
func TestLocalStackConformance(t *testing.T) {
	dir := repotestdata.MustDir(t, "conformance", "localstack")
	cases, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	known := readKnownFailures(t)
	var results []Result
	for _, c := range cases {
		r := Run(context.Background(), c)
		results = append(results, r)
		if *updateKnownFailures {
			continue
		}
		_, listed := known[c.Name]
		switch {
		case !r.Pass && !listed:
			t.Errorf("%s: %s", c.Name, r.Reason)
		case r.Pass && listed:
			t.Errorf("%s passes now: remove it from %s", c.Name, knownFailuresFile)
		}
	}
	s := Summarize(results)
	t.Logf("conformance pass rate:\n%s", s)
	fmt.Printf("conformance: %d/%d cases pass (%.1f%%)\n", s.Passed, s.Total, pct(s.Passed, s.Total))
	if *updateKnownFailures {
		writeKnownFailures(t, results)
	}
}

func readKnownFailures(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open(knownFailuresFile)
	if os.IsNotExist(err) {
		return map[string]string{}
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	known := map[string]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, reason, _ := strings.Cut(line, " ")
		known[name] = strings.TrimSpace(reason)
	}
	return known
}

func writeKnownFailures(t *testing.T, results []Result) {
	t.Helper()
	var lines []string
	for _, r := range results {
		if !r.Pass {
			lines = append(lines, r.Case.Name+" "+strings.ReplaceAll(r.Reason, "\n", " "))
		}
	}
	sort.Strings(lines)
	text := "# Recorded AWS cases Stepflow does not pass yet: case folder, then the first difference found.\n" +
		"# Regenerate with: go test ./internal/conformance -run TestLocalStackConformance -update-known-failures\n" +
		strings.Join(lines, "\n") + "\n"
	if err := os.MkdirAll("testdata", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(knownFailuresFile, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
