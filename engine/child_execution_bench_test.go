package engine

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/sfn"
)

// BenchmarkDistributedMap runs one Standard execution of a Distributed Map over 1,000 items on
// SQLite, each iteration an echo task: 1,000 child executions, each stored with its history in
// the parent's steps. It reports child executions per second.
func BenchmarkDistributedMap(b *testing.B) {
	e, waiters := benchEngine(b, 0)
	sm := createMachine(b, e, "dmap-bench", `{"StartAt":"M","States":{"M":{"Type":"Map","MaxConcurrency":100,
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"T",
		"States":{"T":{"Type":"Task","Resource":"`+lambdaARN+`echo","End":true}}},"ResultSelector":{"n.$":"States.ArrayLength($)"},"End":true}}}`,
		sfn.TypeStandard)
	items := make([]string, 1000)
	for i := range items {
		items[i] = fmt.Sprintf(`{"i":%d}`, i)
	}
	input := "[" + strings.Join(items, ",") + "]"
	b.ResetTimer()
	for i := range b.N {
		runAndWait(b, e, waiters, sm, fmt.Sprintf("run-%d", i), input)
	}
	b.ReportMetric(float64(len(items)*b.N)/b.Elapsed().Seconds(), "children/s")
}
