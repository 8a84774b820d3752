package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// awsCLI runs the AWS CLI against the server with the test credentials and no user
// configuration; it returns stdout, stderr and the exit code.
func awsCLI(t *testing.T, endpoint string, args ...string) (string, string, int) {
	t.Helper()
	return awsCLIEnv(t, nil, endpoint, args...)
}

// awsCLIEnv is awsCLI with more environment variables (NAME=value), which win.
func awsCLIEnv(t *testing.T, extraEnv []string, endpoint string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command("aws", append([]string{"--endpoint-url", endpoint, "--output", "json", "stepfunctions"}, args...)...)
	var env []string
	for _, kv := range os.Environ() {
		// Keep AWS_CA_BUNDLE and the like; drop whatever names a profile or credentials.
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION",
			"AWS_DISABLE_HOST_PREFIX_INJECTION":
			continue
		}
		env = append(env, kv)
	}
	cmd.Env = append(env,
		"AWS_ACCESS_KEY_ID="+accessKey, "AWS_SECRET_ACCESS_KEY="+secretKey, "AWS_DEFAULT_REGION="+testRegion,
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_MAX_ATTEMPTS=1")
	cmd.Env = append(cmd.Env, extraEnv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if exitErr, ok := err.(*exec.ExitError); ok {
		code = exitErr.ExitCode()
	} else if err != nil {
		t.Fatalf("aws %s: %v", strings.Join(args, " "), err)
	}
	return stdout.String(), stderr.String(), code
}

// TestAWSCLI drives a server that verifies signatures with the AWS CLI (botocore signs).
func TestAWSCLI(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("aws"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the AWS CLI (aws) is required under CI (.ci/run installs Debian's awscli): %v", err)
		}
		t.Skip("the AWS CLI (aws) is not installed; skipping the CLI test")
	}
	srv := startServer(t, withCredentials(map[string]string{accessKey: secretKey}))
	decode := func(out string) map[string]any {
		t.Helper()
		var v map[string]any
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Fatalf("CLI output is not JSON: %q", out)
		}
		return v
	}

	out, stderr, code := awsCLI(t, srv.URL, "create-state-machine", "--name", "cli-machine", "--definition", passDefinition, "--role-arn", roleARN)
	if code != 0 {
		t.Fatalf("create-state-machine: exit %d: %s", code, stderr)
	}
	machine, _ := decode(out)["stateMachineArn"].(string)
	if machine != scope.StateMachineARN("cli-machine") {
		t.Fatalf("create-state-machine answered %s", out)
	}

	out, stderr, code = awsCLI(t, srv.URL, "list-state-machines")
	if code != 0 || !strings.Contains(out, `"name": "cli-machine"`) {
		t.Fatalf("list-state-machines: exit %d: %s %s", code, out, stderr)
	}

	out, stderr, code = awsCLI(t, srv.URL, "start-execution", "--state-machine-arn", machine, "--name", "cli-run", "--input", `{"from":"cli"}`)
	if code != 0 {
		t.Fatalf("start-execution: exit %d: %s", code, stderr)
	}
	execARN, _ := decode(out)["executionArn"].(string)
	var desc map[string]any
	for deadline := time.Now().Add(30 * time.Second); ; {
		out, stderr, code = awsCLI(t, srv.URL, "describe-execution", "--execution-arn", execARN)
		if code != 0 {
			t.Fatalf("describe-execution: exit %d: %s", code, stderr)
		}
		desc = decode(out)
		if desc["status"] != "RUNNING" || time.Now().After(deadline) {
			break
		}
	}
	if desc["status"] != "SUCCEEDED" || desc["output"] != `{"ok":true}` || desc["input"] != `{"from":"cli"}` {
		t.Fatalf("describe-execution = %v", desc)
	}

	missing := scope.StateMachineARN("missing")
	_, stderr, code = awsCLI(t, srv.URL, "describe-state-machine", "--state-machine-arn", missing)
	want := "An error occurred (StateMachineDoesNotExist) when calling the DescribeStateMachine operation: State Machine Does Not Exist: '" + missing + "'"
	if code == 0 || !strings.Contains(stderr, want) {
		t.Fatalf("describe-state-machine of a missing machine: exit %d, stderr %q, want %q", code, stderr, want)
	}

	_, stderr, code = awsCLI(t, srv.URL, "delete-state-machine", "--state-machine-arn", machine)
	if code != 0 {
		t.Fatalf("delete-state-machine: exit %d: %s", code, stderr)
	}
}
