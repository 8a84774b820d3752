package interp

import (
	"testing"
	"time"
)

func TestAfterSecondsSaturates(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if got := afterSeconds(t0, int64(90)); !got.Equal(t0.Add(90 * time.Second)) {
		t.Errorf("90 s: %v", got)
	}
	for _, huge := range []float64{1e10, 1e30} {
		if got := afterSeconds(t0, huge); !got.After(t0.Add(100 * 365 * 24 * time.Hour)) {
			t.Errorf("%g s ends at %v: a huge wait wrapped around", huge, got)
		}
	}
	if got := afterSeconds(t0, int64(-5)); !got.Equal(t0) {
		t.Errorf("negative: %v", got)
	}
}

// TestHugeWaitDoesNotEndAtOnce: a Wait of 10^10 seconds from a path used to overflow
// time.Duration and fire immediately.
func TestHugeWaitDoesNotEndAtOnce(t *testing.T) {
	t.Parallel()
	p := compile(t, `{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.s","End":true}}}`, Options{})
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	_, step := p.Start(ExecutionInfo{StartTime: start}, map[string]any{"s": 1e10})
	var fireAt time.Time
	for _, c := range step.Commands {
		if st, ok := c.(StartTimer); ok {
			fireAt = st.FireAt
		}
	}
	if !fireAt.After(start.AddDate(200, 0, 0)) {
		t.Fatalf("timer fires at %v", fireAt)
	}
}
