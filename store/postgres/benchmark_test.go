package postgres_test

import (
	"testing"

	"github.com/stepflow/stepflow/store/storetest"
)

func BenchmarkExecutionStep(b *testing.B) {
	s, _ := openSchema(b)
	storetest.BenchmarkExecutionStep(b, s)
}

func BenchmarkExecutionStepBatch(b *testing.B) {
	s, _ := openSchema(b)
	storetest.BenchmarkExecutionStepBatch(b, s, 64)
}
