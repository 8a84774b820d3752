package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stepflow/stepflow/engine"
	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/store/sqlite"
)

func init() {
	register(subcommand{name: "bench-durable", summary: "run the benchmark workloads as durable Standard executions on SQLite", run: runBenchDurable})
}

// runBenchDurable runs each workload of the bench directory as Standard executions through
// the durable engine on a SQLite file: every step is committed as it would be in the server.
// --concurrency runs that many executions at once per timed run, which is where the engine's
// commit batching shows.
func runBenchDurable(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench-durable", flag.ContinueOnError)
	fs.SetOutput(stderr)
	runs := fs.Int("runs", 5, "timed runs per workload")
	concurrency := fs.Int("concurrency", 1, "executions started at once in each run")
	format := fs.String("format", "text", "text or json (one JSON object per workload)")
	dbPath := fs.String("db", "", "SQLite file to use (default: a new file in a temporary directory)")
	payloadLimit := fs.Int("payload-limit", 4<<20, "largest state input/output in bytes")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: stepflow bench-durable [--runs N] [--concurrency C] [--db FILE] [--format text|json] [DIR] [WORKLOAD...]")
		fs.PrintDefaults()
	}
	positional, err := parseAll(fs, args)
	if err != nil {
		return exitError{Code: 2}
	}
	if *runs < 1 || *concurrency < 1 {
		return fmt.Errorf("--runs and --concurrency must be at least 1")
	}
	dir, names, err := benchWorkloadNames(positional)
	if err != nil {
		return err
	}
	path := *dbPath
	if path == "" {
		tmp, err := os.MkdirTemp("", "stepflow-bench-durable-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		path = filepath.Join(tmp, "bench.db")
	}
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		return err
	}
	defer st.Close()
	eng, err := engine.New(engine.Config{Store: st, PayloadLimit: *payloadLimit, Retention: -1})
	if err != nil {
		return err
	}
	if err := eng.Start(ctx); err != nil {
		return err
	}
	defer eng.Close(context.Background())

	failed := false
	for _, name := range names {
		r := benchDurableWorkload(ctx, eng, filepath.Join(dir, name), name, *runs, *concurrency)
		r.Workload = name
		failed = r.print(stdout, *format, fmt.Sprintf(" x%d", *concurrency)) || failed
	}
	tx, steps, _ := eng.CommitStats()
	if *format != "json" && tx > 0 {
		fmt.Fprintf(stdout, "batched commits: %d steps in %d transactions (%.1f steps each)\n", steps, tx, float64(steps)/float64(tx))
	}
	if failed {
		return exitError{Code: 1}
	}
	return nil
}

// benchWorkloadNames reads the optional bench directory and workload names.
func benchWorkloadNames(positional []string) (string, []string, error) {
	dir := ""
	var names []string
	for _, a := range positional {
		if st, err := os.Stat(a); err == nil && st.IsDir() && dir == "" && len(names) == 0 {
			dir = a
			continue
		}
		names = append(names, a)
	}
	if dir == "" {
		var err error
		if dir, err = defaultBenchDir(); err != nil {
			return "", nil, err
		}
	}
	if len(names) == 0 {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return "", nil, fmt.Errorf("read bench dir: %w", err)
		}
		for _, e := range entries {
			if _, err := os.Stat(filepath.Join(dir, e.Name(), "definition.json")); e.IsDir() && err == nil {
				names = append(names, e.Name())
			}
		}
		sort.Strings(names)
	}
	return dir, names, nil
}

func benchDurableWorkload(ctx context.Context, eng *engine.Engine, dir, name string, runs, concurrency int) benchResult {
	res := benchResult{Mode: "standard-durable", Runs: runs}
	fail := func(err error) benchResult { res.Error = err.Error(); return res }
	files, err := loadBenchFiles(dir)
	if err != nil {
		return fail(err)
	}
	def, input, expected := files.definition, files.input, files.expected
	res.Transitions = files.transitions * concurrency

	machine := fmt.Sprintf("bench-%s-%d", name, time.Now().UnixNano())
	arn := eng.Scope().StateMachineARN(machine)
	_, err = eng.Store().StateMachineCreate(ctx, &store.StateMachineCreateParams{ARN: arn, Name: machine,
		Type: sfn.TypeStandard, Definition: string(def), RoleARN: eng.Scope().RoleARN("bench"), RevisionID: "1",
		CreatedDate: time.Now().UTC()})
	if err != nil {
		return fail(err)
	}
	var mismatched atomic.Bool // written by the runs' goroutines
	run := func(round int) (time.Duration, error) {
		var wg sync.WaitGroup
		errs := make([]error, concurrency)
		start := time.Now()
		for i := 0; i < concurrency; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rec, err := eng.StartExecution(ctx, &engine.StartExecutionParams{StateMachineARN: arn,
					Name: fmt.Sprintf("r%d-%d", round, i), Input: string(input)})
				if err == nil {
					rec, err = eng.AwaitExecution(ctx, rec.ARN)
				}
				if err != nil {
					errs[i] = err
					return
				}
				if rec.Status != sfn.StatusSucceeded || rec.Output == nil {
					errs[i] = fmt.Errorf("execution %s: %s: %s", rec.Status, rec.Error, rec.Cause)
					return
				}
				out, err := jsonvalue.Unmarshal([]byte(*rec.Output))
				if err != nil || !jsonvalue.Equal(out, expected) {
					mismatched.Store(true)
				}
			}()
		}
		wg.Wait()
		elapsed := time.Since(start)
		for _, err := range errs {
			if err != nil {
				return 0, err
			}
		}
		return elapsed, nil
	}
	if _, err := run(-1); err != nil { // warm-up and check, untimed
		return fail(err)
	}
	times := make([]float64, 0, runs)
	for i := 0; i < runs; i++ {
		d, err := run(i)
		if err != nil {
			return fail(err)
		}
		times = append(times, float64(d.Nanoseconds())/1e6)
	}
	res.setTimes(times)
	res.OutputMatched = !mismatched.Load()
	return res
}
