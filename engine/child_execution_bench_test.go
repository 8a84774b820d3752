package engine

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/stepflow/stepflow/internal/pgtest"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store/postgres"
)

// BenchmarkDistributedMap runs one Standard execution of a Distributed Map over 1,000 items on
// SQLite, each iteration an echo task: 1,000 child executions, each stored with its history in
// the parent's steps. It reports child executions per second.
func BenchmarkDistributedMap(b *testing.B) {
	e, waiters := benchEngine(b, 0)
	benchmarkDistributedMap(b, e, waiters, nil)
}

// BenchmarkDistributedMapPostgres is BenchmarkDistributedMap on STEPFLOW_TEST_POSTGRES, with
// two commit workers and a shared store as `stepflow server` runs there. It also reports the
// WAL the server wrote and the CPU of the run's backends per child (see
// BenchmarkDurableTransitionsPostgres for what they need to be meaningful).
func BenchmarkDistributedMapPostgres(b *testing.B) {
	app := fmt.Sprintf("stepflow-bench-%d", os.Getpid())
	dsn := pgtest.WithApplicationName(pgtest.Schema(b, "benchmarks"), app)
	st, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	e, waiters := benchEngineOn(b, st, 0, 2, true)
	benchmarkDistributedMap(b, e, waiters, func() (pgtest.Usage, error) { return pgtest.MeasureUsage(context.Background(), dsn, app) })
}

func benchmarkDistributedMap(b *testing.B, e *Engine, waiters *sync.Map, usage func() (pgtest.Usage, error)) {
	sm := createMachine(b, e, "dmap-bench", `{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":100,
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"T",
		"States":{"T":{"Type":"Task","Resource":"`+lambdaARN+`echo","End":true}}},"ResultSelector":{"n.$":"States.ArrayLength($)"},"End":true}}}`,
		sfn.TypeStandard)
	items := make([]string, 1000)
	for i := range items {
		items[i] = fmt.Sprintf(`{"i":%d}`, i)
	}
	input := "[" + strings.Join(items, ",") + "]"
	var before pgtest.Usage
	if usage != nil {
		var err error
		if before, err = usage(); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := range b.N {
		runAndWait(b, e, waiters, sm, fmt.Sprintf("run-%d-%d", benchRuns.Add(1), i), input)
	}
	children := float64(len(items) * b.N)
	b.ReportMetric(children/b.Elapsed().Seconds(), "children/s")
	if usage != nil {
		after, err := usage()
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(after.WALBytes-before.WALBytes)/children, "WAL-B/child")
		b.ReportMetric(float64((after.Backends-before.Backends).Microseconds())/children, "backend-us/child")
		b.ReportMetric(float64((after.Process-before.Process).Microseconds())/children, "engine-us/child")
	}
}
