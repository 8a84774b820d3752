package interp

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

const benchDir = "../../shared/bench"

// loadWorkload reads a bench workload: its compiled program, input and expected output.
func loadWorkload(b testing.TB, name string, opts Options) (*Program, any, any) {
	b.Helper()
	dir := filepath.Join(benchDir, name)
	def, err := os.ReadFile(filepath.Join(dir, "definition.json"))
	if err != nil {
		b.Skipf("bench workload %s not found: %v", name, err)
	}
	p := compile(b, string(def), opts)
	var input, want any
	for file, v := range map[string]*any{"input.json": &input, "expected-output.json": &want} {
		data, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			b.Fatalf("read %s: %v", file, err)
		}
		if err := json.Unmarshal(data, v); err != nil {
			b.Fatalf("decode %s: %v", file, err)
		}
	}
	return p, input, want
}

var workloads = []string{"pass-chain-1000", "choice-loop-10k", "map-10k", "parallel-fanout", "payload-heavy", "retry-catch-1000"}

// TestWorkloads runs every bench workload once, with and without history, and checks its output.
func TestWorkloads(t *testing.T) {
	t.Parallel()
	for _, name := range workloads {
		for _, history := range []bool{false, true} {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				p, input, want := loadWorkload(t, name, Options{History: history})
				d := &driver{tasks: echoTasks, t: t}
				e := d.run(p, input)
				got := e.Result()
				if got.Status != "SUCCEEDED" {
					t.Fatalf("status %s: %s: %s", got.Status, got.Error, got.Cause)
				}
				if !jsonEqual(got.Output, want) {
					t.Fatalf("output differs from expected-output.json")
				}
			})
		}
	}
}

// BenchmarkWorkload runs each bench workload on the fast path (History off), as the bench
// command does for Express executions.
func BenchmarkWorkload(b *testing.B) {
	for _, name := range workloads {
		b.Run(name, func(b *testing.B) {
			p, input, _ := loadWorkload(b, name, Options{})
			b.ReportAllocs()
			for b.Loop() {
				d := driver{tasks: echoTasks, t: b}
				if e := d.run(p, input); e.Result().Status != "SUCCEEDED" {
					b.Fatalf("status %s", e.Result().Status)
				}
			}
		})
	}
}
