package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// loadClients is how many SDK clients drive the server at once.
const loadClients = 100

// loadDurationEnv names the variable that makes TestAPILoad run longer than its default.
const loadDurationEnv = "STEPFLOW_LOAD_DURATION"

// defaultLoadDuration keeps the load test short in the normal test run (the machine has 2 cores
// and other packages test at the same time).
const defaultLoadDuration = 3 * time.Second

// loadRequestTimeout bounds each request, so a server that stops answering fails the test
// instead of hanging it.
const loadRequestTimeout = 30 * time.Second

// loadDefinition computes its output from its input, so a mixed-up or lost execution shows.
const loadDefinition = `{"StartAt":"Add","States":{
  "Add":{"Type":"Pass","Parameters":{"client.$":"$.client","seq.$":"$.seq","sum.$":"States.MathAdd($.client, $.seq)"},"Next":"Done"},
  "Done":{"Type":"Succeed"}}}`

type loadResult struct {
	Client int `json:"client"`
	Seq    int `json:"seq"`
	Sum    int `json:"sum"`
}

var listeningRE = regexp.MustCompile(`listening on (http://\S+)`)

// startServerProcess builds cmd/stepflow and runs `stepflow server` on a free loopback port
// over a fresh SQLite file, as a user would; it returns the endpoint URL. The process gets
// SIGINT (a graceful stop) at cleanup.
func startServerProcess(tb testing.TB) string {
	tb.Helper()
	dir := tb.TempDir()
	bin := filepath.Join(dir, "stepflow")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/stepflow").CombinedOutput(); err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	server := exec.Command(bin, "server", "--addr", "127.0.0.1:0", "--db", filepath.Join(dir, "stepflow.db"),
		"--ui", "off", "--log-level", "warn")
	stdout, err := server.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stderr, err := server.StderrPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := server.Start(); err != nil {
		tb.Fatalf("start server: %v", err)
	}
	var logs sync.WaitGroup
	logs.Add(1)
	go func() {
		defer logs.Done()
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			tb.Log("server: " + sc.Text())
		}
	}()
	tb.Cleanup(func() {
		_ = server.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { done <- server.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				tb.Errorf("server exited with %v after SIGINT", err)
			}
		case <-time.After(15 * time.Second):
			_ = server.Process.Kill()
			<-done
			tb.Errorf("server did not stop within 15s of SIGINT")
		}
		logs.Wait()
	})
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := listeningRE.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
		close(urls)
	}()
	select {
	case url, ok := <-urls:
		if !ok {
			tb.Fatal("server exited before listening")
		}
		return url
	case <-time.After(30 * time.Second):
		tb.Fatal("server did not print its address within 30s")
		return ""
	}
}

// loadClientsFor makes n SDK clients with their own HTTP connection pools, as n separate
// programs would have; none retries, so every failed request is seen.
func loadClientsFor(tb testing.TB, endpoint string, n int) []*awssfn.Client {
	tb.Helper()
	cfg, err := config.LoadDefaultConfig(context.Background(),
		config.WithRegion(testRegion),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(accessKey, secretKey, "")),
		config.WithRetryMaxAttempts(1),
		config.WithSharedConfigFiles([]string{}),
		config.WithSharedCredentialsFiles([]string{}),
	)
	if err != nil {
		tb.Fatalf("aws config: %v", err)
	}
	clients := make([]*awssfn.Client, n)
	for i := range clients {
		clients[i] = awssfn.NewFromConfig(cfg, func(o *awssfn.Options) {
			o.BaseEndpoint = aws.String(endpoint)
			o.HTTPClient = awshttp.NewBuildableClient()
		})
	}
	return clients
}

// loadRun is what the clients of one load run did.
type loadRun struct {
	requests atomic.Int64 // answered without error
	failed   atomic.Int64
	elapsed  time.Duration

	mu       sync.Mutex
	errs     []string // the first few failures
	started  map[string]loadResult
	finished int
}

func (r *loadRun) fail(format string, args ...any) {
	r.failed.Add(1)
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.errs) < 10 {
		r.errs = append(r.errs, fmt.Sprintf(format, args...))
	}
}

// runExecution starts one execution and describes it until it ends; it checks its status and
// output. It answers false when a request failed.
func (r *loadRun) runExecution(ctx context.Context, c *awssfn.Client, machine string, client, seq int) bool {
	want := loadResult{Client: client, Seq: seq, Sum: client + seq}
	input, _ := json.Marshal(map[string]int{"client": client, "seq": seq})
	reqCtx, cancel := context.WithTimeout(ctx, loadRequestTimeout)
	started, err := c.StartExecution(reqCtx, &awssfn.StartExecutionInput{
		StateMachineArn: aws.String(machine),
		Name:            aws.String(fmt.Sprintf("c%03d-%06d", client, seq)),
		Input:           aws.String(string(input)),
	})
	cancel()
	if err != nil {
		r.fail("client %d: StartExecution %d: %v", client, seq, err)
		return false
	}
	r.requests.Add(1)
	arn := aws.ToString(started.ExecutionArn)
	r.mu.Lock()
	r.started[arn] = want
	r.mu.Unlock()
	for {
		reqCtx, cancel := context.WithTimeout(ctx, loadRequestTimeout)
		desc, err := c.DescribeExecution(reqCtx, &awssfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
		cancel()
		if err != nil {
			r.fail("client %d: DescribeExecution %s: %v", client, arn, err)
			return false
		}
		r.requests.Add(1)
		if desc.Status == types.ExecutionStatusRunning {
			continue
		}
		var got loadResult
		if desc.Status != types.ExecutionStatusSucceeded || json.Unmarshal([]byte(aws.ToString(desc.Output)), &got) != nil || got != want {
			r.fail("%s: status %s, output %s, want SUCCEEDED with %+v", arn, desc.Status, aws.ToString(desc.Output), want)
			return true
		}
		r.mu.Lock()
		r.finished++
		r.mu.Unlock()
		return true
	}
}

// driveLoad runs loadClients clients against machine; each starts an execution and describes it
// until it ends, again and again, while next answers true.
func driveLoad(clients []*awssfn.Client, machine string, next func(client int) bool) *loadRun {
	run := &loadRun{started: map[string]loadResult{}}
	ctx := context.Background()
	var wg sync.WaitGroup
	begin := time.Now()
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seq := 0; next(i); seq++ {
				if !run.runExecution(ctx, c, machine, i, seq) {
					return
				}
			}
		}()
	}
	wg.Wait()
	run.elapsed = time.Since(begin)
	return run
}

func createLoadMachine(tb testing.TB, c *awssfn.Client) string {
	tb.Helper()
	out, err := c.CreateStateMachine(context.Background(), &awssfn.CreateStateMachineInput{
		Name: aws.String("load"), Definition: aws.String(loadDefinition), RoleArn: aws.String(roleARN),
	})
	if err != nil {
		tb.Fatalf("CreateStateMachine: %v", err)
	}
	return aws.ToString(out.StateMachineArn)
}

// verifyLoad checks that no request failed and that the server lists exactly the executions
// the clients started, all succeeded.
func verifyLoad(tb testing.TB, c *awssfn.Client, machine string, run *loadRun) {
	tb.Helper()
	if n := run.failed.Load(); n > 0 {
		tb.Fatalf("%d requests failed or answered wrongly; the first:\n%s", n, strings.Join(run.errs, "\n"))
	}
	if run.finished != len(run.started) {
		tb.Fatalf("%d executions started, %d seen to finish", len(run.started), run.finished)
	}
	listed := map[string]types.ExecutionStatus{}
	pages := awssfn.NewListExecutionsPaginator(c, &awssfn.ListExecutionsInput{StateMachineArn: aws.String(machine), MaxResults: 1000})
	for pages.HasMorePages() {
		page, err := pages.NextPage(context.Background())
		if err != nil {
			tb.Fatalf("ListExecutions: %v", err)
		}
		for _, e := range page.Executions {
			listed[aws.ToString(e.ExecutionArn)] = e.Status
		}
	}
	if len(listed) != len(run.started) {
		tb.Errorf("ListExecutions lists %d executions, the clients started %d", len(listed), len(run.started))
	}
	for arn := range run.started {
		status, ok := listed[arn]
		if !ok {
			tb.Errorf("started execution %s is not listed", arn)
		} else if status != types.ExecutionStatusSucceeded {
			tb.Errorf("execution %s is listed %s, want SUCCEEDED", arn, status)
		}
	}
}

func loadDuration(tb testing.TB) time.Duration {
	s := os.Getenv(loadDurationEnv)
	if s == "" {
		return defaultLoadDuration
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		tb.Fatalf("%s=%q: want a positive Go duration such as 60s", loadDurationEnv, s)
	}
	return d
}

// TestAPILoad runs 100 SDK clients against a `stepflow server` process on SQLite for a bounded
// time (STEPFLOW_LOAD_DURATION, default 3s); each starts executions and describes them until
// they end. No request may fail and no execution may be lost. It reports requests/s; it asserts
// no speed.
func TestAPILoad(t *testing.T) {
	duration := loadDuration(t)
	endpoint := startServerProcess(t)
	clients := loadClientsFor(t, endpoint, loadClients)
	machine := createLoadMachine(t, clients[0])

	deadline := time.Now().Add(duration)
	run := driveLoad(clients, machine, func(int) bool { return time.Now().Before(deadline) })
	verifyLoad(t, clients[0], machine, run)

	seconds := run.elapsed.Seconds()
	t.Logf("%d clients for %v: %d requests (%.0f req/s), %d executions started and succeeded (%.0f executions/s)",
		loadClients, run.elapsed.Round(time.Millisecond), run.requests.Load(), float64(run.requests.Load())/seconds,
		len(run.started), float64(len(run.started))/seconds)
}

// BenchmarkAPILoad shares b.N executions among 100 SDK clients against a `stepflow server`
// process on SQLite; each client starts an execution and describes it until it ends. It
// reports requests/s and executions/s besides ns/op (one op is one execution).
func BenchmarkAPILoad(b *testing.B) {
	endpoint := startServerProcess(b)
	clients := loadClientsFor(b, endpoint, loadClients)
	machine := createLoadMachine(b, clients[0])

	var left atomic.Int64
	left.Store(int64(b.N))
	b.ResetTimer()
	run := driveLoad(clients, machine, func(int) bool { return left.Add(-1) >= 0 })
	b.StopTimer()
	verifyLoad(b, clients[0], machine, run)

	seconds := run.elapsed.Seconds()
	b.ReportMetric(float64(run.requests.Load())/seconds, "req/s")
	b.ReportMetric(float64(len(run.started))/seconds, "executions/s")
}
