package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestBenchAndConformanceDefaultToTestdata: with no directory, both commands use the
// repository's own copies, found from the working directory (this package's folder).
func TestBenchAndConformanceDefaultToTestdata(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := runCLI(t, "bench", "pass-chain-1000", "--runs", "1", "--format", "json")
	if code != 0 {
		t.Fatalf("bench: exit %d, stderr %s", code, stderr)
	}
	var line struct {
		Workload      string `json:"workload"`
		Transitions   int    `json:"transitions"`
		OutputMatched bool   `json:"output_matched"`
	}
	if err := json.Unmarshal([]byte(stdout), &line); err != nil {
		t.Fatalf("bench output %q: %v", stdout, err)
	}
	if line.Workload != "pass-chain-1000" || line.Transitions != 1000 || !line.OutputMatched {
		t.Fatalf("bench: %+v", line)
	}

	code, stdout, stderr = runCLI(t, "conformance")
	if code != 0 {
		t.Fatalf("conformance: exit %d, stderr %s", code, stderr)
	}
	if !strings.Contains(stdout, "TOTAL") || !strings.Contains(stdout, "/713 ") {
		t.Fatalf("conformance did not run the 713 recorded cases:\n%s", stdout)
	}
	if !strings.Contains(stdout, "VALIDATION ") || !strings.Contains(stdout, "/115 ") {
		t.Fatalf("conformance did not check the 115 recorded validation answers:\n%s", stdout)
	}
}

// TestBenchAndConformanceOutsideAClone: the data is not in the binary, so outside a clone
// both commands say what to give them instead of failing on a path they made up.
func TestBenchAndConformanceOutsideAClone(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, args := range [][]string{{"bench"}, {"bench", "--durable"}, {"conformance"}} {
		code, _, stderr := runCLI(t, args...)
		if code != 1 || !strings.Contains(stderr, "no Stepflow repository") || !strings.Contains(stderr, "give the directory") {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
	}
}
