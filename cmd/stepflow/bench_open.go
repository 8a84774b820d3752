package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	mathrand "math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

func init() {
	register(subcommand{name: "bench-open", summary: "measure one SQLite server holding many open (waiting) Standard executions", run: runBenchOpen})
}

// benchOpenDefinition waits 30 days: every execution it starts stays open for the whole
// measurement, as a Standard execution waiting on a long Wait does on AWS.
const benchOpenDefinition = `{"StartAt":"Hold","States":{"Hold":{"Type":"Wait","Seconds":2592000,"End":true}}}`

// benchOpenConfig is what `stepflow bench-open` measures.
type benchOpenConfig struct {
	Executions int
	DB         string
	Clients    int
	Samples    int // calls per latency measurement
	Checkpoint int // latencies are also measured once this many are open
}

func runBenchOpen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench-open", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := &benchOpenConfig{}
	fs.IntVar(&cfg.Executions, "executions", 100000, "open executions to start")
	fs.StringVar(&cfg.DB, "db", "", "SQLite database of the server (default: a new one in a temporary directory, removed afterwards)")
	fs.IntVar(&cfg.Clients, "clients", 16, "concurrent StartExecution clients")
	fs.IntVar(&cfg.Samples, "samples", 300, "calls per latency measurement")
	fs.IntVar(&cfg.Checkpoint, "checkpoint", 1000, "also measure latencies when this many executions are open")
	if err := fs.Parse(args); err != nil {
		return exitError{Code: 2}
	}
	switch {
	case cfg.Executions < 1:
		return &serverConfigError{Field: "executions", Msg: "must be at least 1"}
	case cfg.Clients < 1:
		return &serverConfigError{Field: "clients", Msg: "must be at least 1"}
	case cfg.Samples < 1:
		return &serverConfigError{Field: "samples", Msg: "must be at least 1"}
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "stepflow-bench-open-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if cfg.DB == "" {
		cfg.DB = filepath.Join(dir, "stepflow.db")
	}
	return benchOpen(ctx, cfg, exe, dir, stdout)
}

// benchRetries counts the calls benchRetry repeated.
var benchRetries atomic.Int64

// benchRetry runs call up to three times while it fails with "use of closed network
// connection". The SDK's client closes the connection now and then while reading an answer
// the server sent whole (about one ListExecutions of 100 in ten on loopback; curl never
// sees it; aws/aws-sdk-go-v2#1825 and #2737 report the same): the calls repeated here are
// reads and starts with a name and input, which StartExecution makes idempotent. The
// report says how many were repeated.
func benchRetry(call func() error) error {
	for attempt := 1; ; attempt++ {
		err := call()
		if err == nil || attempt == 3 || !strings.Contains(err.Error(), "use of closed network connection") {
			return err
		}
		benchRetries.Add(1)
	}
}

// benchLatency is the median and 99th percentile of one kind of call.
type benchLatency struct {
	Name     string
	P50, P99 time.Duration
}

func newBenchLatency(name string, d []time.Duration) benchLatency {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return benchLatency{Name: name, P50: d[len(d)/2], P99: d[(len(d)*99)/100]}
}

func benchOpen(ctx context.Context, cfg *benchOpenConfig, exe, dir string, out io.Writer) error {
	node := &soakNode{name: "server", exe: exe, dir: dir, logPath: filepath.Join(dir, "server.log"),
		args: []string{"--db", cfg.DB, "--ui", "off", "--execution-log-dir", "off"}}
	if _, err := node.start(); err != nil {
		return err
	}
	defer node.stop()
	client := benchClient(node.addr)
	sm, err := client.CreateStateMachine(ctx, &awssfn.CreateStateMachineInput{Name: aws.String(fmt.Sprintf("bench-open-%d", time.Now().UnixNano())),
		RoleArn: aws.String("arn:aws:iam::123456789012:role/bench"), Definition: aws.String(benchOpenDefinition)})
	if err != nil {
		return fmt.Errorf("create the state machine: %w", err)
	}
	smARN := aws.ToString(sm.StateMachineArn)
	fmt.Fprintf(out, "bench-open: %d executions waiting 30 days on one SQLite server (%s), %d clients\n", cfg.Executions, cfg.DB, cfg.Clients)

	arns := make([]string, 0, cfg.Executions)
	var arnsMu sync.Mutex
	startBatch := func(from, to int) (time.Duration, error) {
		began := time.Now()
		var next atomic.Int64
		next.Store(int64(from))
		var wg sync.WaitGroup
		var firstErr error
		var errOnce sync.Once
		for w := 0; w < cfg.Clients; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1)) - 1
					if i >= to || ctx.Err() != nil {
						return
					}
					var o *awssfn.StartExecutionOutput
					err := benchRetry(func() error {
						var err error
						o, err = client.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(smARN),
							Name: aws.String(fmt.Sprintf("open-%07d", i)), Input: aws.String(fmt.Sprintf(`{"n":%d}`, i))})
						return err
					})
					if err != nil {
						errOnce.Do(func() { firstErr = fmt.Errorf("start execution %d: %w", i, err) })
						return
					}
					arnsMu.Lock()
					arns = append(arns, aws.ToString(o.ExecutionArn))
					arnsMu.Unlock()
				}
			}()
		}
		wg.Wait()
		if firstErr == nil && ctx.Err() != nil {
			firstErr = ctx.Err()
		}
		return time.Since(began), firstErr
	}

	report := func(label string) error {
		mem, err := benchMemory(node)
		if err != nil {
			return err
		}
		size, wal := benchDBSize(cfg.DB)
		open := len(arns)
		lat, probes, err := benchLatencies(ctx, client, smARN, arns, cfg.Samples, len(arns)+cfg.Executions)
		if err != nil {
			return err
		}
		// The StartExecution probes stay open too: they count from here on.
		arns = append(arns, probes...)
		fmt.Fprintf(out, "%s: %d open  RSS %.1f MiB  Go heap %.1f MiB (live %.1f MiB)  database %.1f MiB (%.0f B/execution) + WAL %.1f MiB\n",
			label, open, mib(mem.rss), mib(mem.heap), mib(mem.live), mib(size), float64(size)/float64(open), mib(wal))
		for _, l := range lat {
			fmt.Fprintf(out, "  %-18s p50 %7.2f ms  p99 %7.2f ms\n", l.Name, ms(l.P50), ms(l.P99))
		}
		return nil
	}

	checkpoint := min(cfg.Checkpoint, cfg.Executions)
	var startTime time.Duration
	if checkpoint > 0 && checkpoint < cfg.Executions {
		d, err := startBatch(0, checkpoint)
		if err != nil {
			return err
		}
		startTime += d
		if err := report("checkpoint"); err != nil {
			return err
		}
	} else {
		checkpoint = 0
	}
	base, err := benchMemory(node)
	if err != nil {
		return err
	}
	baseOpen := len(arns)
	const slices = 10
	for s := 0; s < slices; s++ {
		from := checkpoint + (cfg.Executions-checkpoint)*s/slices
		to := checkpoint + (cfg.Executions-checkpoint)*(s+1)/slices
		if to == from {
			continue
		}
		d, err := startBatch(from, to)
		if err != nil {
			return err
		}
		startTime += d
		mem, err := benchMemory(node)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "  started %8d  %6.0f starts/s  RSS %7.1f MiB  Go heap %7.1f MiB (live %6.1f MiB)\n", to, float64(to-from)/d.Seconds(), mib(mem.rss), mib(mem.heap), mib(mem.live))
	}
	fmt.Fprintf(out, "start rate: %.0f StartExecution/s over %d starts (%v)\n", float64(cfg.Executions)/startTime.Seconds(), cfg.Executions, startTime.Round(time.Millisecond))
	end, err := benchMemory(node)
	if err != nil {
		return err
	}
	if grown := len(arns) - baseOpen; grown > 0 {
		fmt.Fprintf(out, "memory per open execution beyond the first %d: RSS %.0f B, Go heap %.0f B, live Go heap %.0f B\n", baseOpen,
			float64(end.rss-base.rss)/float64(grown), float64(end.heap-base.heap)/float64(grown), float64(end.live-base.live)/float64(grown))
	}
	if err := report("all started"); err != nil {
		return err
	}

	// A restart: the time from the new process's start to it answering, with all of them open.
	node.stop()
	logBefore := benchFileSize(node.logPath)
	began := time.Now()
	ready, err := node.start()
	if err != nil {
		return err
	}
	if _, err := client.DescribeExecution(ctx, &awssfn.DescribeExecutionInput{ExecutionArn: aws.String(arns[0])}); err != nil {
		return fmt.Errorf("describe after the restart: %w", err)
	}
	fmt.Fprintf(out, "restart: listening %v after the process started, first DescribeExecution answered after %v\n",
		ready.Sub(began).Round(time.Millisecond), time.Since(began).Round(time.Millisecond))
	// The engine loads every running execution once in the background (recording ends a
	// crash left unrecorded); its log line says when that pass is done.
	for !benchLogHas(node.logPath, logBefore, "recovered running executions") {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		time.Sleep(50 * time.Millisecond)
	}
	fmt.Fprintf(out, "restart: the background recovery pass (running Express executions of the earlier life, executions listed at an upgrade) ended after %v\n", time.Since(began).Round(time.Millisecond))
	running, err := benchCountRunning(ctx, client, smARN)
	if err != nil {
		return err
	}
	if running != len(arns) {
		return fmt.Errorf("after the restart %d executions are running, want %d", running, len(arns))
	}
	fmt.Fprintf(out, "after the restart all %d executions are RUNNING (counted with ListExecutions)\n", running)
	if err := report("after restart"); err != nil {
		return err
	}
	fmt.Fprintf(out, "calls repeated after the client closed its connection: %d\n", benchRetries.Load())
	return nil
}

// benchClient is an SDK client for one server, on Go's default transport.
func benchClient(addr string) *awssfn.Client {
	return awssfn.New(awssfn.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + addr),
		Credentials: aws.AnonymousCredentials{}, Retryer: aws.NopRetryer{},
		HTTPClient: &http.Client{Timeout: 30 * time.Second}})
}

// benchLatencies times DescribeExecution of random open executions, the first page of
// ListExecutions of running ones, and StartExecution, one call at a time.
// It returns the executions it started.
func benchLatencies(ctx context.Context, client *awssfn.Client, smARN string, arns []string, samples, nameBase int) ([]benchLatency, []string, error) {
	describe := make([]time.Duration, samples)
	list := make([]time.Duration, samples)
	start := make([]time.Duration, samples)
	rng := mathrand.New(mathrand.NewPCG(1, 2))
	var started []string
	for i := 0; i < samples; i++ {
		arn := arns[rng.IntN(len(arns))]
		t := time.Now()
		if err := benchRetry(func() error {
			t = time.Now()
			_, err := client.DescribeExecution(ctx, &awssfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
			return err
		}); err != nil {
			return nil, nil, fmt.Errorf("describe execution: %w", err)
		}
		describe[i] = time.Since(t)
		if err := benchRetry(func() error {
			t = time.Now()
			_, err := client.ListExecutions(ctx, &awssfn.ListExecutionsInput{StateMachineArn: aws.String(smARN),
				StatusFilter: types.ExecutionStatusRunning, MaxResults: 100})
			return err
		}); err != nil {
			return nil, nil, fmt.Errorf("list executions: %w", err)
		}
		list[i] = time.Since(t)
		var o *awssfn.StartExecutionOutput
		if err := benchRetry(func() error {
			t = time.Now()
			var err error
			o, err = client.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(smARN),
				Name: aws.String(fmt.Sprintf("probe-%07d-%d", nameBase, i))})
			return err
		}); err != nil {
			return nil, nil, fmt.Errorf("start execution: %w", err)
		}
		start[i] = time.Since(t)
		started = append(started, aws.ToString(o.ExecutionArn))
	}
	return []benchLatency{newBenchLatency("DescribeExecution", describe), newBenchLatency("ListExecutions", list),
		newBenchLatency("StartExecution", start)}, started, nil
}

// benchCountRunning pages through the running executions of the state machine.
func benchCountRunning(ctx context.Context, client *awssfn.Client, smARN string) (int, error) {
	n := 0
	p := awssfn.NewListExecutionsPaginator(client, &awssfn.ListExecutionsInput{StateMachineArn: aws.String(smARN),
		StatusFilter: types.ExecutionStatusRunning, MaxResults: 1000})
	for p.HasMorePages() {
		var page *awssfn.ListExecutionsOutput
		if err := benchRetry(func() error {
			var err error
			page, err = p.NextPage(ctx)
			return err
		}); err != nil {
			return n, fmt.Errorf("list executions: %w", err)
		}
		n += len(page.Executions)
	}
	return n, nil
}

// benchMem is a server process's resident memory, Go heap in use and live Go heap (after
// the last collection), in bytes.
type benchMem struct{ rss, heap, live int64 }

// benchMemory reads VmRSS from /proc and the Go heap in use from the server's /metrics.
func benchMemory(node *soakNode) (benchMem, error) {
	var m benchMem
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", node.pid()))
	if err != nil {
		return m, fmt.Errorf("read the server's memory: %w", err)
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			m.rss = kb * 1024
		}
	}
	resp, err := http.Get("http://" + node.addr + "/metrics")
	if err != nil {
		return m, fmt.Errorf("read the server's metrics: %w", err)
	}
	defer resp.Body.Close()
	var nextGC, gogc float64
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		name, v, _ := strings.Cut(sc.Text(), " ")
		f, _ := strconv.ParseFloat(v, 64)
		switch name {
		case "go_memstats_heap_inuse_bytes":
			m.heap = int64(f)
		case "go_memstats_next_gc_bytes":
			nextGC = f
		case "go_gc_gogc_percent":
			gogc = f
		}
	}
	// The collector sets its next target at (1 + GOGC/100) times what was alive after the
	// last collection: that is the live heap, where the heap in use also holds garbage
	// (gcpace sets GOGC=400, so up to four times as much).
	if gogc > 0 {
		m.live = int64(nextGC / (1 + gogc/100))
	}
	if m.heap == 0 {
		return m, errors.New("the server's /metrics has no go_memstats_heap_inuse_bytes")
	}
	return m, nil
}

func benchFileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}

// benchLogHas tells whether the file at path has text after its first from bytes.
func benchLogHas(path string, from int64, text string) bool {
	data, err := os.ReadFile(path)
	if err != nil || int64(len(data)) < from {
		return false
	}
	return strings.Contains(string(data[from:]), text)
}

// benchDBSize is the bytes of a SQLite database file and of its write-ahead log.
func benchDBSize(path string) (db, wal int64) {
	if st, err := os.Stat(path); err == nil {
		db = st.Size()
	}
	if st, err := os.Stat(path + "-wal"); err == nil {
		wal = st.Size()
	}
	return db, wal
}

func mib(b int64) float64        { return float64(b) / (1 << 20) }
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
