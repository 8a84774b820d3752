package store

import (
	"math"
	"slices"
	"time"
)

// Performance rollups are counts kept per state machine and time bucket, written in the
// transaction that starts or ends an execution, so that a dashboard reads a number of rows
// bounded by the buckets in its range however long the history grows. Every start and end
// is counted at each resolution, one per range the UI draws: a range then reads one bucket
// (with its histogram slots, states and errors) per interval it shows.
var PerformanceResolutions = []time.Duration{5 * time.Minute, time.Hour, 6 * time.Hour, 24 * time.Hour}

// ExecutionEnd is what the rollups learn from a step that ends an execution (its Update has
// a terminal status): ExecutionStepParams.Ended. The status, error and stop date are the
// Update's.
type ExecutionEnd struct {
	StateMachineARN string
	// RunStart is when the run that ended began: the start date, or the redrive date of a
	// redriven execution. The run's duration is the stop date minus RunStart.
	RunStart time.Time
	// States is the time spent in each state that exited during the run.
	States []StateTime
}

// StateTime is the time an execution spent in one state, over Runs visits.
type StateTime struct {
	Name  string
	Runs  int64
	Total time.Duration
	Max   time.Duration
}

// PerformanceListParams selects the rollups of one state machine at one resolution whose
// buckets start in [From, To).
type PerformanceListParams struct {
	StateMachineARN string
	Resolution      time.Duration
	From, To        time.Time
}

// PerformanceList is the rollups of a range: the buckets that have any (oldest first), and
// the time per state and the errors summed over the range.
type PerformanceList struct {
	Buckets []*PerformanceBucket
	States  []StateTime // by name
	Errors  []*PerformanceError
}

// PerformanceBucket counts, in one bucket, the executions that started and those that ended
// by outcome, with a histogram of the ended runs' durations.
type PerformanceBucket struct {
	Start                                         time.Time
	Started, Succeeded, Failed, TimedOut, Aborted int64
	Durations                                     DurationHistogram
}

// PerformanceError counts the ended executions that failed with one error; Example is the
// most recent of them.
type PerformanceError struct {
	Error      string
	Executions int64
	Example    string
}

// PerformanceDeleteBeforeParams selects up to Limit buckets that end at or before Before
// (0 means 1000) for deletion with their histograms, state times and errors.
type PerformanceDeleteBeforeParams struct {
	Before time.Time
	Limit  int
}

// DurationHistogram counts durations by slot (see DurationSlot). Histograms of buckets add up
// slot by slot, which is what lets percentiles be computed from rollups.
type DurationHistogram map[int]int64

// Add merges h2 into h.
func (h DurationHistogram) Add(h2 DurationHistogram) {
	for slot, n := range h2 {
		h[slot] += n
	}
}

// Total is how many durations h counts.
func (h DurationHistogram) Total() int64 {
	var n int64
	for _, c := range h {
		n += c
	}
	return n
}

// Histogram slots are log-spaced: slot k > 0 holds the durations d with
// 2^((k-1)/slotsPerDoubling) <= d/µs < 2^(k/slotsPerDoubling), and slot 0 those under a
// microsecond. With 16 slots per doubling a slot spans a factor of 2^(1/16) ≈ 1.044, so
// the middle of a slot (SlotValue) is within 2.2% of every duration in it.
const slotsPerDoubling = 16

// maxSlot holds every duration from 2^(maxSlot/16) µs (about 4.6 years) up.
const maxSlot = 16 * 47

// DurationRelativeError bounds how far a percentile read from a histogram is from the
// exact nearest-rank percentile of the durations counted, relative to that percentile.
var DurationRelativeError = math.Pow(2, 0.5/slotsPerDoubling) - 1

// DurationSlot is the histogram slot of d.
func DurationSlot(d time.Duration) int {
	us := float64(d) / float64(time.Microsecond)
	if us < 1 {
		return 0
	}
	slot := int(math.Floor(math.Log2(us)*slotsPerDoubling)) + 1
	return min(slot, maxSlot)
}

// SlotValue is the duration that stands for slot's durations: the geometric middle of its
// bounds (0 for slot 0).
func SlotValue(slot int) time.Duration {
	if slot <= 0 {
		return 0
	}
	us := math.Pow(2, (float64(slot)-0.5)/slotsPerDoubling)
	return time.Duration(math.Round(us * float64(time.Microsecond)))
}

// Percentile is the nearest-rank q-th percentile (0 < q <= 1) of the durations h counts,
// within DurationRelativeError; ok is false for an empty histogram.
func (h DurationHistogram) Percentile(q float64) (d time.Duration, ok bool) {
	total := h.Total()
	if total == 0 {
		return 0, false
	}
	rank := max(int64(math.Ceil(q*float64(total))), 1)
	slots := make([]int, 0, len(h))
	for slot := range h {
		slots = append(slots, slot)
	}
	slices.Sort(slots)
	var seen int64
	for _, slot := range slots {
		seen += h[slot]
		if seen >= rank {
			return SlotValue(slot), true
		}
	}
	return SlotValue(slots[len(slots)-1]), true
}

// BucketStart is the start of the bucket of resolution r that holds t.
func BucketStart(t time.Time, r time.Duration) time.Time {
	return t.UTC().Truncate(r)
}
