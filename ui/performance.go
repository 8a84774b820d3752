package ui

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"slices"
	"sort"
	"time"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

// performanceRange is a dashboard range: how far back it reaches, cut into buckets.
type performanceRange struct {
	Name    string
	Label   string
	Bucket  time.Duration
	Buckets int
}

// performanceRanges are the ranges the dashboard offers, as CloudWatch's console does.
var performanceRanges = []performanceRange{
	{"hour", "Last hour", 5 * time.Minute, 12},
	{"day", "Last day", time.Hour, 24},
	{"week", "Last week", 6 * time.Hour, 28},
	{"30d", "Last 30 days", 24 * time.Hour, 30},
}

// stateSampleSize is how many of the range's most recent ended executions have their
// histories read for the time spent per state: reading every history of a month would grow
// with the traffic.
const stateSampleSize = 50

// executionCounts counts executions by outcome.
type executionCounts struct {
	Started   int `json:"started"`
	Succeeded int `json:"succeeded"`
	Failed    int `json:"failed"`
	TimedOut  int `json:"timedOut"`
	Aborted   int `json:"aborted"`
	Running   int `json:"running"`
}

func (c *executionCounts) add(status sfn.ExecutionStatus) {
	c.Started++
	switch status {
	case sfn.StatusSucceeded:
		c.Succeeded++
	case sfn.StatusFailed:
		c.Failed++
	case sfn.StatusTimedOut:
		c.TimedOut++
	case sfn.StatusAborted:
		c.Aborted++
	default: // running, or failed and waiting for a redrive
		c.Running++
	}
}

// durationPercentiles are of the executions that ended, in milliseconds; nil when none did.
type durationPercentiles struct {
	P50 *float64 `json:"p50Ms"`
	P90 *float64 `json:"p90Ms"`
	P99 *float64 `json:"p99Ms"`
}

type performanceBucket struct {
	Start time.Time `json:"start"`
	executionCounts
	durationPercentiles
}

type stateTime struct {
	State     string  `json:"state"`
	Runs      int     `json:"runs"`
	AverageMs float64 `json:"averageMs"`
	P90Ms     float64 `json:"p90Ms"`
	MaxMs     float64 `json:"maxMs"`
}

type errorCount struct {
	Error            string `json:"error"`
	Count            int    `json:"count"`
	ExampleExecution string `json:"exampleExecutionArn"`
}

// performanceView is the dashboard of one state machine over one range.
type performanceView struct {
	Range         string              `json:"range"`
	From          time.Time           `json:"from"`
	To            time.Time           `json:"to"`
	BucketSeconds int                 `json:"bucketSeconds"`
	Buckets       []performanceBucket `json:"buckets"`
	Totals        struct {
		executionCounts
		durationPercentiles
	} `json:"totals"`
	// Truncated: more executions started in the range than one query reads; the oldest
	// are not counted.
	Truncated     bool         `json:"truncated"`
	SlowestStates []stateTime  `json:"slowestStates"`
	StateSample   int          `json:"stateSample"` // executions whose histories were read
	Errors        []errorCount `json:"errors"`
}

type performancePage struct {
	Title        string
	Page         string
	StateMachine *store.StateMachine
	Ranges       []performanceRange
}

func (s *server) performancePage(w http.ResponseWriter, r *http.Request) {
	sm, err := s.store.StateMachineGetByARN(r.Context(), &store.StateMachineGetByARNParams{ARN: r.PathValue("arn")})
	if err != nil {
		s.renderError(w, err)
		return
	}
	s.render(w, http.StatusOK, "performance", performancePage{Title: sm.Name + " performance", Page: "performance", StateMachine: sm, Ranges: performanceRanges})
}

func (s *server) apiPerformance(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("range")
	if name == "" {
		name = "day"
	}
	i := slices.IndexFunc(performanceRanges, func(p performanceRange) bool { return p.Name == name })
	if i < 0 {
		writeError(w, fmt.Errorf("range must be hour, day, week or 30d, not %q", name))
		return
	}
	arn := r.PathValue("arn")
	if _, err := s.store.StateMachineGetByARN(r.Context(), &store.StateMachineGetByARNParams{ARN: arn}); err != nil {
		writeError(w, err)
		return
	}
	view, err := s.performance(r.Context(), arn, performanceRanges[i], time.Now())
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, view)
}

// performance computes the dashboard of the executions of arn that started in the range
// ending at the bucket that holds now.
func (s *server) performance(ctx context.Context, arn string, pr performanceRange, now time.Time) (*performanceView, error) {
	to := now.UTC().Truncate(pr.Bucket).Add(pr.Bucket)
	from := to.Add(-time.Duration(pr.Buckets) * pr.Bucket)
	list, err := s.store.ExecutionTimingList(ctx, &store.ExecutionTimingListParams{StateMachineARN: arn, StartedFrom: from, StartedBefore: to})
	if err != nil {
		return nil, fmt.Errorf("read executions of %s: %w", arn, err)
	}
	view := &performanceView{Range: pr.Name, From: from, To: to, BucketSeconds: int(pr.Bucket / time.Second),
		Buckets: make([]performanceBucket, pr.Buckets), Truncated: list.Truncated, SlowestStates: []stateTime{}, Errors: []errorCount{}}
	durations := make([][]float64, pr.Buckets)
	var all []float64
	errorsByName := map[string]*errorCount{}
	var sample []string
	for i := range view.Buckets {
		view.Buckets[i].Start = from.Add(time.Duration(i) * pr.Bucket)
	}
	for _, t := range list.Timings { // newest first
		b := int(t.StartDate.Sub(from) / pr.Bucket)
		if b < 0 || b >= pr.Buckets {
			continue
		}
		view.Buckets[b].add(t.Status)
		view.Totals.add(t.Status)
		if t.StopDate != nil && t.Status != sfn.StatusRunning {
			ms := float64(t.StopDate.Sub(t.StartDate)) / float64(time.Millisecond)
			durations[b] = append(durations[b], ms)
			all = append(all, ms)
			if len(sample) < stateSampleSize {
				sample = append(sample, t.ARN)
			}
		}
		if t.Error != "" && t.Status != sfn.StatusSucceeded {
			e := errorsByName[t.Error]
			if e == nil {
				e = &errorCount{Error: t.Error, ExampleExecution: t.ARN} // the most recent
				errorsByName[t.Error] = e
			}
			e.Count++
		}
	}
	for i := range view.Buckets {
		view.Buckets[i].durationPercentiles = percentiles(durations[i])
	}
	view.Totals.durationPercentiles = percentiles(all)
	for _, e := range errorsByName {
		view.Errors = append(view.Errors, *e)
	}
	sort.Slice(view.Errors, func(i, j int) bool {
		a, b := view.Errors[i], view.Errors[j]
		return a.Count > b.Count || (a.Count == b.Count && a.Error < b.Error)
	})
	spent := map[string][]float64{}
	for _, exArn := range sample {
		events, err := s.history(ctx, exArn)
		if err != nil {
			continue // deleted by retention since it was listed
		}
		view.StateSample++
		for name, ds := range timeInStates(events) {
			spent[name] = append(spent[name], ds...)
		}
	}
	for name, ds := range spent {
		sort.Float64s(ds)
		sum := 0.0
		for _, d := range ds {
			sum += d
		}
		view.SlowestStates = append(view.SlowestStates, stateTime{State: name, Runs: len(ds), AverageMs: round3(sum / float64(len(ds))),
			P90Ms: round3(nearestRank(ds, 0.90)), MaxMs: round3(ds[len(ds)-1])})
	}
	sort.Slice(view.SlowestStates, func(i, j int) bool {
		a, b := view.SlowestStates[i], view.SlowestStates[j]
		return a.AverageMs > b.AverageMs || (a.AverageMs == b.AverageMs && a.State < b.State)
	})
	return view, nil
}

// timeInStates pairs each StateEntered with the next StateExited of the same name (first in,
// first out, so the iterations of a Map each get their own) and returns the milliseconds
// spent per state name. A state that failed without exiting is not counted.
func timeInStates(events []*sfn.HistoryEvent) map[string][]float64 {
	open := map[string][]time.Time{}
	spent := map[string][]float64{}
	for _, ev := range events {
		switch {
		case ev.StateEnteredEventDetails != nil:
			name := ev.StateEnteredEventDetails.Name
			open[name] = append(open[name], ev.Timestamp)
		case ev.StateExitedEventDetails != nil:
			name := ev.StateExitedEventDetails.Name
			if q := open[name]; len(q) > 0 {
				spent[name] = append(spent[name], float64(ev.Timestamp.Sub(q[0]))/float64(time.Millisecond))
				open[name] = q[1:]
			}
		}
	}
	return spent
}

// percentiles are nearest-rank percentiles of durations (which it sorts).
func percentiles(durations []float64) durationPercentiles {
	if len(durations) == 0 {
		return durationPercentiles{}
	}
	sort.Float64s(durations)
	p := func(q float64) *float64 { v := round3(nearestRank(durations, q)); return &v }
	return durationPercentiles{P50: p(0.50), P90: p(0.90), P99: p(0.99)}
}

// nearestRank is the q-th percentile of sorted values by the nearest-rank method: the
// smallest value with at least q of the values at or below it.
func nearestRank(sorted []float64, q float64) float64 {
	rank := int(math.Ceil(q * float64(len(sorted))))
	return sorted[max(rank, 1)-1]
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }
