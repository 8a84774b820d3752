package store_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stepflow/stepflow/store"
)

// TestDurationHistogramPercentiles checks the bound the UI states: a percentile read from
// merged histograms is within DurationRelativeError of the exact nearest-rank percentile.
func TestDurationHistogramPercentiles(t *testing.T) {
	t.Parallel()
	if e := store.DurationRelativeError; e < 0.02 || e > 0.025 {
		t.Fatalf("relative error %.4f, want about 2.2%%", e)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 50 {
		// Durations spread over nine orders of magnitude, from microseconds to a day, counted
		// in ten histograms that are then merged, as buckets of a range are.
		n := 1 + rng.IntN(5000)
		durations := make([]time.Duration, n)
		parts := make([]store.DurationHistogram, 10)
		for i := range parts {
			parts[i] = store.DurationHistogram{}
		}
		for i := range durations {
			d := time.Duration(math.Pow(10, 3+rng.Float64()*10.9))
			durations[i] = d
			parts[rng.IntN(len(parts))][store.DurationSlot(d)]++
		}
		merged := store.DurationHistogram{}
		for _, p := range parts {
			merged.Add(p)
		}
		if merged.Total() != int64(n) {
			t.Fatalf("round %d: merged %d durations, want %d", round, merged.Total(), n)
		}
		slices.Sort(durations)
		for _, q := range []float64{0.5, 0.9, 0.99, 1} {
			exact := durations[max(int(math.Ceil(q*float64(n))), 1)-1]
			got, ok := merged.Percentile(q)
			if !ok {
				t.Fatalf("round %d: no p%v", round, q*100)
			}
			if rel := math.Abs(float64(got-exact)) / float64(exact); rel > store.DurationRelativeError+1e-9 {
				t.Errorf("round %d: p%v = %v, exact %v: off by %.4f, more than %.4f", round, q*100, got, exact, rel, store.DurationRelativeError)
			}
		}
	}
	if _, ok := (store.DurationHistogram{}).Percentile(0.5); ok {
		t.Error("an empty histogram has a median")
	}
	for _, d := range []time.Duration{0, 999 * time.Nanosecond} {
		if slot := store.DurationSlot(d); slot != 0 || store.SlotValue(slot) != 0 {
			t.Errorf("%v: slot %d, value %v; want slot 0 worth 0", d, slot, store.SlotValue(slot))
		}
	}
}
