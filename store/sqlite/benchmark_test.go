package sqlite_test

import (
	"context"
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
