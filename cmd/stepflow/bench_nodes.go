package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/jackc/pgx/v5"
)

func init() {
	register(subcommand{name: "bench-nodes", summary: "measure 1, 2, 3 ... servers sharing one PostgreSQL: transitions/s and PostgreSQL's CPU", run: runBenchNodes})
}

// benchNodesDefinition is the common shape: a Pass, a Choice, one Task and a Succeed, four
// states entered per execution. The Task calls "echo", an HTTP function this command serves.
const benchNodesDefinition = `{"StartAt":"Prepare","States":{
  "Prepare":{"Type":"Pass","Parameters":{"n.$":"$.n","kind":"bench"},"Next":"Route"},
  "Route":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThanEquals":0,"Next":"Work"}],"Default":"Work"},
  "Work":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"echo","Payload.$":"$"},"ResultSelector":{"n.$":"$.Payload.n"},"Next":"Done"},
  "Done":{"Type":"Succeed"}}}`

// benchNodesStatesPerExecution is the states one execution of benchNodesDefinition enters.
const benchNodesStatesPerExecution = 4

type benchNodesConfig struct {
	Postgres   string
	Nodes      []int
	Executions int
	Clients    int
}

func runBenchNodes(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench-nodes", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := &benchNodesConfig{}
	fs.StringVar(&cfg.Postgres, "postgres", os.Getenv("STEPFLOW_TEST_POSTGRES"), "PostgreSQL DSN (default $STEPFLOW_TEST_POSTGRES); each node count gets a new schema of its own, dropped afterwards")
	nodes := fs.String("nodes", "1,2,3", "node counts to measure, comma-separated")
	fs.IntVar(&cfg.Executions, "executions", 3000, "executions per node count")
	fs.IntVar(&cfg.Clients, "clients", 24, "concurrent clients, spread over the nodes")
	if err := fs.Parse(args); err != nil {
		return exitError{Code: 2}
	}
	if cfg.Postgres == "" {
		return &serverConfigError{Field: "postgres", Msg: "give --postgres DSN or set STEPFLOW_TEST_POSTGRES"}
	}
	for _, f := range strings.Split(*nodes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 16 {
			return &serverConfigError{Field: "nodes", Msg: fmt.Sprintf("must be node counts from 1 to 16, not %q", f)}
		}
		cfg.Nodes = append(cfg.Nodes, n)
	}
	switch {
	case cfg.Executions < 1:
		return &serverConfigError{Field: "executions", Msg: "must be at least 1"}
	case cfg.Clients < 1:
		return &serverConfigError{Field: "clients", Msg: "must be at least 1"}
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "stepflow-bench-nodes-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	// The function every Task calls: it answers its payload, as a Lambda function would.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	echo := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.Copy(w, r.Body)
	})}
	go func() { _ = echo.Serve(ln) }()
	defer echo.Close()
	functions := filepath.Join(dir, "functions.json")
	doc, _ := json.Marshal(map[string]any{"functions": map[string]any{"echo": map[string]any{"http": map[string]any{"url": "http://" + ln.Addr().String() + "/"}}}})
	if err := os.WriteFile(functions, doc, 0o644); err != nil {
		return err
	}

	fmt.Fprintf(stdout, "bench-nodes: %d executions of Pass, Choice, Task, Succeed per node count, %d clients, %d CPU cores on this machine\n",
		cfg.Executions, cfg.Clients, runtime.NumCPU())
	load, _ := os.ReadFile("/proc/loadavg")
	fmt.Fprintf(stdout, "load average before: %s", load)
	fmt.Fprintf(stdout, "%5s %9s %13s %10s %14s %14s %14s %9s\n", "nodes", "seconds", "transitions/s", "starts/s", "postgres CPU", "servers CPU", "this CPU", "repeated")
	for _, n := range cfg.Nodes {
		r, err := benchNodesRun(ctx, cfg, exe, dir, functions, n)
		if err != nil {
			return fmt.Errorf("%d node(s): %w", n, err)
		}
		fmt.Fprintf(stdout, "%5d %9.2f %13.0f %10.0f %8.2f cores %8.2f cores %8.2f cores %9d\n", n, r.seconds,
			float64(cfg.Executions*benchNodesStatesPerExecution)/r.seconds, float64(cfg.Executions)/r.seconds,
			r.postgresCPU/r.seconds, r.serversCPU/r.seconds, r.clientCPU/r.seconds, r.repeated)
	}
	return nil
}

type benchNodesResult struct {
	seconds                 float64
	postgresCPU, serversCPU float64 // CPU seconds used during the run
	clientCPU               float64 // by this process: the SDK clients and the echo function
	repeated                int64
}

// benchNodesRun measures one node count on a schema of its own.
func benchNodesRun(ctx context.Context, cfg *benchNodesConfig, exe, dir, functions string, nodes int) (*benchNodesResult, error) {
	id := make([]byte, 4)
	_, _ = rand.Read(id)
	schema := fmt.Sprintf("stepflow_bench_nodes_%s_%d", hex.EncodeToString(id), nodes)
	dsn, err := benchWithSearchPath(cfg.Postgres, schema)
	if err != nil {
		return nil, err
	}
	conn, err := pgx.Connect(ctx, cfg.Postgres)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		return nil, fmt.Errorf("create schema %s: %w", schema, err)
	}
	defer conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")

	var cluster []*soakNode
	defer func() {
		for _, n := range cluster {
			n.stop()
		}
	}()
	for i := 1; i <= nodes; i++ {
		name := fmt.Sprintf("bench-%d-of-%d", i, nodes)
		node := &soakNode{name: name, exe: exe, dir: dir, logPath: filepath.Join(dir, name+".log"),
			args: []string{"--postgres", dsn, "--node-id", name + "-" + hex.EncodeToString(id), "--ui", "off",
				"--execution-log-dir", "off", "--functions", functions}}
		cluster = append(cluster, node)
		if _, err := node.start(); err != nil {
			return nil, err
		}
	}
	clients := make([]*awssfn.Client, nodes)
	for i, n := range cluster {
		clients[i] = benchClient(n.addr)
	}
	sm, err := clients[0].CreateStateMachine(ctx, &awssfn.CreateStateMachineInput{Name: aws.String("bench-nodes"),
		RoleArn: aws.String("arn:aws:iam::123456789012:role/bench"), Definition: aws.String(benchNodesDefinition)})
	if err != nil {
		return nil, fmt.Errorf("create the state machine: %w", err)
	}
	smARN := aws.ToString(sm.StateMachineArn)

	pgBefore := benchPostgresCPU()
	serversBefore := benchNodesCPU(cluster)
	clientBefore := benchProcessCPU(os.Getpid())
	retriesBefore := benchRetries.Load()
	began := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	var firstErr error
	var errOnce sync.Once
	for w := 0; w < cfg.Clients; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := clients[w%nodes]
			for {
				i := int(next.Add(1)) - 1
				if i >= cfg.Executions || ctx.Err() != nil {
					return
				}
				err := benchRetry(func() error {
					_, err := client.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(smARN),
						Name: aws.String(fmt.Sprintf("run-%06d", i)), Input: aws.String(fmt.Sprintf(`{"n":%d}`, i))})
					return err
				})
				if err != nil {
					errOnce.Do(func() { firstErr = fmt.Errorf("start execution %d: %w", i, err) })
					return
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	// The run ends when no execution is running: every node's work, not only its starts.
	deadline := time.Now().Add(10 * time.Minute)
	for {
		var out *awssfn.ListExecutionsOutput
		err := benchRetry(func() error {
			var err error
			out, err = clients[0].ListExecutions(ctx, &awssfn.ListExecutionsInput{StateMachineArn: aws.String(smARN),
				StatusFilter: types.ExecutionStatusRunning, MaxResults: 1})
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("list running executions: %w", err)
		}
		if len(out.Executions) == 0 {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("executions still running 10 minutes after the last start")
		}
		time.Sleep(20 * time.Millisecond)
	}
	r := &benchNodesResult{seconds: time.Since(began).Seconds(), postgresCPU: benchPostgresCPU() - pgBefore,
		serversCPU: benchNodesCPU(cluster) - serversBefore, clientCPU: benchProcessCPU(os.Getpid()) - clientBefore, repeated: benchRetries.Load() - retriesBefore}
	succeeded, err := benchCountStatus(ctx, clients[0], smARN, types.ExecutionStatusSucceeded)
	if err != nil {
		return nil, err
	}
	if succeeded != cfg.Executions {
		return nil, fmt.Errorf("%d executions succeeded, want %d", succeeded, cfg.Executions)
	}
	return r, nil
}

// benchWithSearchPath sets the search_path parameter of a postgres:// DSN or a key=value one.
func benchWithSearchPath(dsn, schema string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("postgres: invalid DSN")
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	return dsn + " search_path=" + schema, nil
}

// benchCountStatus pages through the executions of the state machine with one status.
func benchCountStatus(ctx context.Context, client *awssfn.Client, smARN string, status types.ExecutionStatus) (int, error) {
	n := 0
	p := awssfn.NewListExecutionsPaginator(client, &awssfn.ListExecutionsInput{StateMachineArn: aws.String(smARN),
		StatusFilter: status, MaxResults: 1000})
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

// benchPostgresCPU is the CPU seconds used so far by every process named postgres on this
// machine (the server and its backends), from /proc. Backends that ended in between are
// missed, so it reads low rather than high; the servers keep their connections open.
func benchPostgresCPU() float64 {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	total := 0.0
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		if err != nil || strings.TrimSpace(string(comm)) != "postgres" {
			continue
		}
		total += benchProcessCPU(pid)
	}
	return total
}

// benchNodesCPU is the CPU seconds used so far by the nodes' processes.
func benchNodesCPU(nodes []*soakNode) float64 {
	total := 0.0
	for _, n := range nodes {
		total += benchProcessCPU(n.pid())
	}
	return total
}

// benchProcessCPU is a process's user plus system CPU seconds, from /proc/PID/stat.
func benchProcessCPU(pid int) float64 {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name in parentheses may hold spaces: fields are counted after it.
	s := string(stat)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0
	}
	utime, _ := strconv.ParseFloat(fields[11], 64)
	stime, _ := strconv.ParseFloat(fields[12], 64)
	return (utime + stime) / benchClockTicks
}

// benchClockTicks is USER_HZ, the unit of /proc's CPU times: 100 on every Linux port.
const benchClockTicks = 100
