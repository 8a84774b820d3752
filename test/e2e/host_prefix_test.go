package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// withoutHostPrefix keeps the SDK from sending StartSyncExecution and TestState to
// "sync-<endpoint host>": the SDK for Go v2 has no option for it (it does not read
// AWS_DISABLE_HOST_PREFIX_INJECTION), but its prefix middleware skips requests whose context
// says so. This is the work-around docs/api.md gives.
func withoutHostPrefix(o *awssfn.Options) {
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("DisableEndpointHostPrefix",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				return next.HandleInitialize(smithyhttp.DisableEndpointHostPrefix(ctx, true), in)
			}), middleware.Before)
	})
}

// hostRecorder is an HTTP transport that notes the host of each request and sends it on.
type hostRecorder struct {
	next  http.RoundTripper
	mu    sync.Mutex
	hosts []string
}

func (r *hostRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.hosts = append(r.hosts, req.URL.Host)
	r.mu.Unlock()
	return r.next.RoundTrip(req)
}

func (r *hostRecorder) last() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.hosts) == 0 {
		return ""
	}
	return r.hosts[len(r.hosts)-1]
}

// TestHostPrefix checks what the SDK for Go v2 does with BaseEndpoint set to the server's IP
// address: by default StartSyncExecution and TestState go to sync-127.0.0.1:PORT (a host that
// does not resolve), other actions to the endpoint; with withoutHostPrefix, an ordinary HTTP
// client reaches the server for both.
func TestHostPrefix(t *testing.T) {
	t.Parallel()
	srv := startServer(t, withCredentials(map[string]string{accessKey: secretKey}))
	ctx := context.Background()
	express := createMachineWith(t, srv.client(t), "express", passDefinition, types.StateMachineTypeExpress)

	t.Run("default", func(t *testing.T) {
		// clientWith's transport dials the server whatever the host, so the prefixed request
		// still arrives; the recorder shows where the SDK meant to send it.
		c := srv.client(t)
		recorder := &hostRecorder{}
		c = awssfn.New(c.Options(), func(o *awssfn.Options) {
			recorder.next = o.HTTPClient.(*http.Client).Transport
			o.HTTPClient = &http.Client{Transport: recorder}
		})
		_, err := c.DescribeStateMachine(ctx, &awssfn.DescribeStateMachineInput{StateMachineArn: aws.String(express)})
		mustNoErr(t, "DescribeStateMachine", err)
		if got := recorder.last(); got != srv.Addr {
			t.Fatalf("DescribeStateMachine went to %s, want %s", got, srv.Addr)
		}
		_, err = c.StartSyncExecution(ctx, &awssfn.StartSyncExecutionInput{StateMachineArn: aws.String(express)})
		mustNoErr(t, "StartSyncExecution", err)
		if got := recorder.last(); got != "sync-"+srv.Addr {
			t.Fatalf("StartSyncExecution went to %s, want sync-%s", got, srv.Addr)
		}
		_, err = c.TestState(ctx, &awssfn.TestStateInput{Definition: aws.String(`{"Type":"Pass","End":true}`), RoleArn: aws.String(roleARN)})
		mustNoErr(t, "TestState", err)
		if got := recorder.last(); got != "sync-"+srv.Addr {
			t.Fatalf("TestState went to %s, want sync-%s", got, srv.Addr)
		}
	})

	t.Run("withoutHostPrefix", func(t *testing.T) {
		// Only the documented work-around: a plain transport that dials what the URL says.
		c := srv.client(t)
		recorder := &hostRecorder{next: http.DefaultTransport.(*http.Transport).Clone()}
		c = awssfn.New(c.Options(), withoutHostPrefix, func(o *awssfn.Options) {
			o.HTTPClient = &http.Client{Transport: recorder}
		})
		out, err := c.StartSyncExecution(ctx, &awssfn.StartSyncExecutionInput{
			StateMachineArn: aws.String(express), Name: aws.String("plain"), Input: aws.String(`{"a":1}`),
		})
		mustNoErr(t, "StartSyncExecution", err)
		if out.Status != types.SyncExecutionStatusSucceeded || aws.ToString(out.Output) != `{"ok":true}` ||
			!strings.Contains(aws.ToString(out.ExecutionArn), ":express:express:plain:") {
			t.Fatalf("StartSyncExecution = %s %s %s", out.Status, aws.ToString(out.Output), aws.ToString(out.ExecutionArn))
		}
		if got := recorder.last(); got != srv.Addr {
			t.Fatalf("StartSyncExecution went to %s, want %s", got, srv.Addr)
		}
		tested, err := c.TestState(ctx, &awssfn.TestStateInput{
			Definition: aws.String(`{"Type":"Pass","Result":{"ok":true},"End":true}`), RoleArn: aws.String(roleARN), Input: aws.String(`{}`),
		})
		mustNoErr(t, "TestState", err)
		if tested.Status != types.TestExecutionStatusSucceeded || aws.ToString(tested.Output) != `{"ok":true}` {
			t.Fatalf("TestState = %s %s", tested.Status, aws.ToString(tested.Output))
		}
		if got := recorder.last(); got != srv.Addr {
			t.Fatalf("TestState went to %s, want %s", got, srv.Addr)
		}
	})
}

// TestHostPrefixAWSCLI checks the AWS CLI against an IP endpoint: StartSyncExecution cannot
// connect by default (it goes to sync-127.0.0.1:PORT) and works with host prefix injection
// turned off by AWS_DISABLE_HOST_PREFIX_INJECTION=true or by disable_host_prefix_injection in
// the config file, as does TestState.
func TestHostPrefixAWSCLI(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("aws"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the AWS CLI (aws) is required under CI (.ci/run installs Debian's awscli): %v", err)
		}
		t.Skip("the AWS CLI (aws) is not installed; skipping the CLI host prefix test")
	}
	srv := startServer(t, withCredentials(map[string]string{accessKey: secretKey}))
	express := createMachineWith(t, srv.client(t), "express", passDefinition, types.StateMachineTypeExpress)

	_, stderr, code := awsCLI(t, srv.URL, "start-sync-execution", "--state-machine-arn", express)
	want := `Could not connect to the endpoint URL: "http://sync-` + srv.Addr + `/"`
	if code == 0 || !strings.Contains(stderr, want) {
		t.Fatalf("start-sync-execution by default: exit %d, stderr %q, want %q", code, stderr, want)
	}

	configFile := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(configFile, []byte("[default]\ndisable_host_prefix_injection = true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, env := range [][]string{{"AWS_DISABLE_HOST_PREFIX_INJECTION=true"}, {"AWS_CONFIG_FILE=" + configFile}} {
		out, stderr, code := awsCLIEnv(t, env, srv.URL, "start-sync-execution", "--state-machine-arn", express, "--input", `{"a":1}`)
		if code != 0 && strings.Contains(stderr, "sync-"+srv.Addr) {
			version, _ := exec.Command("aws", "--version").CombinedOutput()
			t.Skipf("this AWS CLI (%s) does not know %s; it still sends to sync-<host>", strings.TrimSpace(string(version)), env[0])
		}
		var got struct{ Status, Output string }
		if code != 0 || json.Unmarshal([]byte(out), &got) != nil || got.Status != "SUCCEEDED" || got.Output != `{"ok":true}` {
			t.Fatalf("start-sync-execution with %s: exit %d: %s %s", env[0], code, out, stderr)
		}
	}

	out, stderr, code := awsCLIEnv(t, []string{"AWS_DISABLE_HOST_PREFIX_INJECTION=true"}, srv.URL,
		"test-state", "--definition", `{"Type":"Pass","Result":{"ok":true},"End":true}`, "--role-arn", roleARN, "--input", "{}")
	var tested struct{ Status, Output string }
	if code != 0 || json.Unmarshal([]byte(out), &tested) != nil || tested.Status != "SUCCEEDED" || tested.Output != `{"ok":true}` {
		t.Fatalf("test-state with AWS_DISABLE_HOST_PREFIX_INJECTION=true: exit %d: %s %s", code, out, stderr)
	}
}
