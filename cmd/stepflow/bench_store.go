package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	mathrand "math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/stepflow/stepflow/engine"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/store/postgres"
	"github.com/stepflow/stepflow/store/sqlite"
	"github.com/stepflow/stepflow/task"
)

func init() {
	register(subcommand{name: "bench-store", summary: "seed a store with many finished executions, then time its listings, reads and retention", run: runBenchStore})
}

// benchStoreConfig is what `stepflow bench-store` seeds and measures.
type benchStoreConfig struct {
	DB, Postgres string
	Executions   int
	Machines     int
	Batch        int
	History      int // events of the one long execution
	Samples      int
	Pages        int // pages walked deep into the list
	Retention    bool
	RetentionAge time.Duration
	Clients      int
	Duration     time.Duration
}

// benchStoreSpan is how far back the seeded executions started, evenly spread; retention
// at benchStoreRetention (the default of --retention-age) then deletes the oldest quarter.
const (
	benchStoreSpan      = 120 * 24 * time.Hour
	benchStoreRetention = 90 * 24 * time.Hour
)

func runBenchStore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench-store", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := &benchStoreConfig{}
	fs.StringVar(&cfg.DB, "db", "", "SQLite database to seed and measure (kept: a second run measures it again without seeding)")
	fs.StringVar(&cfg.Postgres, "postgres", "", "PostgreSQL DSN instead of SQLite")
	fs.IntVar(&cfg.Executions, "executions", 1000000, "finished executions to seed")
	fs.IntVar(&cfg.Machines, "machines", 10, "state machines they belong to")
	fs.IntVar(&cfg.Batch, "batch", 5000, "executions per seeding transaction")
	fs.IntVar(&cfg.History, "history", 25000, "events of the one long execution (AWS's history limit is 25,000)")
	fs.IntVar(&cfg.Samples, "samples", 200, "calls timed per measurement")
	fs.IntVar(&cfg.Pages, "pages", 200, "pages of 1,000 walked into the full list")
	fs.BoolVar(&cfg.Retention, "retention", false, "then measure durable start latency with and without a retention sweep deleting the oldest quarter (deletes them)")
	fs.DurationVar(&cfg.RetentionAge, "retention-age", benchStoreRetention, "with --retention: the sweep deletes executions that ended longer ago than this (a second run with a shorter age sweeps the store again)")
	fs.IntVar(&cfg.Clients, "clients", 16, "with --retention: concurrent starters")
	fs.DurationVar(&cfg.Duration, "duration", 10*time.Second, "with --retention: how long the workload runs without the sweep (with it: until the sweep ends)")
	if err := fs.Parse(args); err != nil {
		return exitError{Code: 2}
	}
	switch {
	case (cfg.DB == "") == (cfg.Postgres == ""):
		return &serverConfigError{Field: "db", Msg: "give --db FILE or --postgres DSN"}
	case cfg.Executions < 1:
		return &serverConfigError{Field: "executions", Msg: "must be at least 1"}
	case cfg.Machines < 1:
		return &serverConfigError{Field: "machines", Msg: "must be at least 1"}
	case cfg.Batch < 1:
		return &serverConfigError{Field: "batch", Msg: "must be at least 1"}
	case cfg.History < 2:
		return &serverConfigError{Field: "history", Msg: "must be at least 2"}
	case cfg.RetentionAge <= 0:
		return &serverConfigError{Field: "retention-age", Msg: "must be positive"}
	case cfg.Samples < 1 || cfg.Pages < 1 || cfg.Clients < 1:
		return &serverConfigError{Field: "samples", Msg: "samples, pages and clients must be at least 1"}
	}
	var (
		st  store.Store
		err error
	)
	where := "SQLite " + cfg.DB
	if cfg.Postgres != "" {
		st, err = postgres.Open(ctx, cfg.Postgres)
		where = "PostgreSQL"
	} else {
		st, err = sqlite.Open(ctx, cfg.DB)
	}
	if err != nil {
		return err
	}
	defer st.Close()
	b := &benchStore{cfg: cfg, st: st, out: stdout, scope: sfn.DefaultScope, now: store.Stamp(time.Now())}
	fmt.Fprintf(stdout, "bench-store on %s; load average %s\n", where, benchLoadAverage())
	if err := b.seed(ctx); err != nil {
		return err
	}
	if err := b.measure(ctx); err != nil {
		return err
	}
	if cfg.Retention {
		return b.retention(ctx)
	}
	return nil
}

type benchStore struct {
	cfg   *benchStoreConfig
	st    store.Store
	out   io.Writer
	scope sfn.Scope
	now   time.Time
	// machines are the seeded state machines' ARNs; long is the long execution's ARN.
	machines []string
	long     string
}

// benchCreateBatcher is a store that creates many executions in one transaction.
type benchCreateBatcher interface {
	ExecutionCreateBatch(ctx context.Context, params []*store.ExecutionCreateParams) ([]*store.Execution, []error, error)
}

func (b *benchStore) machineName(i int) string { return "bench-store-" + strconv.Itoa(i) }

// seededStatus gives the i-th execution its outcome: mostly SUCCEEDED, 2% FAILED, 1%
// ABORTED, and one in 100,000 still RUNNING, so that a status filter can look for a needle.
func seededStatus(i int) sfn.ExecutionStatus {
	switch {
	case i%100000 == 99999:
		return sfn.StatusRunning
	case i%100 < 2:
		return sfn.StatusFailed
	case i%100 == 2:
		return sfn.StatusAborted
	}
	return sfn.StatusSucceeded
}

func (b *benchStore) seed(ctx context.Context) error {
	for i := range b.cfg.Machines {
		b.machines = append(b.machines, b.scope.StateMachineARN(b.machineName(i)))
	}
	b.long = b.scope.ExecutionARN(b.machineName(0), "long-history")
	if _, err := b.st.StateMachineGetByARN(ctx, &store.StateMachineGetByARNParams{ARN: b.machines[0]}); err == nil {
		fmt.Fprintln(b.out, "seed: the store is seeded already (bench-store-0 exists); measuring it as it is")
		return nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	write, finish, how, err := b.seedWriter(ctx)
	if err != nil {
		return err
	}
	defer func() {
		if finish != nil {
			_ = finish(ctx, false)
		}
	}()
	for i, arn := range b.machines {
		if _, err := b.st.StateMachineCreate(ctx, &store.StateMachineCreateParams{ARN: arn, Name: b.machineName(i),
			Type: sfn.TypeStandard, Definition: benchAPIStandard, RoleARN: "arn:aws:iam::123456789012:role/bench",
			LoggingConfiguration: "{}", TracingConfiguration: "{}", RevisionID: "1", CreatedDate: b.now}); err != nil {
			return fmt.Errorf("create state machine: %w", err)
		}
	}
	began := time.Now()
	step := benchStoreSpan / time.Duration(b.cfg.Executions)
	oldest := b.now.Add(-benchStoreSpan)
	// One goroutine builds the next batch while the store writes the last.
	batches := make(chan []*store.ExecutionCreateParams, 1)
	buildCtx, stopBuilding := context.WithCancel(ctx)
	defer stopBuilding()
	go func() {
		defer close(batches)
		params := make([]*store.ExecutionCreateParams, 0, b.cfg.Batch)
		for i := range b.cfg.Executions {
			machine := i % b.cfg.Machines
			start := oldest.Add(time.Duration(i) * step)
			params = append(params, benchSeedExecution(b.scope, b.machineName(machine), b.machines[machine], i, start))
			if len(params) == b.cfg.Batch || i == b.cfg.Executions-1 {
				select {
				case batches <- params:
				case <-buildCtx.Done():
					return
				}
				params = make([]*store.ExecutionCreateParams, 0, b.cfg.Batch)
			}
		}
	}()
	done, reported := 0, 0
	for params := range batches {
		if err := write(ctx, params); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		done += len(params)
		if done-reported >= b.cfg.Executions/10 && done < b.cfg.Executions {
			reported = done
			fmt.Fprintf(b.out, "  seeded %9d  %6.0f executions/s  load average %s\n", done, float64(done)/time.Since(began).Seconds(), benchLoadAverage())
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if finish != nil {
		loaded := time.Since(began)
		err := finish(ctx, true)
		finish = nil
		if err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		fmt.Fprintf(b.out, "  loaded in %v, indexes built and committed in %v  load average %s\n", loaded.Round(time.Second),
			(time.Since(began) - loaded).Round(time.Second), benchLoadAverage())
	}
	seeded := time.Since(began)
	if err := b.seedLong(ctx); err != nil {
		return err
	}
	fmt.Fprintf(b.out, "seed: %d executions (4 events each) %s in %v, %.0f executions/s; one execution of %d events in %v\n",
		b.cfg.Executions, how, seeded.Round(time.Millisecond), float64(b.cfg.Executions)/seeded.Seconds(), b.cfg.History, (time.Since(began) - seeded).Round(time.Millisecond))
	if b.cfg.DB != "" {
		size, wal := benchDBSize(b.cfg.DB)
		fmt.Fprintf(b.out, "seed: database %.1f MiB (%.0f B per execution) + WAL %.1f MiB\n", mib(size), float64(size)/float64(b.cfg.Executions), mib(wal))
	}
	return nil
}

// seedWriter returns how the store takes a batch of seeded executions, and what ends the
// seeding (committing it, or abandoning it): PostgreSQL's Seeding (COPY in one transaction,
// indexes built at the end), else ExecutionCreateBatch, which commits each batch.
func (b *benchStore) seedWriter(ctx context.Context) (write func(context.Context, []*store.ExecutionCreateParams) error, finish func(ctx context.Context, commit bool) error, how string, err error) {
	if pg, ok := b.st.(*postgres.Store); ok {
		sd, err := pg.SeedingBegin(ctx)
		if err != nil {
			return nil, nil, "", err
		}
		return sd.Add, func(ctx context.Context, commit bool) error {
			if commit {
				return sd.Commit(ctx)
			}
			return sd.Rollback(ctx)
		}, "through COPY in one transaction", nil
	}
	batcher, ok := b.st.(benchCreateBatcher)
	if !ok {
		return nil, nil, "", errors.New("the store cannot create executions in batches")
	}
	return func(ctx context.Context, params []*store.ExecutionCreateParams) error {
		_, errs, err := batcher.ExecutionCreateBatch(ctx, params)
		if err != nil {
			return err
		}
		for _, err := range errs {
			if err != nil {
				return err
			}
		}
		return nil
	}, nil, "through ExecutionCreateBatch", nil
}

// benchSeedExecution is the i-th seeded execution: a short run of one Pass state, ended one
// second after it started, with its four history events.
func benchSeedExecution(scope sfn.Scope, machineName, machineARN string, i int, start time.Time) *store.ExecutionCreateParams {
	name := "e-" + strconv.Itoa(i)
	input := `{"n":` + strconv.Itoa(i) + `}`
	status := seededStatus(i)
	p := &store.ExecutionCreateParams{ARN: scope.ExecutionARN(machineName, name), StateMachineARN: machineARN,
		Name: name, Type: sfn.TypeStandard, Status: status, Input: input, StartDate: start}
	// One in seven started on version 1, as a versioned deployment's executions do.
	if i%7 == 3 {
		p.StateMachineVersionARN = machineARN + ":1"
	}
	stop := start.Add(time.Second)
	events := []*sfn.HistoryEvent{
		{ID: 1, Type: sfn.EventExecutionStarted, Timestamp: start, ExecutionStartedEventDetails: &sfn.ExecutionStartedDetails{
			Input: &sfn.Payload{Value: map[string]any{"n": float64(i)}}, RoleArn: "arn:aws:iam::123456789012:role/bench"}},
		{ID: 2, PreviousEventID: 1, Type: sfn.EventPassStateEntered, Timestamp: start, StateEnteredEventDetails: &sfn.StateEnteredDetails{
			Name: "Prepare", Input: &sfn.Payload{Value: map[string]any{"n": float64(i)}}}},
		{ID: 3, PreviousEventID: 2, Type: sfn.EventPassStateExited, Timestamp: stop, StateExitedEventDetails: &sfn.StateExitedDetails{
			Name: "Prepare", Output: &sfn.Payload{Value: map[string]any{"n": float64(i)}}}},
	}
	switch status {
	case sfn.StatusRunning:
	case sfn.StatusSucceeded:
		out := input
		p.Output, p.StopDate = &out, &stop
		events = append(events, &sfn.HistoryEvent{ID: 4, PreviousEventID: 3, Type: sfn.EventExecutionSucceeded, Timestamp: stop,
			ExecutionSucceededEventDetails: &sfn.OutputDetails{Output: &sfn.Payload{Value: map[string]any{"n": float64(i)}}}})
	default:
		p.Error, p.Cause, p.StopDate = "States.TaskFailed", "seeded", &stop
		evType := sfn.EventExecutionFailed
		if status == sfn.StatusAborted {
			evType = sfn.EventExecutionAborted
		}
		end := &sfn.HistoryEvent{ID: 4, PreviousEventID: 3, Type: evType, Timestamp: stop}
		if status == sfn.StatusAborted {
			end.ExecutionAbortedEventDetails = &sfn.ErrorDetails{Error: "States.TaskFailed", Cause: "seeded"}
		} else {
			end.ExecutionFailedEventDetails = &sfn.ErrorDetails{Error: "States.TaskFailed", Cause: "seeded"}
		}
		events = append(events, end)
	}
	p.Events = events
	return p
}

// seedLong writes the one execution with a long history: a started event, then steps of
// 1,000 Pass events, the last ending it.
func (b *benchStore) seedLong(ctx context.Context) error {
	start := b.now.Add(-time.Hour)
	if _, err := b.st.ExecutionCreate(ctx, &store.ExecutionCreateParams{ARN: b.long, StateMachineARN: b.machines[0],
		Name: "long-history", Type: sfn.TypeStandard, Input: "{}", StartDate: start,
		Events: []*sfn.HistoryEvent{{ID: 1, Type: sfn.EventExecutionStarted, Timestamp: start,
			ExecutionStartedEventDetails: &sfn.ExecutionStartedDetails{Input: &sfn.Payload{Value: map[string]any{}}}}}}); err != nil {
		return fmt.Errorf("seed the long execution: %w", err)
	}
	version := int64(1)
	for id := int64(2); id <= int64(b.cfg.History); {
		var events []*sfn.HistoryEvent
		for ; id <= int64(b.cfg.History) && len(events) < 1000; id++ {
			ev := &sfn.HistoryEvent{ID: id, PreviousEventID: id - 1, Timestamp: start, Type: sfn.EventPassStateEntered,
				StateEnteredEventDetails: &sfn.StateEnteredDetails{Name: "Loop", Input: &sfn.Payload{Value: map[string]any{"i": float64(id)}}}}
			if id%2 == 1 {
				ev.Type, ev.StateEnteredEventDetails = sfn.EventPassStateExited, nil
				ev.StateExitedEventDetails = &sfn.StateExitedDetails{Name: "Loop", Output: &sfn.Payload{Value: map[string]any{"i": float64(id)}}}
			}
			events = append(events, ev)
		}
		p := &store.ExecutionStepParams{ExecutionARN: b.long, ExpectedVersion: version, Events: events}
		if id > int64(b.cfg.History) {
			stop := start.Add(time.Minute)
			out := "{}"
			p.Update = &store.ExecutionUpdate{Status: sfn.StatusSucceeded, Output: &out, StopDate: &stop}
		}
		if err := b.st.ExecutionStep(ctx, p); err != nil {
			return fmt.Errorf("seed the long execution: %w", err)
		}
		version++
	}
	return nil
}

// benchTimed calls call n times and reports its median and 99th percentile.
func (b *benchStore) timed(name string, n int, call func(i int) error) error {
	d := make([]time.Duration, n)
	for i := range n {
		began := time.Now()
		if err := call(i); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		d[i] = time.Since(began)
	}
	l := newBenchLatency(name, d)
	fmt.Fprintf(b.out, "  %-52s p50 %8.3f ms  p99 %8.3f ms\n", name, ms(l.P50), ms(l.P99))
	return nil
}

func (b *benchStore) measure(ctx context.Context) error {
	fmt.Fprintf(b.out, "measure (%d calls each, one at a time, through the store):\n", b.cfg.Samples)
	rng := mathrand.New(mathrand.NewPCG(7, 11))
	if err := b.timed("DescribeExecution (ExecutionGetByARN, random)", b.cfg.Samples, func(int) error {
		// Among the newest three quarters: those a --retention run leaves.
		oldest := b.cfg.Executions / 4
		i := oldest + rng.IntN(b.cfg.Executions-oldest)
		m := i % b.cfg.Machines
		_, err := b.st.ExecutionGetByARN(ctx, &store.ExecutionGetByARNParams{ARN: b.scope.ExecutionARN(b.machineName(m), "e-"+strconv.Itoa(i))})
		return err
	}); err != nil {
		return err
	}
	lists := []struct {
		name string
		p    store.ExecutionListParams
	}{
		{"ListExecutions, no filter", store.ExecutionListParams{}},
		{"ListExecutions, state machine", store.ExecutionListParams{StateMachineARN: b.machines[1]}},
		{"ListExecutions, status SUCCEEDED", store.ExecutionListParams{Status: sfn.StatusSucceeded}},
		{"ListExecutions, status RUNNING (1 in 100,000)", store.ExecutionListParams{Status: sfn.StatusRunning}},
		{"ListExecutions, state machine + FAILED (1 in 100)", store.ExecutionListParams{StateMachineARN: b.machines[1%b.cfg.Machines], Status: sfn.StatusFailed}},
		{"ListExecutions, state machine + RUNNING", store.ExecutionListParams{StateMachineARN: b.machines[9%b.cfg.Machines], Status: sfn.StatusRunning}},
		{"ListExecutions, version ARN (1 in 7)", store.ExecutionListParams{StateMachineVersionARN: b.machines[3%b.cfg.Machines] + ":1"}},
		{"ListExecutions, version ARN + FAILED (1 in 700)", store.ExecutionListParams{StateMachineVersionARN: b.machines[1%b.cfg.Machines] + ":1", Status: sfn.StatusFailed}},
		{"ListExecutions, version ARN + ABORTED (none)", store.ExecutionListParams{StateMachineVersionARN: b.machines[3%b.cfg.Machines] + ":1", Status: sfn.StatusAborted}},
		{"ListExecutions, alias ARN (none started so)", store.ExecutionListParams{StateMachineAliasARN: b.machines[0] + ":live"}},
	}
	for _, l := range lists {
		p := l.p
		p.MaxResults = 100
		if err := b.timed(l.name+", first page of 100", b.cfg.Samples, func(int) error {
			_, err := b.st.ExecutionList(ctx, &p)
			return err
		}); err != nil {
			return err
		}
	}
	// Deep pages: a walk of the whole list by its tokens, each page timed.
	var next string
	pages := 0
	if err := b.timed(fmt.Sprintf("ListExecutions, pages 1-%d of 1,000 (walked)", b.cfg.Pages), b.cfg.Pages, func(int) error {
		res, err := b.st.ExecutionList(ctx, &store.ExecutionListParams{MaxResults: 1000, NextToken: next})
		if err == nil {
			next, pages = res.NextToken, pages+1
		}
		return err
	}); err != nil {
		return err
	}
	next = ""
	if err := b.timed(fmt.Sprintf("ListExecutions, state machine + SUCCEEDED, pages 1-%d", b.cfg.Pages), b.cfg.Pages, func(int) error {
		res, err := b.st.ExecutionList(ctx, &store.ExecutionListParams{StateMachineARN: b.machines[0], Status: sfn.StatusSucceeded, MaxResults: 1000, NextToken: next})
		if err == nil {
			next = res.NextToken
		}
		return err
	}); err != nil {
		return err
	}
	// The long history: every page of 1,000 in order, then the newest page.
	events := 0
	next = ""
	if err := b.timed(fmt.Sprintf("GetExecutionHistory of %d events, each page of 1,000", b.cfg.History), (b.cfg.History+999)/1000, func(int) error {
		res, err := b.st.HistoryEventList(ctx, &store.HistoryEventListParams{ExecutionARN: b.long, MaxResults: 1000, NextToken: next})
		if err == nil {
			next, events = res.NextToken, events+len(res.Events)
		}
		return err
	}); err != nil {
		return err
	}
	if events != b.cfg.History {
		return fmt.Errorf("the long history has %d events, want %d", events, b.cfg.History)
	}
	return b.timed("GetExecutionHistory, reverseOrder, first page of 100", b.cfg.Samples, func(int) error {
		_, err := b.st.HistoryEventList(ctx, &store.HistoryEventListParams{ExecutionARN: b.long, ReverseOrder: true, MaxResults: 100})
		return err
	})
}

// retention runs a durable workload on an engine over the store, first alone, then while a
// retention sweep deletes the executions that ended more than 90 days ago, then alone again,
// and reports the start latency of each phase.
func (b *benchStore) retention(ctx context.Context) error {
	// The workload's engine keeps everything (a started engine would sweep at once); a
	// second one, never started, runs the sweep when the measurement asks for it, as the
	// first's sweeper would.
	eng, err := engine.New(engine.Config{Store: b.st, Invoker: task.NewRouter(), Scope: b.scope, NodeID: "bench-store", Retention: -1})
	if err != nil {
		return err
	}
	engineCtx, stop := context.WithCancel(ctx)
	defer stop()
	if err := eng.Start(engineCtx); err != nil {
		return err
	}
	defer eng.Close(context.Background())
	sweeper, err := engine.New(engine.Config{Store: b.st, Invoker: task.NewRouter(), Scope: b.scope, NodeID: "bench-store-sweeper", Retention: b.cfg.RetentionAge})
	if err != nil {
		return err
	}
	defer sweeper.Close(context.Background())
	fmt.Fprintf(b.out, "retention of %v: a durable workload (%d clients starting Pass-Choice-Succeed executions; each start commits its execution whole)\n", b.cfg.RetentionAge, b.cfg.Clients)
	workload := func(label string, until <-chan struct{}) error {
		var (
			mu  sync.Mutex
			lat []time.Duration
			wg  sync.WaitGroup
			bad error
		)
		for c := range b.cfg.Clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var mine []time.Duration
				for i := 0; ; i++ {
					select {
					case <-until:
						mu.Lock()
						lat = append(lat, mine...)
						mu.Unlock()
						return
					default:
					}
					t := time.Now()
					_, err := eng.StartExecution(ctx, &engine.StartExecutionParams{StateMachineARN: b.machines[0],
						Name: fmt.Sprintf("%s-%d-%d-%d", label, b.now.UnixNano(), c, i)})
					if err != nil {
						mu.Lock()
						bad = err
						mu.Unlock()
						return
					}
					mine = append(mine, time.Since(t))
				}
			}()
		}
		t := time.Now()
		wg.Wait()
		if bad != nil {
			return bad
		}
		l := newBenchLatency(label, lat)
		fmt.Fprintf(b.out, "  %-30s %7d starts  %6.0f starts/s  p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms  load average %s\n", label, len(lat),
			float64(len(lat))/time.Since(t).Seconds(), ms(l.P50), ms(l.P99), ms(maxDuration(lat)), benchLoadAverage())
		return nil
	}
	alone := make(chan struct{})
	time.AfterFunc(b.cfg.Duration, func() { close(alone) })
	if err := workload("without retention", alone); err != nil {
		return err
	}
	swept := make(chan struct{})
	var deleted int
	var sweepTime time.Duration
	go func() {
		defer close(swept)
		t := time.Now()
		deleted = sweeper.SweepRetention(ctx)
		sweepTime = time.Since(t)
	}()
	if err := workload("while retention sweeps", swept); err != nil {
		return err
	}
	fmt.Fprintf(b.out, "  the sweep deleted %d executions in %v (%.0f/s)\n", deleted, sweepTime.Round(time.Millisecond), float64(deleted)/sweepTime.Seconds())
	// Once more without the sweep: on a machine shared with other work the load moves during
	// a long sweep, and the phases before and after it bracket what the sweep cost.
	after := make(chan struct{})
	time.AfterFunc(b.cfg.Duration, func() { close(after) })
	return workload("after retention", after)
}

func maxDuration(d []time.Duration) time.Duration {
	var m time.Duration
	for _, x := range d {
		m = max(m, x)
	}
	return m
}
