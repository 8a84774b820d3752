package interp

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/internal/repotestdata"
	"github.com/stepflow/stepflow/sfn"
)

// loadWorkload reads a bench workload: its compiled program, input and expected output.
func loadWorkload(b testing.TB, name string, opts Options) (*Program, any, any) {
	b.Helper()
	dir := repotestdata.MustDir(b, "bench", name)
	def, err := os.ReadFile(filepath.Join(dir, "definition.json"))
	if err != nil {
		b.Fatalf("bench workload %s: %v", name, err)
	}
	p := compile(b, string(def), opts)
	var input, want any
	for file, v := range map[string]*any{"input.json": &input, "expected-output.json": &want} {
		data, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			b.Fatalf("read %s: %v", file, err)
		}
		if *v, err = jsonvalue.Decode(data); err != nil {
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

// BenchmarkWorkloadChecked is BenchmarkWorkload with history and the default payload limit,
// the Standard-workflow path.
func BenchmarkWorkloadChecked(b *testing.B) {
	for _, name := range []string{"pass-chain-1000", "map-10k"} {
		b.Run(name, func(b *testing.B) {
			p, input, _ := loadWorkload(b, name, Options{History: true, PayloadLimit: sfn.DefaultPayloadLimit})
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

// BenchmarkPassState measures one Pass state with a Parameters template and a ResultPath.
func BenchmarkPassState(b *testing.B) {
	p := compile(b, `{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"step":1,"prev.$":"$.last.step","value.$":"$.value"},
		"ResultPath":"$.last","End":true}}}`, Options{})
	input := decode(b, `{"value":"v","last":{"step":0}}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, step := p.Start(testInfo(), input); !step.Done {
			b.Fatal("not done")
		}
	}
}

// BenchmarkParametersTemplate measures evaluating a template with paths, a context path and
// an intrinsic function.
func BenchmarkParametersTemplate(b *testing.B) {
	p := compile(b, `{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"a.$":"$.a","b":{"c.$":"$.b.c","d":[1,2]},
		"name.$":"$$.Execution.Name","f.$":"States.Format('{}-{}', $.a, $.b.c)"},"End":true}}}`, Options{})
	input := decode(b, `{"a":"x","b":{"c":1}}`)
	e, _ := p.Start(testInfo(), input)
	st := p.states[0]
	x := &env{f: e.s.Root, st: st, input: input}
	b.ReportAllocs()
	for b.Loop() {
		x.ctx = nil
		if _, err := e.evalTemplate(st.parameters, x); err != nil {
			b.Fatal(err)
		}
	}
}
