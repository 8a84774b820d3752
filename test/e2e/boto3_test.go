package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// needBoto3 returns the path of a python3 that imports boto3: the one on PATH, else Debian's
// /usr/bin/python3 (where .ci/run installs python3-boto3 when PATH's python has no boto3). It
// skips the test when there is none, except under CI, where the test must run.
func needBoto3(t *testing.T) string {
	t.Helper()
	var tried []string
	for _, name := range []string{"python3", "/usr/bin/python3"} {
		python, err := exec.LookPath(name)
		if err != nil {
			tried = append(tried, fmt.Sprintf("%s: %v", name, err))
			continue
		}
		out, err := exec.Command(python, "-c", "import boto3").CombinedOutput()
		if err == nil {
			return python
		}
		tried = append(tried, fmt.Sprintf("%s cannot import boto3: %v: %s", python, err, bytes.TrimSpace(out)))
	}
	msg := "no python3 with boto3 (" + strings.Join(tried, "; ") + ")"
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s: required under CI; .ci/run installs Debian's python3-boto3", msg)
	}
	t.Skipf("%s; skipping the boto3 test", msg)
	return ""
}

// TestBoto3 drives a server that verifies signatures with boto3 (testdata/boto3_flows.py):
// create, start, describe, history with pagination and reverse order, list, stop, the errors
// as boto3's exception classes, and StartSyncExecution/TestState with the sync- host prefix
// turned off.
func TestBoto3(t *testing.T) {
	t.Parallel()
	python := needBoto3(t)
	srv := startServer(t, withCredentials(map[string]string{accessKey: secretKey}))

	cmd := exec.Command(python, "testdata/boto3_flows.py")
	var env []string
	for _, kv := range os.Environ() {
		// Whatever AWS_* the caller has (a profile, credentials, AWS_DISABLE_HOST_PREFIX_INJECTION)
		// would change what the script checks.
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env,
		"STEPFLOW_ENDPOINT="+srv.URL, "STEPFLOW_REGION="+testRegion, "STEPFLOW_ACCOUNT="+testAccount,
		"STEPFLOW_ROLE_ARN="+roleARN,
		"AWS_ACCESS_KEY_ID="+accessKey, "AWS_SECRET_ACCESS_KEY="+secretKey,
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("boto3_flows.py: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	got := stdout.String()
	if !strings.HasSuffix(got, "ok sync_prefix\n") {
		t.Fatalf("boto3_flows.py exited 0 without running every step:\n%s%s", got, stderr.String())
	}
	// The steps, and what an older botocore could not check.
	t.Log("boto3_flows.py:\n" + got)
}

// TestBoto3EventsAndScheduler drives `stepflow server`, verifying SigV4 signatures, with
// boto3's events and scheduler clients (testdata/boto3_events.py): buses, rules, targets with
// an InputTransformer, PutEvents and the execution it starts, TestEventPattern, schedules and
// groups (a rate schedule firing at once), and the errors as boto3's exception classes.
func TestBoto3EventsAndScheduler(t *testing.T) {
	t.Parallel()
	python := needBoto3(t)
	dir := t.TempDir()
	srv := runServerProcess(t, dir, "--db", filepath.Join(dir, "stepflow.db"), "--auth", "sigv4", "--access-key", accessKey+":"+secretKey)
	defer srv.signal(syscall.SIGTERM)

	cmd := exec.Command(python, "testdata/boto3_events.py")
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env,
		"STEPFLOW_ENDPOINT="+srv.URL, "STEPFLOW_REGION="+testRegion, "STEPFLOW_ACCOUNT="+testAccount,
		"STEPFLOW_ROLE_ARN="+roleARN,
		"AWS_ACCESS_KEY_ID="+accessKey, "AWS_SECRET_ACCESS_KEY="+secretKey,
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("boto3_events.py: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	if got := stdout.String(); !strings.HasSuffix(got, "ok schedules\n") {
		t.Fatalf("boto3_events.py exited 0 without running every step:\n%s%s", got, stderr.String())
	}
}
