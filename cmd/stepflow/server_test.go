package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	awsint "github.com/stepflow/stepflow/task/aws"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test to share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var listeningRE = regexp.MustCompile(`listening on (https?://\S+)`)

// startServerCommand runs `stepflow server ARGS` in-process until the returned stop is called.
func startServerCommand(t *testing.T, args ...string) (url string, stdout, stderr *syncBuffer, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr = &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- runServer(ctx, args, stdout, stderr) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if m := listeningRE.FindStringSubmatch(stdout.String()); m != nil {
			url = m[1]
			break
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("server exited early: %v; stderr: %s", err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("server did not report its address; stdout %q stderr %q", stdout.String(), stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	stopped := false
	stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		return <-done
	}
	t.Cleanup(func() { stop() })
	return url, stdout, stderr, stop
}

func TestServerCommandServesAndStops(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "nested", "stepflow.db")
	url, stdout, _, stop := startServerCommand(t, "--addr", "127.0.0.1:0", "--db", db, "--region", "eu-west-1", "--account", "111122223333")

	req, _ := http.NewRequest("POST", url+"/", strings.NewReader(`{"name":"m","definition":"{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\",\"End\":true}}}","roleArn":"arn:aws:iam::111122223333:role/r"}`))
	req.Header.Set("X-Amz-Target", "AWSStepFunctions.CreateStateMachine")
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("CreateStateMachine: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"stateMachineArn":"arn:aws:states:eu-west-1:111122223333:stateMachine:m"`) {
		t.Fatalf("CreateStateMachine: %d %s", resp.StatusCode, body)
	}
	for _, page := range []struct{ path, want string }{{"/metrics", "go_goroutines"}, {"/ui/", "<html"}} {
		resp, err := http.Get(url + page.path)
		if err != nil {
			t.Fatalf("GET %s: %v", page.path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(strings.ToLower(string(body)), page.want) {
			t.Fatalf("GET %s: %d, body without %q", page.path, resp.StatusCode, page.want)
		}
	}
	if err := stop(); err != nil {
		t.Fatalf("graceful stop: %v", err)
	}
	if !strings.Contains(stdout.String(), "stepflow server stopped") {
		t.Fatalf("stdout %q does not report the stop", stdout.String())
	}
	// The state machine is durable: a new server on the same file sees it.
	url, _, _, _ = startServerCommand(t, "--addr", "127.0.0.1:0", "--db", db, "--region", "eu-west-1", "--account", "111122223333")
	req, _ = http.NewRequest("POST", url+"/", strings.NewReader(`{}`))
	req.Header.Set("X-Amz-Target", "AWSStepFunctions.ListStateMachines")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("ListStateMachines: %v", err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"name":"m"`) {
		t.Fatalf("after restart: %s", body)
	}
}

func TestServerCommandWarnsWithoutAuthOffLoopback(t *testing.T) {
	t.Parallel()
	_, _, stderr, _ := startServerCommand(t, "--addr", "0.0.0.0:0", "--db", filepath.Join(t.TempDir(), "s.db"))
	if !strings.Contains(stderr.String(), "WARNING: listening on") || !strings.Contains(stderr.String(), "without authentication") {
		t.Fatalf("stderr %q has no warning", stderr.String())
	}
}

func TestServerConfigValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cfg     serverConfig
		wantErr string
		wantKey map[string]string
	}{
		{"defaults", serverConfig{Region: "us-east-1", Account: "123456789012", Auth: "none", UI: "auto", DB: "x.db"}, "", nil},
		{"both stores", serverConfig{Region: "us-east-1", Account: "123456789012", Auth: "none", UI: "auto", DB: "x.db", Postgres: "postgres://x"}, "db: give either --db or --postgres, not both", nil},
		{"short account", serverConfig{UI: "auto", Region: "us-east-1", Account: "123", Auth: "none"}, `account: must be 12 digits, not "123"`, nil},
		{"unknown auth", serverConfig{UI: "auto", Region: "us-east-1", Account: "123456789012", Auth: "basic"}, `auth: must be none, sigv4 or iam, not "basic"`, nil},
		{"sigv4 without keys", serverConfig{UI: "auto", Region: "us-east-1", Account: "123456789012", Auth: "sigv4"}, "access-key: --auth sigv4 needs at least one --access-key ID:SECRET", nil},
		{"malformed key", serverConfig{UI: "auto", Region: "us-east-1", Account: "123456789012", Auth: "sigv4", AccessKeys: []string{"nosecret"}}, "access-key: must be ID:SECRET", nil},
		{"keys without sigv4", serverConfig{UI: "auto", Region: "us-east-1", Account: "123456789012", Auth: "none", AccessKeys: []string{"a:b"}}, "access-key: access keys need --auth sigv4", nil},
		{"bad ui", serverConfig{UI: "maybe", Region: "us-east-1", Account: "123456789012", Auth: "none"}, `ui: must be auto, on or off, not "maybe"`, nil},
		{"aws endpoint not a URL", serverConfig{UI: "auto", Region: "us-east-1", Account: "123456789012", Auth: "none", taskRunners: taskRunners{AWSEndpoints: []string{"sqs=localhost:9324"}}}, `aws-endpoint: "localhost:9324" is not an http:// or https:// URL (in "sqs=localhost:9324")`, nil},
		{"aws endpoint unknown service", serverConfig{UI: "auto", Region: "us-east-1", Account: "123456789012", Auth: "none", taskRunners: taskRunners{AWSEndpoints: []string{"sqs=http://localhost:9324", "dynamo=http://localhost:8000"}}}, `aws-endpoint: unknown service "dynamo" in "dynamo=http://localhost:8000"; known services: ` + strings.Join(awsint.ServiceNames(), ", "), nil},
		{"aws allow unknown service", serverConfig{UI: "auto", Region: "us-east-1", Account: "123456789012", Auth: "none", taskRunners: taskRunners{AWSAllow: []string{"dynamo:putItem"}}}, `aws-allow: "dynamo:putItem" must be *, SERVICE or SERVICE:ACTION with a known service (` + strings.Join(awsint.ServiceNames(), ", ") + ")", nil},
		{"sigv4", serverConfig{UI: "auto", Region: "us-east-1", Account: "123456789012", Auth: "sigv4", AccessKeys: []string{"AKID:se:cret"}}, "", map[string]string{"AKID": "se:cret"}},
		{"negative body size", serverConfig{UI: "auto", Region: "us-east-1", Account: "123456789012", Auth: "none", MaxRequestBytes: -1}, "max-request-bytes: must not be negative, not -1", nil},
		{"budget below one body", serverConfig{UI: "auto", Region: "us-east-1", Account: "123456789012", Auth: "none", MaxRequestBytesInFlight: 1 << 20}, "max-request-bytes-in-flight: must be at least max-request-bytes (4194304), not 1048576", nil},
		{"bad body timeout", serverConfig{UI: "auto", Region: "us-east-1", Account: "123456789012", Auth: "none", BodyReadTimeout: "soon"}, `body-read-timeout: must be a positive duration such as 30s, not "soon"`, nil},
		{"rate limit without auth", serverConfig{UI: "auto", Region: "us-east-1", Account: "123456789012", Auth: "none", RateLimit: "10"}, "rate-limit: needs --auth sigv4 or iam: requests are counted per access key", nil},
		{"bad rate limit", serverConfig{UI: "auto", Region: "us-east-1", Account: "123456789012", Auth: "sigv4", AccessKeys: []string{"a:b"}, RateLimit: "10:0"}, `rate-limit: want RPS[:BURST] with BURST a whole number of requests from 1 to 1e+06, not "10:0"`, nil},
		{"rate limit", serverConfig{UI: "auto", Region: "us-east-1", Account: "123456789012", Auth: "sigv4", AccessKeys: []string{"a:b"}, RateLimit: "10:20"}, "", map[string]string{"a": "b"}},
		{"limits", serverConfig{UI: "auto", Region: "us-east-1", Account: "123456789012", Auth: "none", MaxRequestBytes: 1 << 20, MaxRequestBytesInFlight: 1 << 20, BodyReadTimeout: "1m"}, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			keys, err := tt.cfg.Validate()
			if tt.wantErr != "" {
				var cfgErr *serverConfigError
				if !errors.As(err, &cfgErr) || err.Error() != tt.wantErr {
					t.Fatalf("Validate() = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Validate() = %v", err)
			}
			if len(keys) != len(tt.wantKey) || (tt.wantKey != nil && keys["AKID"] != tt.wantKey["AKID"]) {
				t.Fatalf("keys = %v, want %v", keys, tt.wantKey)
			}
		})
	}
}

func TestServerCommandConfigFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	config := filepath.Join(dir, "stepflow.json")
	if err := os.WriteFile(config, []byte(`{"addr":"127.0.0.1:0","db":"`+filepath.Join(dir, "c.db")+`","region":"ap-south-1","account":"999988887777","ui":"off"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stdout, _, _ := startServerCommand(t, "--config", config, "--account", "111122223333")
	if out := stdout.String(); !strings.Contains(out, "region ap-south-1, account 111122223333") || strings.Contains(out, "web UI") {
		t.Fatalf("stdout %q: want the file's region, the flag's account and no UI", out)
	}

	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"adress":"x"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	err := runServer(context.Background(), []string{"--config", bad}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), `unknown field "adress"`) {
		t.Fatalf("config with an unknown field: %v", err)
	}
}

// call posts one API action to a server started by startServerCommand and returns its body.
func call(t *testing.T, url, action, body string) string {
	t.Helper()
	req, _ := http.NewRequest("POST", url+"/", strings.NewReader(body))
	req.Header.Set("X-Amz-Target", "AWSStepFunctions."+action)
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", action, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return string(data)
}

func TestServerCommandMocks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mocks := filepath.Join(dir, "mocks.json")
	if err := os.WriteFile(mocks, []byte(`{"StateMachines":{"m":{"TestCases":{"T":{"Save":"Saved"}}}},"MockedResponses":{"Saved":{"0":{"Return":{"saved":true}}}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	url, _, _, _ := startServerCommand(t, "--addr", "127.0.0.1:0", "--db", filepath.Join(dir, "s.db"), "--ui", "off", "--mocks", mocks)
	call(t, url, "CreateStateMachine", `{"name":"m","roleArn":"arn:aws:iam::123456789012:role/r","definition":"{\"StartAt\":\"Save\",\"States\":{\"Save\":{\"Type\":\"Task\",\"Resource\":\"arn:aws:states:::dynamodb:putItem\",\"Parameters\":{\"TableName\":\"t\"},\"End\":true}}}"}`)
	started := call(t, url, "StartExecution", `{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:m#T","name":"run-1"}`)
	if !strings.Contains(started, `"executionArn":"arn:aws:states:us-east-1:123456789012:execution:m:run-1"`) {
		t.Fatalf("StartExecution: %s", started)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		described := call(t, url, "DescribeExecution", `{"executionArn":"arn:aws:states:us-east-1:123456789012:execution:m:run-1"}`)
		if strings.Contains(described, `"status":"SUCCEEDED"`) && strings.Contains(described, `"output":"{\"saved\":true}"`) {
			break
		}
		if !strings.Contains(described, `"status":"RUNNING"`) || time.Now().After(deadline) {
			t.Fatalf("DescribeExecution: %s", described)
		}
		time.Sleep(10 * time.Millisecond)
	}

	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"StateMachines":{"m":{"TestCases":{"T":{"Save":"Nope"}}}},"MockedResponses":{}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	err := runServer(context.Background(), []string{"--db", filepath.Join(dir, "b.db"), "--mocks", bad}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), `StateMachines.m.TestCases.T.Save: mocked response "Nope" is not defined in MockedResponses`) {
		t.Fatalf("bad mock file: %v", err)
	}
}

// TestServerMetricsCountExecutions scrapes /metrics after executions ran through the API: the
// engine records into the registry the server serves.
func TestServerMetricsCountExecutions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	url, _, _, _ := startServerCommand(t, "--addr", "127.0.0.1:0", "--db", filepath.Join(dir, "s.db"), "--ui", "off")
	call(t, url, "CreateStateMachine", `{"name":"ok","roleArn":"arn:aws:iam::123456789012:role/r","definition":"{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\",\"End\":true}}}"}`)
	call(t, url, "CreateStateMachine", `{"name":"bad","roleArn":"arn:aws:iam::123456789012:role/r","definition":"{\"StartAt\":\"F\",\"States\":{\"F\":{\"Type\":\"Fail\",\"Error\":\"E\"}}}"}`)
	for _, run := range []struct{ machine, name string }{{"ok", "a"}, {"ok", "b"}, {"bad", "c"}} {
		call(t, url, "StartExecution", `{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:`+run.machine+`","name":"`+run.name+`"}`)
	}
	want := []string{
		`stepflow_executions_started_total{state_machine_arn="arn:aws:states:us-east-1:123456789012:stateMachine:ok"} 2`,
		`stepflow_executions_succeeded_total{state_machine_arn="arn:aws:states:us-east-1:123456789012:stateMachine:ok"} 2`,
		`stepflow_executions_failed_total{state_machine_arn="arn:aws:states:us-east-1:123456789012:stateMachine:bad"} 1`,
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(url + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		missing := ""
		for _, w := range want {
			if !strings.Contains(string(body), w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("/metrics lacks %q:\n%s", missing, grepLines(string(body), "stepflow_executions"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func grepLines(text, substr string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestServerExecutionLogs: a state machine created with a loggingConfiguration gets its
// executions' events in the execution log directory, one file per log group.
func TestServerExecutionLogs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	logDir := filepath.Join(dir, "logs")
	url, _, _, _ := startServerCommand(t, "--addr", "127.0.0.1:0", "--db", filepath.Join(dir, "s.db"), "--ui", "off", "--execution-log-dir", logDir, "--log-format", "json")
	call(t, url, "CreateStateMachine", `{"name":"audited","roleArn":"arn:aws:iam::123456789012:role/r",
		"definition":"{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\",\"End\":true}}}",
		"loggingConfiguration":{"level":"ALL","includeExecutionData":true,"destinations":[{"cloudWatchLogsLogGroup":{"logGroupArn":"arn:aws:logs:us-east-1:123456789012:log-group:audit:*"}}]}}`)
	call(t, url, "StartExecution", `{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:audited","name":"e1","input":"{\"k\":1}"}`)
	path := filepath.Join(logDir, "audit.jsonl")
	deadline := time.Now().Add(30 * time.Second)
	for {
		data, _ := os.ReadFile(path)
		if strings.Contains(string(data), `"type":"ExecutionSucceeded"`) {
			lines := strings.Split(strings.TrimSpace(string(data)), "\n")
			if len(lines) != 4 || !strings.Contains(lines[0], `"input":"{\"k\":1}"`) {
				t.Fatalf("execution log:\n%s", data)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no ExecutionSucceeded record in %s: %q", path, data)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestServerRefusesForeignHosts: without authentication, a loopback server answers only
// requests addressed to a loopback host, so a DNS-rebound web page cannot drive it.
func TestServerRefusesForeignHosts(t *testing.T) {
	t.Parallel()
	url, _, _, _ := startServerCommand(t, "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "s.db"), "--ui", "off")
	for _, tt := range []struct {
		host string
		want int
	}{
		{"", 200}, // the URL's own 127.0.0.1:PORT
		{"localhost:8083", 200},
		{"sync-localhost:8083", 200},
		{"stepflow.localhost:8083", 200},
		{"sync-stepflow.localhost:8083", 200},
		{"SYNC-Stepflow.LOCALHOST.:8083", 200},
		{"sync-127.0.0.1:8083", 200}, // a request sent through HTTP_PROXY
		{"[::1]:8083", 200},
		{"evil.example.com", 403},
		{"127.0.0.1.evil.example.com", 403},
		{"localhost.evil.example.com", 403},
		{"evil-localhost:8083", 403},
		{"sync-10.0.0.1:8083", 403},
	} {
		req, _ := http.NewRequest("POST", url+"/", strings.NewReader(`{}`))
		req.Header.Set("X-Amz-Target", "AWSStepFunctions.ListStateMachines")
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		if tt.host != "" {
			req.Host = tt.host
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("Host %q: status %d, want %d", tt.host, resp.StatusCode, tt.want)
		}
	}
}

// TestServerShutdownAnswersLongPolls: a worker's GetActivityTask long poll gets its normal
// empty answer when the server shuts down, instead of having its connection cut.
func TestServerShutdownAnswersLongPolls(t *testing.T) {
	t.Parallel()
	url, _, _, stop := startServerCommand(t, "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "s.db"), "--ui", "off")
	call(t, url, "CreateActivity", `{"name":"work"}`)
	type answer struct {
		status int
		body   string
		err    error
	}
	polled := make(chan answer, 1)
	go func() {
		req, _ := http.NewRequest("POST", url+"/", strings.NewReader(`{"activityArn":"arn:aws:states:us-east-1:123456789012:activity:work"}`))
		req.Header.Set("X-Amz-Target", "AWSStepFunctions.GetActivityTask")
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			polled <- answer{err: err}
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		polled <- answer{status: resp.StatusCode, body: string(body)}
	}()
	time.Sleep(300 * time.Millisecond) // let the poll start waiting
	if err := stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	a := <-polled
	if a.err != nil || a.status != 200 || strings.Contains(a.body, "taskToken") {
		t.Fatalf("long poll at shutdown: status %d body %q err %v", a.status, a.body, a.err)
	}
}

// TestServerMetricsFollowAuth: with --auth sigv4, /metrics answers only with the metrics
// token, and not at all without one; a token also guards it without authentication.
func TestServerMetricsFollowAuth(t *testing.T) {
	t.Parallel()
	get := func(t *testing.T, url, authorization string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", url+"/metrics", nil)
		if authorization != "" {
			req.Header.Set("Authorization", authorization)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	dir := t.TempDir()
	signedNoToken, _, _, _ := startServerCommand(t, "--addr", "127.0.0.1:0", "--db", filepath.Join(dir, "a.db"), "--auth", "sigv4", "--access-key", "AKID:secret")
	if status, body := get(t, signedNoToken, ""); status != 403 || !strings.Contains(body, `"__type":"AccessDeniedException"`) {
		t.Fatalf("sigv4 without a metrics token: %d %s", status, body)
	}
	signed, _, _, _ := startServerCommand(t, "--addr", "127.0.0.1:0", "--db", filepath.Join(dir, "b.db"), "--auth", "sigv4", "--access-key", "AKID:secret", "--metrics-token", "scrape-me")
	for _, tt := range []struct {
		authorization string
		want          int
	}{{"", 401}, {"Bearer wrong", 401}, {"Basic scrape-me", 401}, {"Bearer scrape-me", 200}} {
		status, body := get(t, signed, tt.authorization)
		if status != tt.want || (tt.want == 200) != strings.Contains(body, "go_goroutines") {
			t.Errorf("sigv4 with a metrics token, Authorization %q: %d %.200s", tt.authorization, status, body)
		}
	}
	open, _, _, _ := startServerCommand(t, "--addr", "127.0.0.1:0", "--db", filepath.Join(dir, "c.db"), "--ui", "off", "--metrics-token", "scrape-me")
	if status, _ := get(t, open, ""); status != 401 {
		t.Errorf("no auth, metrics token, none given: %d", status)
	}
	if status, _ := get(t, open, "Bearer scrape-me"); status != 200 {
		t.Errorf("no auth, metrics token given: %d", status)
	}
}

// TestServerRequestLimitFlags: --max-request-bytes reaches the API.
func TestServerRequestLimitFlags(t *testing.T) {
	t.Parallel()
	url, _, _, _ := startServerCommand(t, "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "s.db"), "--ui", "off",
		"--max-request-bytes", "1000", "--max-request-bytes-in-flight", "100000", "--body-read-timeout", "45s")
	body := call(t, url, "CreateActivity", `{"name":"`+strings.Repeat("a", 1000)+`"}`)
	if !strings.Contains(body, `"message":"Request body is larger than 1000 bytes"`) {
		t.Fatalf("a body over --max-request-bytes: %s", body)
	}
}

// TestSDKEndpointAdvice: the banner names the endpoint for the SDKs, a subdomain of localhost
// where those resolve to the server, else the listening address with the variable that turns
// the sync- prefix off and the HTTP_PROXY the SDK for Go v2 needs instead.
func TestSDKEndpointAdvice(t *testing.T) {
	t.Parallel()
	loopback := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8083}
	for _, tt := range []struct {
		listen  *net.TCPAddr
		resolve bool
		want    []string
	}{
		{loopback, true, []string{"AWS SDKs and CLI: export AWS_ENDPOINT_URL_SFN=http://stepflow.localhost:8083"}},
		{loopback, false, []string{
			"AWS SDKs and CLI: export AWS_ENDPOINT_URL_SFN=http://127.0.0.1:8083 AWS_DISABLE_HOST_PREFIX_INJECTION=true",
			"  (sync-stepflow.localhost does not resolve here; the SDK for Go v2 ignores that variable: give its process HTTP_PROXY=http://127.0.0.1:8083 for StartSyncExecution and TestState, see docs/api.md#the-sync--host-prefix)",
		}},
		{&net.TCPAddr{IP: net.IPv6zero, Port: 9000}, false, []string{
			"AWS SDKs and CLI: export AWS_ENDPOINT_URL_SFN=http://127.0.0.1:9000 AWS_DISABLE_HOST_PREFIX_INJECTION=true",
			"  (sync-stepflow.localhost does not resolve here; the SDK for Go v2 ignores that variable: give its process HTTP_PROXY=http://127.0.0.1:9000 for StartSyncExecution and TestState, see docs/api.md#the-sync--host-prefix)",
		}},
		{&net.TCPAddr{IP: net.IPv6loopback, Port: 8083}, false, []string{
			"AWS SDKs and CLI: export AWS_ENDPOINT_URL_SFN=http://[::1]:8083 AWS_DISABLE_HOST_PREFIX_INJECTION=true",
			"  (sync-stepflow.localhost does not resolve here; the SDK for Go v2 ignores that variable: give its process HTTP_PROXY=http://[::1]:8083 for StartSyncExecution and TestState, see docs/api.md#the-sync--host-prefix)",
		}},
	} {
		if got := sdkEndpointAdvice(tt.listen, tt.resolve); !slices.Equal(got, tt.want) {
			t.Errorf("sdkEndpointAdvice(%s, %v) =\n%q\nwant\n%q", tt.listen, tt.resolve, got, tt.want)
		}
	}
	// A non-loopback address is never reached through a name that resolves to loopback.
	if localhostSubdomainsReach(context.Background(), &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 1}) {
		t.Error("localhostSubdomainsReach(192.0.2.1) = true")
	}
}

// The editor's palette offers what the server's flags configure.
func TestServerUITaskTemplates(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	functions := filepath.Join(dir, "functions.json")
	if err := os.WriteFile(functions, []byte(`{"functions": {"resize": {"command": ["true"]}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	url, _, _, _ := startServerCommand(t, "--addr", "127.0.0.1:0", "--db", filepath.Join(dir, "stepflow.db"),
		"--functions", functions, "--http-allow-host", "api.example.com", "--aws-allow", "sqs:sendMessage")
	resp, err := http.Get(url + "/ui/api/editor/task-templates")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Templates []struct{ Group, Label, Resource string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("task templates: %d %v", resp.StatusCode, err)
	}
	var got []string
	for _, tt := range out.Templates {
		got = append(got, tt.Group+"/"+tt.Label+"/"+tt.Resource)
	}
	want := "Functions/resize/arn:aws:states:::lambda:invoke HTTP Tasks/api.example.com/arn:aws:states:::http:invoke " +
		"AWS SDK/sqs:sendMessage/arn:aws:states:::aws-sdk:sqs:sendMessage"
	if strings.Join(got, " ") != want {
		t.Errorf("templates %q, want %q", got, want)
	}
}
