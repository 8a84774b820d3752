package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func init() {
	register(subcommand{name: "bench-api", summary: "measure API requests/s and latency of one server (StartExecution + DescribeExecution, or StartSyncExecution)", run: runBenchAPI})
}

// The workloads bench-api starts. benchAPIStandard is the common short shape (Pass, Choice,
// Succeed): a start commits the execution and its first step, the run commits its end.
// benchAPIWait stays open (a start is one commit and nothing follows). benchAPIExpress is the
// same short shape run by StartSyncExecution.
const (
	benchAPIStandard = `{"StartAt":"Prepare","States":{
		"Prepare":{"Type":"Pass","Result":{"ok":true},"ResultPath":"$.prepared","Next":"Route"},
		"Route":{"Type":"Choice","Choices":[{"Variable":"$.prepared.ok","BooleanEquals":true,"Next":"Done"}],"Default":"Done"},
		"Done":{"Type":"Succeed"}}}`
	benchAPIWait = `{"StartAt":"Hold","States":{"Hold":{"Type":"Wait","Seconds":2592000,"End":true}}}`
)

// benchAPIConfig is what `stepflow bench-api` measures.
type benchAPIConfig struct {
	Mode          string // start-describe or sync
	Workflow      string // short or wait (start-describe only)
	Connections   int
	Duration      time.Duration
	Warmup        time.Duration
	Describes     int // DescribeExecution calls per StartExecution
	DB            string
	Postgres      string
	Addr          string // an existing server instead of a new one
	ServerProfile string
	ClientProcs   int
}

func runBenchAPI(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench-api", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := &benchAPIConfig{}
	fs.StringVar(&cfg.Mode, "mode", "start-describe", "start-describe (StartExecution of a Standard workflow, then --describes DescribeExecution of it) or sync (StartSyncExecution of an Express workflow)")
	fs.StringVar(&cfg.Workflow, "workflow", "short", "with start-describe: short (Pass, Choice, Succeed; the run commits its end too) or wait (stays open on a 30-day Wait)")
	fs.IntVar(&cfg.Connections, "connections", 64, "concurrent connections, each one request at a time")
	fs.DurationVar(&cfg.Duration, "duration", 10*time.Second, "how long to measure")
	fs.DurationVar(&cfg.Warmup, "warmup", 2*time.Second, "load before the measurement starts (not counted)")
	fs.IntVar(&cfg.Describes, "describes", 1, "with start-describe: DescribeExecution calls after each StartExecution")
	fs.StringVar(&cfg.DB, "db", "", "SQLite database of the server started (default: a new one in a temporary directory, removed afterwards)")
	fs.StringVar(&cfg.Postgres, "postgres", "", "PostgreSQL DSN for the server started, instead of SQLite")
	fs.StringVar(&cfg.Addr, "addr", "", "HOST:PORT of a running server to measure instead of starting one (no server CPU is reported then)")
	fs.StringVar(&cfg.ServerProfile, "server-profile", "", "write the started server's CPU profile to FILE (go tool pprof FILE)")
	fs.IntVar(&cfg.ClientProcs, "client-procs", 1, "GOMAXPROCS of the load generator (the server keeps every core)")
	if err := fs.Parse(args); err != nil {
		return exitError{Code: 2}
	}
	switch {
	case cfg.Mode != "start-describe" && cfg.Mode != "sync":
		return &serverConfigError{Field: "mode", Msg: fmt.Sprintf("must be start-describe or sync, not %q", cfg.Mode)}
	case cfg.Workflow != "short" && cfg.Workflow != "wait":
		return &serverConfigError{Field: "workflow", Msg: fmt.Sprintf("must be short or wait, not %q", cfg.Workflow)}
	case cfg.Connections < 1:
		return &serverConfigError{Field: "connections", Msg: "must be at least 1"}
	case cfg.Duration <= 0:
		return &serverConfigError{Field: "duration", Msg: "must be positive"}
	case cfg.Describes < 0:
		return &serverConfigError{Field: "describes", Msg: "must not be negative"}
	case cfg.ClientProcs < 1:
		return &serverConfigError{Field: "client-procs", Msg: "must be at least 1"}
	}
	return benchAPI(ctx, cfg, stdout)
}

func benchAPI(ctx context.Context, cfg *benchAPIConfig, out io.Writer) error {
	addr := cfg.Addr
	serverPID := 0
	if addr == "" {
		exe, err := os.Executable()
		if err != nil {
			return err
		}
		dir, err := os.MkdirTemp("", "stepflow-bench-api-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		args := []string{"--ui", "off", "--execution-log-dir", "off", "--log-level", "warn"}
		if cfg.Postgres != "" {
			args = append(args, "--postgres", cfg.Postgres)
		} else {
			if cfg.DB == "" {
				cfg.DB = filepath.Join(dir, "stepflow.db")
			}
			args = append(args, "--db", cfg.DB)
		}
		if cfg.ServerProfile != "" {
			args = append(args, "--cpu-profile", cfg.ServerProfile)
		}
		node := &soakNode{name: "server", exe: exe, dir: dir, logPath: filepath.Join(dir, "server.log"), args: args}
		if _, err := node.start(); err != nil {
			return err
		}
		// The server writes its profile as it stops.
		defer node.stop()
		addr, serverPID = node.addr, node.pid()
	}
	// The server started with every core; from here the load generator keeps to its share.
	runtime.GOMAXPROCS(cfg.ClientProcs)

	client := newBenchAPIClient(addr, cfg.Connections)
	smType, definition := "STANDARD", benchAPIStandard
	switch {
	case cfg.Mode == "sync":
		smType = "EXPRESS"
	case cfg.Workflow == "wait":
		definition = benchAPIWait
	}
	var created struct {
		StateMachineArn string `json:"stateMachineArn"`
	}
	if err := client.call(ctx, "CreateStateMachine", map[string]any{"name": fmt.Sprintf("bench-api-%d", time.Now().UnixNano()),
		"type": smType, "definition": definition, "roleArn": "arn:aws:iam::123456789012:role/bench"}, &created); err != nil {
		return fmt.Errorf("create the state machine: %w", err)
	}
	where := "SQLite " + cfg.DB
	switch {
	case cfg.Addr != "":
		where = "the server at " + cfg.Addr
	case cfg.Postgres != "":
		where = "PostgreSQL"
	}
	fmt.Fprintf(out, "bench-api: %s on %s, %d connections, load generator GOMAXPROCS=%d, %d cores\n", benchAPIWorkload(cfg), where, cfg.Connections, cfg.ClientProcs, runtime.NumCPU())

	run := &benchAPIRun{cfg: cfg, client: client, smARN: created.StateMachineArn}
	measuring := make(chan struct{})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < cfg.Connections; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			run.worker(ctx, w, measuring, stop)
		}()
	}
	select {
	case <-time.After(cfg.Warmup):
	case <-ctx.Done():
	}
	clientBefore, serverBefore, load := benchSelfCPU(), benchServerCPU(serverPID), benchLoadAverage()
	began := time.Now()
	close(measuring)
	select {
	case <-time.After(cfg.Duration):
	case <-ctx.Done():
	}
	elapsed := time.Since(began)
	clientCPU, serverCPU := benchSelfCPU()-clientBefore, benchServerCPU(serverPID)-serverBefore
	close(stop)
	wg.Wait()
	if err := run.firstErr(); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	total := 0
	var all []time.Duration
	for _, k := range run.kinds() {
		total += len(k.latencies)
		all = append(all, k.latencies...)
	}
	if total == 0 {
		return fmt.Errorf("no request finished within %v", cfg.Duration)
	}
	fmt.Fprintf(out, "load average before the measurement: %s\n", load)
	fmt.Fprintf(out, "%-22s %9s %10s %9s %9s\n", "", "requests", "req/s", "p50 ms", "p99 ms")
	for _, k := range run.kinds() {
		if len(k.latencies) > 0 {
			l := newBenchLatency(k.name, k.latencies)
			fmt.Fprintf(out, "%-22s %9d %10.0f %9.2f %9.2f\n", k.name, len(k.latencies), float64(len(k.latencies))/elapsed.Seconds(), ms(l.P50), ms(l.P99))
		}
	}
	l := newBenchLatency("all", all)
	fmt.Fprintf(out, "%-22s %9d %10.0f %9.2f %9.2f\n", "all", total, float64(total)/elapsed.Seconds(), ms(l.P50), ms(l.P99))
	fmt.Fprintf(out, "load generator CPU: %.2f cores (%.1f µs per request)\n", clientCPU.Seconds()/elapsed.Seconds(), float64(clientCPU.Microseconds())/float64(total))
	if serverPID != 0 {
		fmt.Fprintf(out, "server CPU: %.2f cores (%.1f µs per request)\n", serverCPU.Seconds()/elapsed.Seconds(), float64(serverCPU.Microseconds())/float64(total))
	}
	if n := run.throttled.Load(); n > 0 {
		fmt.Fprintf(out, "ThrottlingException answers (retried, not counted above): %d\n", n)
	}
	return nil
}

func benchAPIWorkload(cfg *benchAPIConfig) string {
	if cfg.Mode == "sync" {
		return "StartSyncExecution of an Express Pass-Choice-Succeed workflow"
	}
	what := "a Standard Pass-Choice-Succeed workflow"
	if cfg.Workflow == "wait" {
		what = "a Standard workflow that waits 30 days"
	}
	return fmt.Sprintf("StartExecution of %s + %d DescribeExecution of it", what, cfg.Describes)
}

// benchAPIRun is one measurement: its workers record each finished request's latency once
// the measurement began.
type benchAPIRun struct {
	cfg       *benchAPIConfig
	client    *benchAPIClient
	smARN     string
	throttled atomic.Int64

	mu       sync.Mutex
	err      error
	starts   []time.Duration
	describe []time.Duration
	sync     []time.Duration
}

type benchAPIKind struct {
	name      string
	latencies []time.Duration
}

func (r *benchAPIRun) kinds() []benchAPIKind {
	return []benchAPIKind{{"StartExecution", r.starts}, {"DescribeExecution", r.describe}, {"StartSyncExecution", r.sync}}
}

func (r *benchAPIRun) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err == nil {
		r.err = err
	}
}

func (r *benchAPIRun) firstErr() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// worker sends requests one at a time until stop, keeping its latencies to itself until the
// end so that recording costs no lock per request.
func (r *benchAPIRun) worker(ctx context.Context, w int, measuring, stop <-chan struct{}) {
	var starts, describes, syncs []time.Duration
	defer func() {
		r.mu.Lock()
		r.starts = append(r.starts, starts...)
		r.describe = append(r.describe, describes...)
		r.sync = append(r.sync, syncs...)
		r.mu.Unlock()
	}()
	counting := false
	// timed runs one request and records its latency once the measurement began; a throttled
	// request is counted apart and sent again.
	timed := func(target string, body []byte, into *[]time.Duration) ([]byte, bool) {
		for {
			began := time.Now()
			answer, status, err := r.client.post(ctx, target, body)
			if err != nil {
				if ctx.Err() == nil {
					r.fail(fmt.Errorf("%s: %w", target, err))
				}
				return nil, false
			}
			if status == http.StatusBadRequest && bytes.Contains(answer, []byte("ThrottlingException")) {
				r.throttled.Add(1)
				continue
			}
			if status != http.StatusOK {
				r.fail(fmt.Errorf("%s: HTTP %d: %s", target, status, answer))
				return nil, false
			}
			if counting {
				*into = append(*into, time.Since(began))
			}
			return answer, true
		}
	}
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		case <-measuring:
			counting = true
		default:
		}
		name := "w" + strconv.Itoa(w) + "-" + strconv.Itoa(i)
		input := `{"n":` + strconv.Itoa(i) + `}`
		if r.cfg.Mode == "sync" {
			if _, ok := timed("StartSyncExecution", benchAPIBody("stateMachineArn", r.smARN, "name", name, "input", input), &syncs); !ok {
				return
			}
			continue
		}
		answer, ok := timed("StartExecution", benchAPIBody("stateMachineArn", r.smARN, "name", name, "input", input), &starts)
		if !ok {
			return
		}
		var started struct {
			ExecutionArn string `json:"executionArn"`
		}
		if err := json.Unmarshal(answer, &started); err != nil || started.ExecutionArn == "" {
			r.fail(fmt.Errorf("StartExecution answered %s", answer))
			return
		}
		describe := benchAPIBody("executionArn", started.ExecutionArn)
		for range r.cfg.Describes {
			if _, ok := timed("DescribeExecution", describe, &describes); !ok {
				return
			}
		}
	}
}

// benchAPIBody is a JSON object of string fields, given as key, value, key, value.
func benchAPIBody(kv ...string) []byte {
	b := []byte{'{'}
	for i := 0; i < len(kv); i += 2 {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, kv[i])
		b = append(b, ':')
		b = strconv.AppendQuote(b, kv[i+1])
	}
	return append(b, '}')
}

// benchAPIClient speaks the Step Functions JSON protocol with as little work as a client can
// do: bodies are built by hand and answers read whole, on kept-alive connections. The AWS
// SDK costs several times more CPU per call than the server spends answering it, which would
// make the load generator the bottleneck.
type benchAPIClient struct {
	url  string
	http *http.Client
}

func newBenchAPIClient(addr string, connections int) *benchAPIClient {
	transport := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        connections,
		MaxIdleConnsPerHost: connections,
		MaxConnsPerHost:     connections,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	return &benchAPIClient{url: "http://" + addr + "/", http: &http.Client{Transport: transport, Timeout: time.Minute}}
}

func (c *benchAPIClient) post(ctx context.Context, target string, body []byte) ([]byte, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "AWSStepFunctions."+target)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	return answer, resp.StatusCode, err
}

// call sends one request with a JSON-encoded input and decodes a 200 answer into output.
func (c *benchAPIClient) call(ctx context.Context, target string, input, output any) error {
	body, err := json.Marshal(input)
	if err != nil {
		return err
	}
	answer, status, err := c.post(ctx, target, body)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return fmt.Errorf("HTTP %d: %s", status, answer)
	}
	return json.Unmarshal(answer, output)
}

// benchSelfCPU is the CPU time (user and system) this process used so far.
func benchSelfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchServerCPU is the CPU time process pid used so far; 0 without a pid.
func benchServerCPU(pid int) time.Duration {
	if pid == 0 {
		return 0
	}
	return time.Duration(benchProcessCPU(pid) * float64(time.Second))
}

// benchLoadAverage is the 1, 5 and 15-minute load averages from /proc/loadavg.
func benchLoadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(data))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
