package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

var (
	exportLineRE = regexp.MustCompile(`^AWS SDKs and CLI: export (.+)$`)
	httpProxyRE  = regexp.MustCompile(`give its process (HTTP_PROXY=\S+) for StartSyncExecution`)
)

// sdkChildEnv marks the test binary run as a separate SDK process by TestPrintedEndpoint.
const sdkChildEnv = "STEPFLOW_E2E_SDK_CHILD"

// TestPrintedEndpoint follows the server's start banner to the letter: a `stepflow server`
// process (no authentication, so its loopback Host check is on) prints the variables to
// export, and a separate process using the AWS SDK for Go v2 with nothing but those variables
// — default configuration, no endpoint option, no middleware — runs StartSyncExecution and
// TestState, which the SDK sends to the "sync-" host. Where subdomains of localhost resolve
// (systemd-resolved) the banner names stepflow.localhost; elsewhere (this project's CI image)
// it names the IP endpoint and the HTTP_PROXY the Go SDK needs, and the AWS CLI is also run
// with the exported variables alone.
func TestPrintedEndpoint(t *testing.T) {
	t.Parallel()
	p := runServerProcess(t, t.TempDir(), "--db", "stepflow.db")
	env := strings.Fields(p.stdoutLine(t, exportLineRE)[1])
	goEnv := slices.Clone(env)
	if strings.Contains(strings.Join(env, " "), "AWS_DISABLE_HOST_PREFIX_INJECTION=true") {
		goEnv = append(goEnv, p.stdoutLine(t, httpProxyRE)[1])
	}
	t.Logf("banner: export %s; the Go SDK's process gets %s", strings.Join(env, " "), strings.Join(goEnv, " "))

	cmd := exec.Command(os.Args[0], "-test.run=^TestSDKChildProcess$", "-test.v")
	cmd.Env = append(sdkChildBaseEnv(), append(goEnv, sdkChildEnv+"=1")...)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestSDKChildProcess") {
		t.Fatalf("the SDK process with the banner's variables: %v\n%s", err, out)
	}

	if _, err := exec.LookPath("aws"); err != nil {
		t.Log("the AWS CLI (aws) is not installed; the CLI half is not run")
		return
	}
	for _, args := range [][]string{
		{"start-sync-execution", "--state-machine-arn", "arn:aws:states:us-east-1:123456789012:stateMachine:banner", "--input", `{"from":"cli"}`},
		{"test-state", "--definition", `{"Type":"Pass","Result":{"ok":true},"End":true}`, "--role-arn", roleARN, "--input", "{}"},
	} {
		cli := exec.Command("aws", append([]string{"--output", "json", "stepfunctions"}, args...)...)
		cli.Env = append(sdkChildBaseEnv(), env...)
		var stdout, stderr bytes.Buffer
		cli.Stdout, cli.Stderr = &stdout, &stderr
		var got struct{ Status string }
		if err := cli.Run(); err != nil || json.Unmarshal(stdout.Bytes(), &got) != nil || got.Status != "SUCCEEDED" {
			t.Fatalf("aws %s with the banner's variables: %v: %s %s", args[0], err, stdout.String(), stderr.String())
		}
	}
}

// sdkChildBaseEnv is this process's environment without anything that would choose an
// endpoint, credentials, a profile or a proxy, plus test credentials and region.
func sdkChildBaseEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "AWS_") || strings.HasSuffix(strings.ToUpper(name), "_PROXY") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "AWS_ACCESS_KEY_ID="+accessKey, "AWS_SECRET_ACCESS_KEY="+secretKey, "AWS_REGION="+testRegion,
		"AWS_DEFAULT_REGION="+testRegion, "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_MAX_ATTEMPTS=1")
}

// TestSDKChildProcess is the SDK process of TestPrintedEndpoint; run on its own it skips.
func TestSDKChildProcess(t *testing.T) {
	if os.Getenv(sdkChildEnv) != "1" {
		t.Skip("run by TestPrintedEndpoint")
	}
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := awssfn.NewFromConfig(cfg)
	created, err := c.CreateStateMachine(ctx, &awssfn.CreateStateMachineInput{
		Name: aws.String("banner"), Definition: aws.String(passDefinition), RoleArn: aws.String(roleARN), Type: types.StateMachineTypeExpress,
	})
	mustNoErr(t, "CreateStateMachine", err)
	out, err := c.StartSyncExecution(ctx, &awssfn.StartSyncExecutionInput{StateMachineArn: created.StateMachineArn, Input: aws.String(`{"a":1}`)})
	mustNoErr(t, "StartSyncExecution", err)
	if out.Status != types.SyncExecutionStatusSucceeded || aws.ToString(out.Output) != `{"ok":true}` {
		t.Fatalf("StartSyncExecution = %s %s", out.Status, aws.ToString(out.Output))
	}
	tested, err := c.TestState(ctx, &awssfn.TestStateInput{
		Definition: aws.String(`{"Type":"Pass","Result":{"tested":true},"End":true}`), RoleArn: aws.String(roleARN), Input: aws.String(`{}`),
	})
	mustNoErr(t, "TestState", err)
	if tested.Status != types.TestExecutionStatusSucceeded || aws.ToString(tested.Output) != `{"tested":true}` {
		t.Fatalf("TestState = %s %s", tested.Status, aws.ToString(tested.Output))
	}
}
