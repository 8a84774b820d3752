package ui

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"slices"
	"sort"
	"time"

	"github.com/stepflow/stepflow/store"
)

// performanceRange is a dashboard range: how far back it reaches, cut into buckets, each
// one of the store's rollup buckets (see store.PerformanceResolutions).
type performanceRange struct {
	Name    string
	Label   string
	Bucket  time.Duration
	Buckets int
}

// performanceRanges are the ranges the dashboard offers, as CloudWatch's console does. Each
// reads the rollups kept at its interval: at most 30 buckets, however many executions ran.
var performanceRanges = []performanceRange{
	{"hour", "Last hour", 5 * time.Minute, 12},
	{"day", "Last day", time.Hour, 24},
	{"week", "Last week", 6 * time.Hour, 28},
	{"30d", "Last 30 days", 24 * time.Hour, 30},
}

// executionCounts counts the executions that started in an interval, and those that ended
// in it by outcome.
type executionCounts struct {
	Started   int64 `json:"started"`
	Succeeded int64 `json:"succeeded"`
	Failed    int64 `json:"failed"`
	TimedOut  int64 `json:"timedOut"`
	Aborted   int64 `json:"aborted"`
}

func (c *executionCounts) add(b *store.PerformanceBucket) {
	c.Started += b.Started
	c.Succeeded += b.Succeeded
	c.Failed += b.Failed
	c.TimedOut += b.TimedOut
	c.Aborted += b.Aborted
}

// durationPercentiles are of the runs that ended, in milliseconds; nil when none did.
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
	Runs      int64   `json:"runs"`
	AverageMs float64 `json:"averageMs"`
	TotalMs   float64 `json:"totalMs"`
	MaxMs     float64 `json:"maxMs"`
}

type errorCount struct {
	Error            string `json:"error"`
	Count            int64  `json:"count"`
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
	// DurationErrorPercent bounds how far a percentile shown is from the exact one: they
	// are read from log-spaced histograms.
	DurationErrorPercent float64      `json:"durationErrorPercent"`
	SlowestStates        []stateTime  `json:"slowestStates"`
	Errors               []errorCount `json:"errors"`
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

// performance draws the dashboard of arn over the range that ends with the bucket holding
// now, from the store's rollups: executions started per interval by their start, ended ones
// by their end.
func (s *server) performance(ctx context.Context, arn string, pr performanceRange, now time.Time) (*performanceView, error) {
	to := now.UTC().Truncate(pr.Bucket).Add(pr.Bucket)
	from := to.Add(-time.Duration(pr.Buckets) * pr.Bucket)
	list, err := s.store.PerformanceList(ctx, &store.PerformanceListParams{StateMachineARN: arn, Resolution: pr.Bucket, From: from, To: to})
	if err != nil {
		return nil, fmt.Errorf("read the performance of %s: %w", arn, err)
	}
	view := &performanceView{Range: pr.Name, From: from, To: to, BucketSeconds: int(pr.Bucket / time.Second),
		Buckets: make([]performanceBucket, pr.Buckets), DurationErrorPercent: round3(100 * store.DurationRelativeError),
		SlowestStates: []stateTime{}, Errors: []errorCount{}}
	durations := make([]store.DurationHistogram, pr.Buckets)
	all := store.DurationHistogram{}
	for i := range view.Buckets {
		view.Buckets[i].Start = from.Add(time.Duration(i) * pr.Bucket)
		durations[i] = store.DurationHistogram{}
	}
	for _, b := range list.Buckets {
		i := int(b.Start.Sub(from) / pr.Bucket)
		if i < 0 || i >= pr.Buckets {
			continue
		}
		view.Buckets[i].add(b)
		view.Totals.add(b)
		durations[i].Add(b.Durations)
		all.Add(b.Durations)
	}
	for i := range view.Buckets {
		view.Buckets[i].durationPercentiles = percentiles(durations[i])
	}
	view.Totals.durationPercentiles = percentiles(all)
	for _, e := range list.Errors {
		view.Errors = append(view.Errors, errorCount{Error: e.Error, Count: e.Executions, ExampleExecution: e.Example})
	}
	for _, st := range list.States {
		if st.Runs == 0 {
			continue
		}
		view.SlowestStates = append(view.SlowestStates, stateTime{State: st.Name, Runs: st.Runs, AverageMs: millis(st.Total / time.Duration(st.Runs)),
			TotalMs: millis(st.Total), MaxMs: millis(st.Max)})
	}
	sort.Slice(view.SlowestStates, func(i, j int) bool {
		a, b := view.SlowestStates[i], view.SlowestStates[j]
		return a.AverageMs > b.AverageMs || (a.AverageMs == b.AverageMs && a.State < b.State)
	})
	return view, nil
}

// percentiles are the nearest-rank percentiles of the durations h counts.
func percentiles(h store.DurationHistogram) durationPercentiles {
	p := func(q float64) *float64 {
		d, ok := h.Percentile(q)
		if !ok {
			return nil
		}
		v := millis(d)
		return &v
	}
	return durationPercentiles{P50: p(0.50), P90: p(0.90), P99: p(0.99)}
}

func millis(d time.Duration) float64 { return round3(float64(d) / float64(time.Millisecond)) }

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }
