package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGraphCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	def := filepath.Join(dir, "def.json")
	if err := os.WriteFile(def, []byte(`{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		args       []string
		file       string // -o target to read instead of stdout
		wantPrefix string
		wantStderr string
		wantExit   int
	}{
		{"svg by default", []string{def}, "", `<svg xmlns="http://www.w3.org/2000/svg"`, "", 0},
		{"dot", []string{def, "--format", "dot"}, "", "digraph stateMachine {\n", "", 0},
		{"mermaid", []string{"--format", "mermaid", def}, "", "flowchart TD\n  start((\"Start\"))\n  s0[\"A\"]\n", "", 0},
		{"format from -o", []string{def, "-o", filepath.Join(dir, "out.gv")}, filepath.Join(dir, "out.gv"), "digraph", "", 0},
		{"unknown format", []string{def, "--format", "png"}, "", "", "stepflow graph: --format must be svg, dot or mermaid, not \"png\"\n", 1},
		{"invalid definition", []string{bad}, "", "", bad + ": ERROR MISSING_TRANSITION_TARGET /States/A/Next: Missing 'Next' target: B\n", 1},
		{"no definition", nil, "", "", "usage: stepflow graph", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			exit := runMain(context.Background(), append([]string{"graph"}, tt.args...), &stdout, &stderr)
			if exit != tt.wantExit {
				t.Fatalf("exit = %d, want %d (stderr %q)", exit, tt.wantExit, stderr.String())
			}
			got := stdout.String()
			if tt.file != "" {
				b, err := os.ReadFile(tt.file)
				if err != nil {
					t.Fatal(err)
				}
				got = string(b)
			}
			if !strings.HasPrefix(got, tt.wantPrefix) {
				t.Errorf("output starts %q, want prefix %q", got[:min(len(got), 80)], tt.wantPrefix)
			}
			if !strings.HasPrefix(stderr.String(), tt.wantStderr) || (tt.wantStderr == "" && stderr.Len() > 0) {
				t.Errorf("stderr = %q, want prefix %q", stderr.String(), tt.wantStderr)
			}
		})
	}
}
