package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stepflow/stepflow/store/sqlite"

	"github.com/stepflow/stepflow/store/storetest"
)

func BenchmarkExecutionStep(b *testing.B) {
	storetest.BenchmarkExecutionStep(b, openTemp(b))
}

func BenchmarkExecutionStepBatch(b *testing.B) {
	storetest.BenchmarkExecutionStepBatch(b, openTemp(b), 64)
}

func BenchmarkExecutionStepBatchSkipFsync(b *testing.B) {
	s, err := sqlite.OpenWith(context.Background(), filepath.Join(b.TempDir(), "stepflow.db"), sqlite.Options{SkipFsync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	storetest.BenchmarkExecutionStepBatch(b, s, 64)
}

// BenchmarkPerformanceQuery reads a state machine's performance rollups on a store of 100,000,
// then 1,000,000, then 2,000,000 ended executions (the same store, grown): the cost follows
// the rows in range (buckets and their histogram slots), which stop growing once the
// histograms hold every duration the executions take.
func BenchmarkPerformanceQuery(b *testing.B) {
	s := openTemp(b)
	seeded := 0
	for _, n := range []int{100_000, 1_000_000, 2_000_000} {
		b.Run(fmt.Sprintf("executions=%d", n), func(b *testing.B) {
			storetest.SeedEndedExecutions(b, s, seeded, n)
			seeded = n
			storetest.BenchmarkPerformanceQuery(b, s)
		})
	}
}

// BenchmarkExecutionEnd is the write cost of the performance rollups: ends committed 64 to a
// transaction (as the engine batches them) and one at a time, with and without rollups.
func BenchmarkExecutionEnd(b *testing.B) {
	for _, batch := range []int{1, 64} {
		for _, rollups := range []bool{false, true} {
			b.Run(fmt.Sprintf("batch=%d/rollups=%t", batch, rollups), func(b *testing.B) {
				storetest.BenchmarkExecutionEnd(b, openTemp(b), batch, rollups)
			})
		}
	}
}
