package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stepflow/stepflow/asl"
	"github.com/stepflow/stepflow/internal/gcpace"
	"github.com/stepflow/stepflow/internal/pgtest"
	"github.com/stepflow/stepflow/internal/repotestdata"
	"github.com/stepflow/stepflow/interp"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/store/postgres"
	"github.com/stepflow/stepflow/task"
)

// shortMachine is a short Standard workflow: three tasks and a pass, 4 state transitions.
const shortMachine = `{"StartAt":"A","States":{
	"A":{"Type":"Task","Resource":"` + lambdaARN + `echo","Next":"B"},
	"B":{"Type":"Task","Resource":"` + lambdaARN + `echo","Next":"C"},
	"C":{"Type":"Task","Resource":"` + lambdaARN + `echo","Next":"D"},
	"D":{"Type":"Pass","End":true}}}`

// mixedMachine is a short workflow of the common shape: states that need no task (Pass,
// Choice, Succeed) around one Task. 5 state transitions in 2 commits: the start runs up to
// the task, the task's result runs to the end.
const mixedMachine = `{"StartAt":"Prepare","States":{
	"Prepare":{"Type":"Pass","Result":{"ok":true},"ResultPath":"$.prep","Next":"Route"},
	"Route":{"Type":"Choice","Choices":[{"Variable":"$.x","NumericEquals":1,"Next":"Work"}],"Default":"Reject"},
	"Work":{"Type":"Task","Resource":"` + lambdaARN + `echo","Next":"Record"},
	"Record":{"Type":"Pass","Next":"Done"},
	"Done":{"Type":"Succeed"},
	"Reject":{"Type":"Fail","Error":"Rejected"}}}`

var echoInvoker = funcInvoker{lambdaARN + "echo": func(ctx context.Context, req *task.Request) (any, error) {
	return req.Input, nil
}}

// benchEngine starts an engine whose ended executions are signalled on a channel per ARN.
func benchEngine(b *testing.B, maxBatch int) (*Engine, *sync.Map) {
	return benchEngineOn(b, openSQLite(b, ""), maxBatch, 1, false)
}

// benchEngineOn starts an engine on st; shared says other engines may use the store, as
// `stepflow server` says on PostgreSQL: task results are then fenced by their leases.
func benchEngineOn(b *testing.B, st store.Store, maxBatch, workers int, shared bool) (*Engine, *sync.Map) {
	waiters := &sync.Map{}
	e, err := New(Config{Store: st, Invoker: echoInvoker, MaxBatch: maxBatch, CommitWorkers: workers, Retention: -1, SharedStore: shared})
	if err != nil {
		b.Fatal(err)
	}
	e.endHook = func(arn string) {
		if ch, ok := waiters.Load(arn); ok {
			close(ch.(chan struct{}))
		}
	}
	if err := e.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { e.Close(context.Background()) })
	return e, waiters
}

// runAndWait starts an execution and waits for its end.
func runAndWait(b *testing.B, e *Engine, waiters *sync.Map, sm, name, input string) {
	arn := e.Scope().ExecutionARN(sfnName(sm), name)
	done := make(chan struct{})
	waiters.Store(arn, done)
	if _, err := e.StartExecution(context.Background(), &StartExecutionParams{StateMachineARN: sm, Name: name, Input: input}); err != nil {
		b.Error(err)
		return
	}
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		b.Errorf("execution %s did not end", name)
	}
	waiters.Delete(arn)
}

func sfnName(machineARN string) string {
	a, _ := sfn.ParseARN(machineARN)
	return a.Resource
}

// taskChain is a Standard workflow of n echo tasks: n state transitions, n+1 commits.
func taskChain(n int) string {
	var b strings.Builder
	b.WriteString(`{"StartAt":"T0","States":{`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		next := fmt.Sprintf(`"Next":"T%d"`, i+1)
		if i == n-1 {
			next = `"End":true`
		}
		fmt.Fprintf(&b, `"T%d":{"Type":"Task","Resource":"%secho",%s}`, i, lambdaARN, next)
	}
	b.WriteString("}}")
	return b.String()
}

// BenchmarkDurableTransitions runs many Standard executions at once on SQLite and reports
// state transitions per second, with batching and without: short ones of tasks only (4
// states, each its own commit: the hardest case), short ones of the common mixed shape (5
// states in 2 commits) and 20-task ones (where steps dominate).
func BenchmarkDurableTransitions(b *testing.B) {
	benchmarkTransitions(b, 1, false, func(b *testing.B) store.Store { return openSQLite(b, "") }, processUsage)
}

// BenchmarkDurableTransitionsPostgres is BenchmarkDurableTransitions on STEPFLOW_TEST_POSTGRES.
// Besides the engine's CPU per transition it reports that of the store's PostgreSQL backends
// (found by an application_name of the run's own) and the WAL the server wrote per transition,
// read from /proc and pg_current_wal_lsn: the server must run on this machine for the
// backends' CPU, and have no other clients for the WAL bytes to be the run's alone.
func BenchmarkDurableTransitionsPostgres(b *testing.B) {
	app := fmt.Sprintf("stepflow-bench-%d", os.Getpid())
	dsn := pgtest.WithApplicationName(pgtest.Schema(b, "benchmarks"), app)
	usage := func() (pgtest.Usage, error) { return pgtest.MeasureUsage(context.Background(), dsn, app) }
	open := func(b *testing.B) store.Store {
		s, err := postgres.Open(context.Background(), dsn)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = s.Close() })
		return s
	}
	for _, workers := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			benchmarkTransitions(b, workers, false, open, usage)
		})
	}
	// As `stepflow server` runs on PostgreSQL: a shared store, so every task's result is
	// fenced by the lease its node holds on the task's dispatch.
	b.Run("shared", func(b *testing.B) { benchmarkTransitions(b, 1, true, open, usage) })
	// The same with two commit workers, as `stepflow server` runs on PostgreSQL: while one
	// transaction is in PostgreSQL, the next batch is built and sent.
	b.Run("shared-workers=2", func(b *testing.B) { benchmarkTransitions(b, 2, true, open, usage) })
}

// processUsage samples the CPU time of this process alone.
func processUsage() (pgtest.Usage, error) {
	var ru syscall.Rusage
	err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return pgtest.Usage{Process: time.Duration(ru.Utime.Nano() + ru.Stime.Nano())}, err
}

var benchRuns atomic.Int64

func benchmarkTransitions(b *testing.B, workers int, shared bool, open func(b *testing.B) store.Store, usage func() (pgtest.Usage, error)) {
	// As the stepflow binary runs the engine (GOGC=... in the environment overrides it).
	b.Cleanup(gcpace.Apply())
	for _, bc := range []struct {
		name        string
		batch       int
		definition  string
		transitions int
		commits     int
	}{
		{"short/batched", DefaultMaxBatch, shortMachine, 4, 4},
		{"mixed/batched", DefaultMaxBatch, mixedMachine, 5, 2},
		{"short/unbatched", 1, shortMachine, 4, 4},
		{"tasks20/batched", DefaultMaxBatch, taskChain(20), 20, 21},
		{"tasks20/unbatched", 1, taskChain(20), 20, 21},
	} {
		b.Run(bc.name, func(b *testing.B) {
			st := open(b)
			e, waiters := benchEngineOn(b, st, bc.batch, workers, shared)
			// Each run has its own machine: the PostgreSQL runs share one schema.
			sm := createMachine(b, e, fmt.Sprintf("m%d", benchRuns.Add(1)), bc.definition, sfn.TypeStandard)
			concurrency := benchConcurrency()
			var next atomic.Int64
			var wg sync.WaitGroup
			trips, _ := st.(interface{ RoundTrips() int64 })
			var tripsBefore int64
			if trips != nil {
				tripsBefore = trips.RoundTrips()
			}
			before, err := usage()
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			start := time.Now()
			for w := 0; w < concurrency; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						i := next.Add(1)
						if i > int64(b.N) {
							return
						}
						runAndWait(b, e, waiters, sm, fmt.Sprintf("e-%d", i), `{"x":1}`)
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			after, err := usage()
			if err != nil {
				b.Fatal(err)
			}
			// CPU and WAL per transition hold still on a shared machine where transitions/s
			// moves with the other processes' load.
			used, transitions := after.Since(before), float64(b.N*bc.transitions)
			b.ReportMetric(float64(used.Process.Microseconds())/transitions, "engine-µs/transition")
			if used.Server > 0 {
				b.ReportMetric(float64(used.Backends.Microseconds())/transitions, "pg-backend-µs/transition")
				b.ReportMetric(float64(used.Server.Microseconds())/transitions, "pg-server-µs/transition")
				b.ReportMetric(float64(used.WALBytes)/transitions, "wal-B/transition")
			}
			tx, steps, busy := e.CommitStats()
			b.ReportMetric(100*busy.Seconds()/elapsed.Seconds(), "%committer-busy")
			b.ReportMetric(float64(b.N*bc.transitions)/elapsed.Seconds(), "transitions/s")
			b.ReportMetric(float64(b.N*bc.commits)/elapsed.Seconds(), "commits/s")
			if tx > 0 {
				b.ReportMetric(float64(steps)/float64(tx), "steps/batch")
				if trips != nil {
					// Every round trip of the run (reads too) per commit batch.
					b.ReportMetric(float64(trips.RoundTrips()-tripsBefore)/float64(tx), "round-trips/batch")
				}
			}
		})
	}
}

// BenchmarkPassChain1000 compares a 1000-state Pass chain run durably with the same chain run
// in memory by Run.
func BenchmarkPassChain1000(b *testing.B) {
	b.Cleanup(gcpace.Apply())
	workloads := []struct{ name, definition, input string }{{"synthetic", passChain(1000), `{"n":0}`}}
	// The bench's own workload (testdata/bench), which has a Parameters template and a larger payload.
	workload := repotestdata.MustDir(b, "bench", "pass-chain-1000")
	def, errDef := os.ReadFile(filepath.Join(workload, "definition.json"))
	input, errInput := os.ReadFile(filepath.Join(workload, "input.json"))
	if errDef != nil || errInput != nil {
		b.Fatalf("read the bench workload: %v %v", errDef, errInput)
	}
	workloads = append(workloads, struct{ name, definition, input string }{"bench", string(def), string(input)})
	for _, w := range workloads {
		b.Run(w.name+"/durable", func(b *testing.B) {
			e, waiters := benchEngine(b, DefaultMaxBatch)
			sm := createMachine(b, e, "chain", w.definition, sfn.TypeStandard)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				runAndWait(b, e, waiters, sm, fmt.Sprintf("c-%d", i), w.input)
			}
		})
		b.Run(w.name+"/memory", func(b *testing.B) {
			sm, diags := asl.Parse([]byte(w.definition), asl.ParseOptions{})
			if diags.HasErrors() {
				b.Fatal(diags)
			}
			prog, err := interp.Compile(sm, interp.Options{PayloadLimit: sfn.DefaultPayloadLimit, History: true})
			if err != nil {
				b.Fatal(err)
			}
			var in any
			if err := json.Unmarshal([]byte(w.input), &in); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := Run(context.Background(), prog, RunOptions{Input: in}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// benchConcurrency is how many executions the durable benchmarks keep running at once: 256,
// or STEPFLOW_BENCH_CONCURRENCY.
func benchConcurrency() int {
	if n, err := strconv.Atoi(os.Getenv("STEPFLOW_BENCH_CONCURRENCY")); err == nil && n > 0 {
		return n
	}
	return 256
}
