package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBenchJSONContract: one JSON object per workload with exactly the fields external
// checkers read, a correct output marked matched and a wrong expectation marked unmatched.
func TestBenchJSONContract(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	workload := func(name, expected string) {
		w := filepath.Join(dir, name)
		if err := os.MkdirAll(w, 0o755); err != nil {
			t.Fatal(err)
		}
		files := map[string]string{
			"definition.json":      `{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"n.$":"States.MathAdd($.n, 1)"},"Next":"B"},"B":{"Type":"Pass","End":true}}}`,
			"input.json":           `{"n": 1}`,
			"expected-output.json": expected,
			"meta.json":            `{"transitions": 2}`,
		}
		for f, text := range files {
			if err := os.WriteFile(filepath.Join(w, f), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	workload("good", `{"n": 2}`)
	workload("bad", `{"n": 3}`)
	code, stdout, stderr := runCLI(t, "bench", dir, "--runs", "3", "--format", "json")
	if code != 1 { // the bad workload fails the command
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines: %s", len(lines), stdout)
	}
	want := []string{"workload", "mode", "runs", "median_ms", "min_ms", "transitions", "transitions_per_sec", "output_matched"}
	matched := map[string]bool{}
	for _, line := range lines {
		var obj map[string]any
		if err := json.Unmarshal([]byte(line), &obj); err != nil {
			t.Fatalf("not JSON: %s", line)
		}
		if len(obj) != len(want) {
			t.Fatalf("fields %v, want exactly %v", obj, want)
		}
		for _, k := range want {
			if _, ok := obj[k]; !ok {
				t.Fatalf("field %s missing in %s", k, line)
			}
		}
		if obj["runs"] != 3.0 || obj["transitions"] != 2.0 || obj["mode"] != "express-memory" {
			t.Fatalf("unexpected values %s", line)
		}
		matched[obj["workload"].(string)] = obj["output_matched"].(bool)
	}
	if !matched["good"] || matched["bad"] {
		t.Fatalf("output_matched = %v", matched)
	}
}
