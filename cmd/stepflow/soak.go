package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	mathrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

func init() {
	register(subcommand{name: "soak", summary: "run executions on real servers under random SIGKILLs and check every one", run: runSoak})
}

// soakConfig is what `stepflow soak` runs: N executions of soakDefinition against servers
// it starts itself (this very binary), killed K times with SIGKILL and started again.
type soakConfig struct {
	Store      string
	Postgres   string
	Executions int
	Kills      int
	Spread     time.Duration // starts spread evenly over this
	Downtime   time.Duration // a killed server stays down this long before it is started again
	Timeout    time.Duration // bound on the executions ending after the last start
	Clients    int
	Lease      string
	Dir        string
	Seed       uint64
	Format     string
	ServerArgs []string // more flags for every server
}

func (c *soakConfig) validate() error {
	switch c.Store {
	case "sqlite":
		if c.Postgres != "" {
			return &serverConfigError{Field: "postgres", Msg: "needs --store postgres"}
		}
	case "postgres":
		if c.Postgres == "" {
			return &serverConfigError{Field: "postgres", Msg: "--store postgres needs --postgres DSN"}
		}
	default:
		return &serverConfigError{Field: "store", Msg: fmt.Sprintf("must be sqlite or postgres, not %q", c.Store)}
	}
	switch {
	case c.Executions < 1:
		return &serverConfigError{Field: "executions", Msg: "must be at least 1"}
	case c.Kills < 0:
		return &serverConfigError{Field: "kills", Msg: "must not be negative"}
	case c.Clients < 1:
		return &serverConfigError{Field: "clients", Msg: "must be at least 1"}
	case c.Timeout <= 0:
		return &serverConfigError{Field: "timeout", Msg: "must be positive"}
	case c.Spread < 0 || c.Downtime < 0:
		return &serverConfigError{Field: "spread", Msg: "--spread and --downtime must not be negative"}
	case c.Format != "text" && c.Format != "json":
		return &serverConfigError{Field: "format", Msg: fmt.Sprintf("must be text or json, not %q", c.Format)}
	}
	return nil
}

// soakTasksPerExecution is how many tasks one execution of soakDefinition runs: First, the
// Parallel's two and the Map's three.
const soakTasksPerExecution = 6

// soakExecutionSpan is about how long one execution runs (tasks sleep 0-2 s, a Wait of 1 s):
// kills are spread over the starts and this much after, while executions are in flight.
const soakExecutionSpan = 5 * time.Second

// soakDefinition is a representative Standard workflow: a Task, a Wait, a Choice, a Parallel
// of two Tasks and an inline Map of three. Every task calls soak-work, which answers
// {"echo": its payload}; the payloads are computed from the input, so the output
// (soakExpectedOutput) shows any result delivered to the wrong task or lost. Each Task
// retries Lambda's transient errors as AWS recommends for Lambda tasks; the report counts
// and names every task failure found in the histories, retried or not.
const soakDefinition = `{
  "Comment": "stepflow soak: a Task, a Wait, a Choice, a Parallel of two Tasks, an inline Map of three",
  "StartAt": "First",
  "States": {
    "First": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
      "Parameters": {"FunctionName": "soak-work", "Payload": {"step": "first", "n.$": "$.n", "even.$": "$.even"}},
      "ResultSelector": {"echo.$": "$.Payload.echo"},
      "Retry": [{"ErrorEquals": ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException"], "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 2}], "ResultPath": "$.first", "Next": "Pause"},
    "Pause": {"Type": "Wait", "Seconds": 1, "Next": "Parity"},
    "Parity": {"Type": "Choice",
      "Choices": [{"Variable": "$.first.echo.even", "BooleanEquals": true, "Next": "Even"}],
      "Default": "Odd"},
    "Even": {"Type": "Pass", "Result": "even", "ResultPath": "$.parity", "Next": "Fanout"},
    "Odd": {"Type": "Pass", "Result": "odd", "ResultPath": "$.parity", "Next": "Fanout"},
    "Fanout": {"Type": "Parallel", "ResultPath": "$.fanout", "Next": "Items",
      "Branches": [
        {"StartAt": "Left", "States": {"Left": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
          "Parameters": {"FunctionName": "soak-work", "Payload": {"step": "left", "x.$": "States.MathAdd($.n, 1)"}},
          "ResultSelector": {"echo.$": "$.Payload.echo"},
      "Retry": [{"ErrorEquals": ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException"], "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 2}], "End": true}}},
        {"StartAt": "Right", "States": {"Right": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
          "Parameters": {"FunctionName": "soak-work", "Payload": {"step": "right", "x.$": "States.MathAdd($.n, 2)"}},
          "ResultSelector": {"echo.$": "$.Payload.echo"},
      "Retry": [{"ErrorEquals": ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException"], "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 2}], "End": true}}}
      ]},
    "Items": {"Type": "Pass", "Parameters": {"list.$": "States.ArrayRange(1, 3, 1)"}, "ResultPath": "$.items", "Next": "Each"},
    "Each": {"Type": "Map", "ItemsPath": "$.items.list", "ResultPath": "$.mapped", "Next": "Report",
      "ItemSelector": {"n.$": "$.n", "i.$": "$$.Map.Item.Value"},
      "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Item", "States": {
        "Item": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
          "Parameters": {"FunctionName": "soak-work", "Payload": {"step": "item", "y.$": "States.MathAdd($.n, $.i)"}},
          "ResultSelector": {"echo.$": "$.Payload.echo"},
      "Retry": [{"ErrorEquals": ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException"], "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 2}], "End": true}}}},
    "Report": {"Type": "Pass", "End": true, "Parameters": {
      "n.$": "$.first.echo.n", "parity.$": "$.parity",
      "fanout.$": "$.fanout[*].echo.x", "items.$": "$.mapped[*].echo.y"}}
  }
}`

func soakInput(n int) string { return fmt.Sprintf(`{"n":%d,"even":%t}`, n, n%2 == 0) }

func soakExpectedOutput(n int) any {
	parity := "odd"
	if n%2 == 0 {
		parity = "even"
	}
	f := float64(n)
	return map[string]any{"n": f, "parity": parity, "fanout": []any{f + 1, f + 2}, "items": []any{f + 1, f + 2, f + 3}}
}

// soakWorkScript is the soak-work function: a bash program, independent of Stepflow, that
// records its run in the run file (start and end, with its node, idempotency key, process id
// and its parent's: the server process that ran it), sleeps 0-2 s and answers {"echo": its
// payload}. Only the sleep is another process: a soak of a thousand executions runs six
// thousand of these, and a script that forks for the time and each random number loads a
// small machine more than the servers under test do. A short line appended with O_APPEND
// lands whole, so concurrent runs do not mix their lines. The parent's process id, not the
// time, tells which life of a server ran a task: a process forked just before a kill may
// write its first line after it.
const soakWorkScript = `echo "start $EPOCHREALTIME $STEPFLOW_SOAK_NODE $STEPFLOW_IDEMPOTENCY_KEY $$ $PPID" >> "$STEPFLOW_SOAK_RUNS"
IFS= read -r -d '' payload
ms=$(( (RANDOM * 32768 + RANDOM) % 2000 ))
printf -v fraction %03d $((ms % 1000))
sleep "$((ms / 1000)).$fraction"
echo "end $EPOCHREALTIME $STEPFLOW_SOAK_NODE $STEPFLOW_IDEMPOTENCY_KEY $$ $PPID" >> "$STEPFLOW_SOAK_RUNS"
printf '{"echo":%s}' "$payload"
`

// soakCheckBash fails unless bash 5 or later (for EPOCHREALTIME) can run the function.
func soakCheckBash() error {
	out, err := exec.Command("bash", "-c", "echo $EPOCHREALTIME").Output()
	if err != nil {
		return fmt.Errorf("the soak's function needs bash: %w", err)
	}
	if _, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64); err != nil {
		return fmt.Errorf("the soak's function needs bash 5 or later (EPOCHREALTIME): bash printed %q", out)
	}
	return nil
}

func runSoak(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg soakConfig
	fs.StringVar(&cfg.Store, "store", "sqlite", "sqlite (one server on a SQLite file) or postgres (two servers on one PostgreSQL database)")
	fs.StringVar(&cfg.Postgres, "postgres", "", "PostgreSQL DSN for --store postgres (set search_path to use a schema of its own)")
	fs.IntVar(&cfg.Executions, "executions", 100, "executions to start")
	fs.IntVar(&cfg.Kills, "kills", 3, "SIGKILLs of a random server, each followed by a restart on the same store and node identity")
	fs.DurationVar(&cfg.Spread, "spread", 0, "spread the starts evenly over this long (default: 50ms per execution)")
	fs.DurationVar(&cfg.Downtime, "downtime", 0, "how long a killed server stays down before it is started again")
	fs.DurationVar(&cfg.Timeout, "timeout", 10*time.Minute, "bound on all executions ending after the last start; those still running then are lost")
	fs.IntVar(&cfg.Clients, "clients", 16, "concurrent API clients starting executions")
	fs.StringVar(&cfg.Lease, "lease", "", "--lease of the servers (default: the server's default)")
	fs.StringVar(&cfg.Dir, "dir", "", "working directory: databases, functions and run file, server logs (default: a temporary directory, removed after a run that passes)")
	fs.Uint64Var(&cfg.Seed, "seed", 0, "seed of the kill schedule (default: random; the report names it)")
	fs.StringVar(&cfg.Format, "format", "text", "text or json")
	fs.Var((*stringList)(&cfg.ServerArgs), "server-flag", "a flag for every server, e.g. --server-flag=--log-level=debug (repeatable)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: stepflow soak [--store sqlite | --store postgres --postgres DSN] [--executions N] [--kills K] [--spread D] [--downtime D] [--lease D] [--timeout D] [--dir DIR] [--seed S] [--format text|json]")
		fmt.Fprintln(stderr, "\nRuns this stepflow binary as `stepflow server` (one on SQLite, two on PostgreSQL), starts N")
		fmt.Fprintln(stderr, "executions of a representative workflow, SIGKILLs a random server K times meanwhile and starts")
		fmt.Fprintln(stderr, "it again, then checks every execution (status, output, history) and reports task re-runs and")
		fmt.Fprintln(stderr, "recovery times. Exits 1 if any execution is lost, failed, wrong or has a malformed history.")
		fs.PrintDefaults()
	}
	positional, err := parseAll(fs, args)
	if err != nil {
		return exitError{Code: 2}
	}
	if len(positional) != 0 {
		fs.Usage()
		return exitError{Code: 2}
	}
	if err := cfg.validate(); err != nil {
		return err
	}
	if err := soakCheckBash(); err != nil {
		return err
	}
	if cfg.Spread == 0 {
		cfg.Spread = time.Duration(cfg.Executions) * 50 * time.Millisecond
	}
	if cfg.Seed == 0 {
		cfg.Seed = mathrand.Uint64()
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find the stepflow binary: %w", err)
	}
	keepDir := cfg.Dir != ""
	if cfg.Dir == "" {
		if cfg.Dir, err = os.MkdirTemp("", "stepflow-soak-"); err != nil {
			return err
		}
	} else if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return err
	}
	if cfg.Dir, err = filepath.Abs(cfg.Dir); err != nil {
		return err
	}
	rep, err := soak(ctx, &cfg, exe, stderr)
	if err != nil {
		return fmt.Errorf("%w (working directory kept: %s)", err, cfg.Dir)
	}
	if !rep.Pass || keepDir {
		rep.Dir = cfg.Dir
	} else {
		os.RemoveAll(cfg.Dir)
	}
	if cfg.Format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		rep.writeText(stdout)
	}
	if !rep.Pass {
		return exitError{Code: 1}
	}
	return nil
}

// soakExecution is one execution the soak started, and what the check found.
type soakExecution struct {
	index    int
	name     string
	arn      string
	startErr error
	problem  string   // what is wrong with it, "" when nothing
	kind     string   // succeeded, failed, lost, wrong-output, not-started
	malform  string   // what is wrong with its history, "" when well-formed
	taskErrs []string // "Error: Cause" of each task failure in its history
}

// soakKillEvent is one SIGKILL of a node and its restart.
type soakKillEvent struct {
	node      string
	killedPID int // the process killed
	killed    time.Time
	restarted time.Time // the new process started
	ready     time.Time // the new process listening
	pid       int       // the new process
	restart   error
	refused   []string // restarts refused because the node-id file was held, with its holders
}

// soak runs one soak: start the servers, the executions and the kills, wait, check, report.
func soak(ctx context.Context, cfg *soakConfig, exe string, progress io.Writer) (*soakReport, error) {
	runID := make([]byte, 4)
	_, _ = rand.Read(runID)
	id := hex.EncodeToString(runID)
	runsPath := filepath.Join(cfg.Dir, "task-runs.log")
	nodeCount := 1
	if cfg.Store == "postgres" {
		nodeCount = 2
	}
	cluster := &soakCluster{}
	for i := 1; i <= nodeCount; i++ {
		name := fmt.Sprintf("node-%d", i)
		functions := filepath.Join(cfg.Dir, "functions-"+name+".json")
		doc := map[string]any{"functions": map[string]any{"soak-work": map[string]any{
			"command": []string{"bash", "-c", soakWorkScript},
			// The C locale writes EPOCHREALTIME with a decimal point.
			"env": map[string]string{"STEPFLOW_SOAK_NODE": name, "STEPFLOW_SOAK_RUNS": runsPath, "LC_ALL": "C"},
		}}}
		data, _ := json.MarshalIndent(doc, "", "  ")
		if err := os.WriteFile(functions, data, 0o644); err != nil {
			return nil, err
		}
		args := []string{"--ui", "off", "--execution-log-dir", "off", "--functions", functions}
		if cfg.Store == "postgres" {
			args = append(args, "--postgres", cfg.Postgres, "--node-id", "soak-"+id+"-"+name)
		} else {
			// The node identity is the one an operator gets: kept in the data directory.
			args = append(args, "--db", filepath.Join(cfg.Dir, "data", "stepflow.db"))
		}
		if cfg.Lease != "" {
			args = append(args, "--lease", cfg.Lease)
		}
		args = append(args, cfg.ServerArgs...)
		cluster.nodes = append(cluster.nodes, &soakNode{name: name, exe: exe, dir: cfg.Dir, args: args,
			logPath: filepath.Join(cfg.Dir, name+".log")})
	}
	defer func() {
		for _, n := range cluster.nodes {
			n.stop()
		}
	}()
	for _, n := range cluster.nodes {
		if _, err := n.start(); err != nil {
			return nil, err
		}
	}
	began := time.Now()
	fmt.Fprintf(progress, "soak: %s, %d node(s), %d executions over %v, %d kills (seed %d), working directory %s\n",
		cfg.Store, nodeCount, cfg.Executions, cfg.Spread, cfg.Kills, cfg.Seed, cfg.Dir)

	setupCtx, cancelSetup := context.WithTimeout(ctx, time.Minute)
	var sm *awssfn.CreateStateMachineOutput
	err := cluster.call(setupCtx, 0, func(c *awssfn.Client) error {
		var err error
		sm, err = c.CreateStateMachine(setupCtx, &awssfn.CreateStateMachineInput{Name: aws.String("soak-" + id),
			RoleArn: aws.String("arn:aws:iam::123456789012:role/soak"), Definition: aws.String(soakDefinition)})
		return err
	})
	cancelSetup()
	if err != nil {
		return nil, fmt.Errorf("create the state machine: %w", err)
	}
	smARN := aws.ToString(sm.StateMachineArn)

	// Starts and kills run side by side; each is bounded by the timeout.
	runCtx, cancelRun := context.WithTimeout(ctx, cfg.Spread+cfg.Timeout)
	defer cancelRun()
	execs := make([]*soakExecution, cfg.Executions)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		soakStartAll(runCtx, cfg, cluster, smARN, began, execs)
	}()
	var kills []soakKillEvent
	wg.Add(1)
	go func() {
		defer wg.Done()
		// A server that does not come back ends the run: the starts stop retrying.
		kills = soakKillAll(runCtx, cancelRun, cfg, cluster, began, progress)
	}()
	wg.Wait()
	lastStart := time.Now()
	for _, k := range kills {
		if k.restart != nil {
			return nil, fmt.Errorf("restart %s after a kill: %w", k.node, k.restart)
		}
	}
	fmt.Fprintf(progress, "soak: all started and %d kills done after %v; waiting for the executions to end\n", len(kills), time.Since(began).Round(time.Millisecond))

	// Wait for every execution to end, within the timeout after the last start.
	waitCtx, cancelWait := context.WithDeadline(ctx, lastStart.Add(cfg.Timeout))
	defer cancelWait()
	for {
		running, err := soakCountRunning(waitCtx, cluster, smARN)
		if err == nil && running == 0 {
			break
		}
		if waitCtx.Err() != nil {
			if ctx.Err() == nil {
				fmt.Fprintf(progress, "soak: executions still running %v after the last start\n", cfg.Timeout)
			}
			break
		}
		select {
		case <-waitCtx.Done():
		case <-time.After(time.Second):
		}
	}
	ended := time.Now()
	if ctx.Err() != nil {
		return nil, fmt.Errorf("interrupted: %w", ctx.Err())
	}

	checkCtx, cancelCheck := context.WithTimeout(ctx, 10*time.Minute)
	defer cancelCheck()
	soakCheckAll(checkCtx, cfg, cluster, execs)
	for _, n := range cluster.nodes {
		n.stop()
	}
	runs, err := readSoakRuns(runsPath)
	if err != nil {
		return nil, err
	}
	rep := newSoakReport(cfg, nodeCount, execs, kills, runs, cluster.lifePIDs(), began)
	for _, n := range cluster.nodes {
		if err := countServerWarnings(n.logPath, rep.ServerWarnings); err != nil {
			return nil, err
		}
	}
	rep.Seconds = seconds(ended.Sub(began))
	return rep, nil
}

// soakStartAll starts the executions, paced evenly over cfg.Spread, by cfg.Clients clients
// spread over the nodes. A start retried after a server went away is idempotent: the same
// name and input on a Standard state machine return the same execution.
func soakStartAll(ctx context.Context, cfg *soakConfig, cluster *soakCluster, smARN string, began time.Time, execs []*soakExecution) {
	indexes := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < cfg.Clients; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range indexes {
				ex := &soakExecution{index: i, name: fmt.Sprintf("run-%05d", i)}
				execs[i] = ex
				err := cluster.call(ctx, i, func(c *awssfn.Client) error {
					out, err := c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(smARN),
						Name: aws.String(ex.name), Input: aws.String(soakInput(i))})
					if err == nil {
						ex.arn = aws.ToString(out.ExecutionArn)
					}
					return err
				})
				var exists *types.ExecutionAlreadyExists
				switch {
				case errors.As(err, &exists):
					// An earlier attempt started it and it has already ended.
					ex.arn = strings.Replace(smARN, ":stateMachine:", ":execution:", 1) + ":" + ex.name
				case err != nil:
					ex.startErr = err
				}
			}
		}()
	}
	for i := range execs {
		at := began.Add(time.Duration(int64(cfg.Spread) * int64(i) / int64(len(execs))))
		select {
		case <-ctx.Done():
		case <-time.After(time.Until(at)):
		}
		indexes <- i
	}
	close(indexes)
	wg.Wait()
}

// soakKillAll kills a random node at a random moment of each of cfg.Kills equal slots of the
// time executions run (the starts and one execution's span after), and starts it again on
// the same store after cfg.Downtime. If it cannot, it calls fail.
func soakKillAll(ctx context.Context, fail context.CancelFunc, cfg *soakConfig, cluster *soakCluster, began time.Time, progress io.Writer) []soakKillEvent {
	rng := mathrand.New(mathrand.NewPCG(cfg.Seed, cfg.Seed^0x5eed))
	window := cfg.Spread + soakExecutionSpan
	var kills []soakKillEvent
	for k := 0; k < cfg.Kills; k++ {
		slot := window / time.Duration(cfg.Kills)
		at := began.Add(time.Duration(k)*slot + time.Duration((0.25+0.5*rng.Float64())*float64(slot)))
		node := cluster.nodes[rng.IntN(len(cluster.nodes))]
		select {
		case <-ctx.Done():
			return kills
		case <-time.After(time.Until(at)):
		}
		ev := soakKillEvent{node: node.name, killedPID: node.pid(), killed: time.Now()}
		node.signal(syscall.SIGKILL)
		if cfg.Downtime > 0 {
			time.Sleep(cfg.Downtime)
		}
		ev.restarted = time.Now()
		for {
			ev.ready, ev.restart = node.start()
			if !errors.Is(ev.restart, errSoakNodeIDHeld) || time.Since(ev.restarted) > soakStartTimeout {
				break
			}
			// A supervisor (systemd's Restart=) would start it again: so does the soak, and
			// reports who held the file.
			holders := strings.Join(soakFileHolders(filepath.Join(cfg.Dir, "data", "node-id")), "; ")
			if holders == "" {
				holders = "a process gone by the time /proc was read"
			}
			ev.refused = append(ev.refused, fmt.Sprintf("%.3fs after the kill, held by %s", time.Since(ev.killed).Seconds(), holders))
			time.Sleep(100 * time.Millisecond)
		}
		ev.pid = node.pid()
		kills = append(kills, ev)
		if ev.restart != nil {
			fail()
			return kills
		}
		fmt.Fprintf(progress, "soak: kill %d: %s killed at %v, listening again %v later\n", k+1, node.name,
			ev.killed.Sub(began).Round(time.Millisecond), ev.ready.Sub(ev.restarted).Round(time.Millisecond))
	}
	return kills
}

// soakCountRunning counts the state machine's executions still RUNNING.
func soakCountRunning(ctx context.Context, cluster *soakCluster, smARN string) (int, error) {
	running := 0
	var next *string
	for {
		var out *awssfn.ListExecutionsOutput
		err := cluster.call(ctx, 0, func(c *awssfn.Client) error {
			var err error
			out, err = c.ListExecutions(ctx, &awssfn.ListExecutionsInput{StateMachineArn: aws.String(smARN),
				StatusFilter: types.ExecutionStatusRunning, MaxResults: 1000, NextToken: next})
			return err
		})
		if err != nil {
			return -1, err
		}
		running += len(out.Executions)
		if out.NextToken == nil {
			return running, nil
		}
		next = out.NextToken
	}
}

// soakCheckAll describes every started execution and reads its whole history.
func soakCheckAll(ctx context.Context, cfg *soakConfig, cluster *soakCluster, execs []*soakExecution) {
	work := make(chan *soakExecution)
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ex := range work {
				soakCheck(ctx, cluster, ex)
			}
		}()
	}
	for _, ex := range execs {
		work <- ex
	}
	close(work)
	wg.Wait()
}

func soakCheck(ctx context.Context, cluster *soakCluster, ex *soakExecution) {
	if ex.startErr != nil || ex.arn == "" {
		ex.kind, ex.problem = "not-started", fmt.Sprintf("StartExecution: %v", ex.startErr)
		return
	}
	var desc *awssfn.DescribeExecutionOutput
	err := cluster.call(ctx, ex.index, func(c *awssfn.Client) error {
		var err error
		desc, err = c.DescribeExecution(ctx, &awssfn.DescribeExecutionInput{ExecutionArn: aws.String(ex.arn)})
		return err
	})
	if err != nil {
		ex.kind, ex.problem = "lost", fmt.Sprintf("DescribeExecution: %v", err)
		return
	}
	switch desc.Status {
	case types.ExecutionStatusRunning:
		ex.kind, ex.problem = "lost", "still RUNNING at the end of the soak"
	case types.ExecutionStatusSucceeded:
		var got any
		if err := json.Unmarshal([]byte(aws.ToString(desc.Output)), &got); err != nil || !reflect.DeepEqual(got, soakExpectedOutput(ex.index)) {
			want, _ := json.Marshal(soakExpectedOutput(ex.index))
			ex.kind, ex.problem = "wrong-output", fmt.Sprintf("output %s, want %s", aws.ToString(desc.Output), want)
		} else {
			ex.kind = "succeeded"
		}
	default:
		ex.kind, ex.problem = "failed", fmt.Sprintf("%s: %s: %s", desc.Status, aws.ToString(desc.Error), aws.ToString(desc.Cause))
	}
	var events []types.HistoryEvent
	var next *string
	for {
		var out *awssfn.GetExecutionHistoryOutput
		err := cluster.call(ctx, ex.index, func(c *awssfn.Client) error {
			var err error
			out, err = c.GetExecutionHistory(ctx, &awssfn.GetExecutionHistoryInput{ExecutionArn: aws.String(ex.arn),
				MaxResults: 1000, NextToken: next})
			return err
		})
		if err != nil {
			ex.malform = fmt.Sprintf("GetExecutionHistory: %v", err)
			return
		}
		events = append(events, out.Events...)
		if out.NextToken == nil {
			break
		}
		next = out.NextToken
	}
	if err := checkSoakHistory(events, desc.Status); err != nil {
		ex.malform = err.Error()
	}
	for _, ev := range events {
		if d := ev.TaskFailedEventDetails; d != nil {
			ex.taskErrs = append(ex.taskErrs, aws.ToString(d.Error)+": "+aws.ToString(d.Cause))
		}
		if d := ev.LambdaFunctionFailedEventDetails; d != nil {
			ex.taskErrs = append(ex.taskErrs, aws.ToString(d.Error)+": "+aws.ToString(d.Cause))
		}
	}
}
