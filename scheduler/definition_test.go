package scheduler

import (
	"testing"
	"time"
)

// TestRateFirstSlot: as EventBridge Scheduler documents, a rate schedule without a StartDate
// starts invoking its target at once (its first slot is its creation, on the next whole
// second), and one with a StartDate first fires at the StartDate.
func TestRateFirstSlot(t *testing.T) {
	t.Parallel()
	created := time.Date(2026, 5, 4, 10, 0, 0, 400_000_000, time.UTC)
	later := time.Date(2026, 5, 4, 12, 30, 0, 0, time.UTC)
	cases := []struct {
		name     string
		start    *time.Time
		now      time.Time
		want     time.Time
		thenNext time.Time
	}{
		{"no StartDate, at creation", nil, created, created.Truncate(time.Second).Add(time.Second), time.Date(2026, 5, 4, 10, 5, 1, 0, time.UTC)},
		{"no StartDate, on a whole second", nil, created.Truncate(time.Second), created.Truncate(time.Second), time.Date(2026, 5, 4, 10, 5, 0, 0, time.UTC)},
		{"StartDate ahead", &later, created, later, later.Add(5 * time.Minute)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			d := &Definition{ScheduleExpression: "rate(5 minutes)", StartDate: c.start}
			p, err := NewPlan(d, "id", c.now)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := p.FirstSlot(c.now)
			if !ok || !got.Equal(c.want) {
				t.Fatalf("first slot %s %v, want %s", got, ok, c.want)
			}
			next, ok := p.NextSlot(got)
			if !ok || !next.Equal(c.thenNext) {
				t.Fatalf("next slot %s %v, want %s", next, ok, c.thenNext)
			}
		})
	}
}
