package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"time"

	"github.com/stepflow/stepflow/asl"
	"github.com/stepflow/stepflow/engine"
	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/internal/repotestdata"
	"github.com/stepflow/stepflow/interp"
	"github.com/stepflow/stepflow/sfn"
)

func init() {
	register(subcommand{name: "bench", summary: "run the benchmark workloads (testdata/bench by default) and print throughput", run: runBench})
}

// benchResult is one workload's line; the JSON field names are a contract with external checkers.
type benchResult struct {
	Workload          string  `json:"workload"`
	Mode              string  `json:"mode"`
	Runs              int     `json:"runs"`
	MedianMS          float64 `json:"median_ms"`
	MinMS             float64 `json:"min_ms"`
	Transitions       int     `json:"transitions"`
	TransitionsPerSec float64 `json:"transitions_per_sec"`
	OutputMatched     bool    `json:"output_matched"`
	Error             string  `json:"error,omitempty"`
}

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	// --durable runs the same workloads through the durable engine on SQLite (bench-durable).
	for i, a := range args {
		if a == "--durable" || a == "-durable" {
			rest := append(append([]string{}, args[:i]...), args[i+1:]...)
			return runBenchDurable(ctx, rest, stdout, stderr)
		}
	}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.Bool("durable", false, "run the workloads as durable Standard executions on SQLite (same as stepflow bench-durable; accepts its --concurrency and --db flags)")
	fs.SetOutput(stderr)
	runs := fs.Int("runs", 5, "timed executions per workload")
	format := fs.String("format", "text", "text or json (one JSON object per workload)")
	payloadLimit := fs.Int("payload-limit", 4<<20, "largest state input/output in bytes; raised above AWS's 256 KiB because payload-heavy exceeds it on purpose")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: stepflow bench [--durable] [--runs N] [--format text|json] [DIR] [WORKLOAD...]")
		fs.PrintDefaults()
	}
	positional, err := parseAll(fs, args)
	if err != nil {
		return exitError{Code: 2}
	}
	if *runs < 1 {
		return fmt.Errorf("--runs must be at least 1")
	}
	dir, names, err := benchWorkloadNames(positional)
	if err != nil {
		return err
	}
	failed := false
	for _, name := range names {
		r := benchWorkload(ctx, filepath.Join(dir, name), *runs, *payloadLimit)
		r.Workload = name
		failed = r.print(stdout, *format, "") || failed
	}
	if failed {
		return exitError{Code: 1}
	}
	return nil
}

// defaultBenchDir is the repository's testdata/bench, found from the working directory up.
// The workloads are not built into the binary, so outside a clone the directory is an argument.
func defaultBenchDir() (string, error) {
	dir, err := repotestdata.Dir("bench")
	if err != nil {
		return "", fmt.Errorf("no workload directory given, and %v: run inside a Stepflow clone or give the directory (stepflow bench path/to/stepflow/testdata/bench)", err)
	}
	return dir, nil
}

func benchWorkload(ctx context.Context, dir string, runs, payloadLimit int) benchResult {
	res := benchResult{Mode: "express-memory", Runs: runs}
	fail := func(err error) benchResult { res.Error = err.Error(); return res }
	files, err := loadBenchFiles(dir)
	if err != nil {
		return fail(err)
	}
	def, inputText, expected := files.definition, files.input, files.expected
	res.Transitions = files.transitions

	sm, diags := asl.Parse(def, asl.ParseOptions{Type: sfn.TypeExpress})
	if diags.HasErrors() {
		return fail(fmt.Errorf("invalid definition: %s %s: %s", diags[0].Code, diags[0].Location, diags[0].Message))
	}
	prog, err := interp.Compile(sm, interp.Options{PayloadLimit: payloadLimit})
	if err != nil {
		return fail(err)
	}
	runOnce := func(i int) (time.Duration, bool, error) {
		input, err := jsonvalue.Decode(inputText) // every execution gets its own copy, untimed, in the engine's form as the API decodes it
		if err != nil {
			return 0, false, err
		}
		info := interp.ExecutionInfo{ExecutionARN: fmt.Sprintf("bench-%d", i), ExecutionName: fmt.Sprintf("bench-%d", i), StartTime: time.Now().UTC(), Seed: uint64(i)}
		runtime.GC()
		start := time.Now()
		out, err := engine.Run(ctx, prog, engine.RunOptions{Info: info, Input: input, VirtualTime: true})
		elapsed := time.Since(start)
		if err != nil {
			return 0, false, err
		}
		if out.Status != sfn.StatusSucceeded {
			return 0, false, fmt.Errorf("execution %s: %s: %s", out.Status, out.Error, out.Cause)
		}
		return elapsed, jsonvalue.Equal(out.Output, expected), nil
	}
	matched := true
	for i := 0; i < 2; i++ { // a checked run and a warm-up, untimed
		_, ok, err := runOnce(-1 - i)
		if err != nil {
			return fail(err)
		}
		matched = matched && ok
	}
	times := make([]float64, 0, runs)
	for i := 0; i < runs; i++ {
		d, ok, err := runOnce(i)
		if err != nil {
			return fail(err)
		}
		matched = matched && ok
		times = append(times, float64(d.Nanoseconds())/1e6)
	}
	res.setTimes(times)
	res.OutputMatched = matched
	return res
}

// print writes the result as one JSON object (format json) or one line for people; runs
// adds to the runs count (e.g. "x20" for concurrent executions). It reports a failure.
func (r benchResult) print(w io.Writer, format, runs string) (failed bool) {
	if format == "json" {
		b, _ := json.Marshal(r)
		fmt.Fprintln(w, string(b))
	} else if r.Error != "" {
		fmt.Fprintf(w, "%-18s %-16s FAILED: %s\n", r.Workload, r.Mode, r.Error)
	} else {
		fmt.Fprintf(w, "%-18s %-16s runs=%d%s median=%.2fms min=%.2fms transitions=%d %.0f tr/s output_matched=%v\n",
			r.Workload, r.Mode, r.Runs, runs, r.MedianMS, r.MinMS, r.Transitions, r.TransitionsPerSec, r.OutputMatched)
	}
	return r.Error != "" || !r.OutputMatched
}

// benchFiles is one workload folder: definition.json, input.json, expected-output.json and
// meta.json's transition count.
type benchFiles struct {
	definition, input []byte
	expected          any
	transitions       int
}

func loadBenchFiles(dir string) (*benchFiles, error) {
	f := &benchFiles{}
	var err error
	if f.definition, err = os.ReadFile(filepath.Join(dir, "definition.json")); err != nil {
		return nil, err
	}
	if f.input, err = os.ReadFile(filepath.Join(dir, "input.json")); err != nil {
		return nil, err
	}
	if f.expected, err = jsonvalue.ReadFile(filepath.Join(dir, "expected-output.json")); err != nil {
		return nil, err
	}
	var meta struct {
		Transitions int `json:"transitions"`
	}
	if b, err := os.ReadFile(filepath.Join(dir, "meta.json")); err == nil {
		_ = json.Unmarshal(b, &meta)
	}
	f.transitions = meta.Transitions
	return f, nil
}

// setTimes fills in the minimum, the median and the throughput from the timed runs (ms).
func (r *benchResult) setTimes(times []float64) {
	sort.Float64s(times)
	r.MinMS = round2(times[0])
	median := times[len(times)/2]
	if len(times)%2 == 0 {
		median = (times[len(times)/2-1] + times[len(times)/2]) / 2
	}
	r.MedianMS = round2(median)
	if median > 0 {
		r.TransitionsPerSec = float64(int64(float64(r.Transitions) / (median / 1000)))
	}
}

func round2(f float64) float64 { return float64(int64(f*100+0.5)) / 100 }

// parseAll parses flags anywhere among positional arguments.
func parseAll(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return positional, nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}
