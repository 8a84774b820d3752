package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sfnsdk "github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepflow/stepflow/internal/mototest"
)

// assumedRoles stands in front of moto's STS and records the roles assumed through it.
type assumedRoles struct {
	mu    sync.Mutex
	roles []string
}

func (a *assumedRoles) proxy(t *testing.T, target string) string {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	forward := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(b))
		a.mu.Lock()
		a.roles = append(a.roles, form.Get("RoleArn"))
		a.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(b))
		forward.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func (a *assumedRoles) list() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.roles)
}

// waitForExecution polls DescribeExecution until the execution is no longer running.
func waitForExecution(ctx context.Context, t *testing.T, client *sfnsdk.Client, arn *string) *sfnsdk.DescribeExecutionOutput {
	t.Helper()
	for {
		desc, err := client.DescribeExecution(ctx, &sfnsdk.DescribeExecutionInput{ExecutionArn: arn})
		if err != nil {
			t.Fatal(err)
		}
		if desc.Status != sfntypes.ExecutionStatusRunning {
			return desc
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stepflow server --assume-state-machine-role: a durable execution's AWS calls are made as
// its state machine's roleArn, assumed through (moto's) STS.
func TestServerAssumesStateMachineRole(t *testing.T) {
	moto := mototest.URL(t)
	var assumed assumedRoles
	sts := assumed.proxy(t, moto)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDSTEPFLOWCALLER")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "caller-secret")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	url, _, _, _ := startServerCommand(t, "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "s.db"), "--execution-log-dir", "off",
		"--aws-endpoint", "*="+moto, "--aws-endpoint", "sts="+sts, "--aws-allow", "sqs", "--assume-state-machine-role")
	client := sfnsdk.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(url), Credentials: mototest.Credentials})
	const role = "arn:aws:iam::123456789012:role/queue-reader"
	sm, err := client.CreateStateMachine(ctx, &sfnsdk.CreateStateMachineInput{Name: aws.String("roles"), RoleArn: aws.String(role),
		Definition: aws.String(`{"StartAt": "List", "States": {"List": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sqs:listQueues", "Parameters": {}, "End": true}}}`)})
	if err != nil {
		t.Fatal(err)
	}
	exec, err := client.StartExecution(ctx, &sfnsdk.StartExecutionInput{StateMachineArn: sm.StateMachineArn})
	if err != nil {
		t.Fatal(err)
	}
	if desc := waitForExecution(ctx, t, client, exec.ExecutionArn); desc.Status != sfntypes.ExecutionStatusSucceeded {
		t.Fatalf("execution %s: %s: %s", desc.Status, aws.ToString(desc.Error), aws.ToString(desc.Cause))
	}
	if got := assumed.list(); !slices.Equal(got, []string{role}) {
		t.Errorf("roles assumed %q, want the state machine's %q", got, role)
	}
}

// stepflow run --role-arn names the local state machine's role ($$.Execution.RoleArn,
// which --assume-state-machine-role assumes); a value that is not an ARN is refused.
func TestRunRoleARN(t *testing.T) {
	t.Parallel()
	def := writeTemp(t, "def.json", `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"role.$":"$$.Execution.RoleArn"},"End":true}}}`)
	code, stdout, stderr := runCLI(t, "run", def, "--role-arn", "arn:aws:iam::123456789012:role/etl", "--assume-state-machine-role")
	if code != 0 || !strings.Contains(stdout, `"role": "arn:aws:iam::123456789012:role/etl"`) {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, _, stderr = runCLI(t, "run", def, "--role-arn", "etl")
	if code != 1 || !strings.Contains(stderr, `--role-arn: "etl" is not an ARN (arn:aws:iam::ACCOUNT:role/NAME)`) {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}
