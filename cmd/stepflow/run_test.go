package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stepflow/stepflow/internal/repotestdata"
)

// runCLI runs `stepflow ARGS...` in process and returns its exit code and streams.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := runMain(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func writeTemp(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// productBrief is the folder of the product brief's examples, which must work verbatim.
func productBrief(t *testing.T, name string) string {
	t.Helper()
	return repotestdata.MustDir(t, "examples", "product-brief", name)
}

type describeOutput struct {
	Status    string `json:"status"`
	Output    string `json:"output"`
	Error     string `json:"error"`
	Cause     string `json:"cause"`
	StartDate string `json:"startDate"`
	StopDate  string `json:"stopDate"`
}

func describe(t *testing.T, stdout string) describeOutput {
	t.Helper()
	var d describeOutput
	if err := json.Unmarshal([]byte(stdout), &d); err != nil {
		t.Fatalf("describe output is not JSON: %v\n%s", err, stdout)
	}
	return d
}

func TestRunProductBriefChoice(t *testing.T) {
	t.Parallel()
	def := productBrief(t, "choice.asl.json")
	tests := []struct {
		input      string
		wantStatus string
		wantOutput string
		wantError  string
	}{
		{input: `{"conditionVariable": true}`, wantStatus: "SUCCEEDED", wantOutput: `{"conditionVariable":true}`},
		{input: `{"conditionVariable": false}`, wantStatus: "FAILED", wantError: "ConditionNotMet"},
		// The brief says a missing variable fails with ConditionNotMet; AWS fails the Choice
		// state with States.Runtime instead (its Variable path matches nothing), and so do we.
		{input: `{}`, wantStatus: "FAILED", wantError: "States.Runtime"},
	}
	for _, tt := range tests {
		t.Run(tt.input, func(t *testing.T) {
			t.Parallel()
			in := writeTemp(t, "in.json", tt.input)
			code, stdout, stderr := runCLI(t, "run", def, "--input", in, "--format", "describe")
			// describe reports the execution, like describe-execution: the command itself succeeded.
			if code != 0 {
				t.Fatalf("exit %d, want 0; stderr: %s", code, stderr)
			}
			d := describe(t, stdout)
			if d.Status != tt.wantStatus || d.Output != tt.wantOutput || d.Error != tt.wantError {
				t.Fatalf("got %+v", d)
			}
		})
	}
}

// TestRunProductBriefRetry runs the brief's retry policy on a task that always fails: it is
// attempted 6 times, waiting 3, 6, 12, 24 and 48 s between attempts (on virtual time).
func TestRunProductBriefRetry(t *testing.T) {
	t.Parallel()
	fragment, err := os.ReadFile(productBrief(t, "retry-fragment.json"))
	if err != nil {
		t.Fatal(err)
	}
	var retry map[string]any
	if err := json.Unmarshal(fragment, &retry); err != nil {
		t.Fatal(err)
	}
	state := map[string]any{"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:flaky", "End": true, "Retry": retry["Retry"]}
	defJSON, _ := json.Marshal(map[string]any{"StartAt": "Call", "States": map[string]any{"Call": state}})
	def := writeTemp(t, "def.json", string(defJSON))
	fns := writeTemp(t, "functions.json", `{"functions": {"flaky": {"command": ["sh", "-c", "echo '{\"errorType\":\"Flaky\",\"errorMessage\":\"always\"}'; exit 1"]}}}`)

	code, stdout, stderr := runCLI(t, "run", def, "--functions", fns, "--virtual-time", "--format", "history")
	if code != 1 {
		t.Fatalf("exit %d, want 1 (the execution fails); stderr: %s", code, stderr)
	}
	var h struct {
		Events []struct {
			Type      string    `json:"type"`
			Timestamp time.Time `json:"timestamp"`
		} `json:"events"`
	}
	if err := json.Unmarshal([]byte(stdout), &h); err != nil {
		t.Fatalf("history is not JSON: %v", err)
	}
	var scheduled []time.Time
	last := ""
	for _, e := range h.Events {
		if e.Type == "LambdaFunctionScheduled" {
			scheduled = append(scheduled, e.Timestamp)
		}
		last = e.Type
	}
	if len(scheduled) != 6 {
		t.Fatalf("attempts = %d, want 6", len(scheduled))
	}
	want := []time.Duration{3 * time.Second, 6 * time.Second, 12 * time.Second, 24 * time.Second, 48 * time.Second}
	for i, w := range want {
		if got := scheduled[i+1].Sub(scheduled[i]); got != w {
			t.Errorf("wait before attempt %d = %v, want %v", i+2, got, w)
		}
	}
	if last != "ExecutionFailed" {
		t.Errorf("last event %s, want ExecutionFailed", last)
	}
}

func TestRunFunctionsContract(t *testing.T) {
	t.Parallel()
	fns := writeTemp(t, "functions.json", `{"functions": {
		"double": {"command": ["sh", "-c", "read x; echo \"{\\\"n\\\": $(( $(echo $x | tr -dc 0-9) * 2 ))}\""]},
		"fail": {"command": ["sh", "-c", "echo '{\"errorType\":\"BadThing\",\"errorMessage\":\"nope\"}'; exit 2"]}
	}}`)
	tests := []struct {
		name, def, wantStatus, wantOutput, wantError, wantCause string
	}{
		{name: "function ARN", def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:eu-west-1:999999999999:function:double","End":true}}}`,
			wantStatus: "SUCCEEDED", wantOutput: `{"n":42}`},
		{name: "lambda invoke payload", def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"double","Payload.$":"$"},"OutputPath":"$.Payload","End":true}}}`,
			wantStatus: "SUCCEEDED", wantOutput: `{"n":42}`},
		{name: "function error", def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:fail","End":true}}}`,
			wantStatus: "FAILED", wantError: "BadThing", wantCause: `{"errorType":"BadThing","errorMessage":"nope"}`},
		{name: "unknown function", def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:ghost","End":true}}}`,
			wantStatus: "FAILED", wantError: "Lambda.ResourceNotFoundException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			def := writeTemp(t, "def.json", tt.def)
			in := writeTemp(t, "in.json", `{"n": 21}`)
			_, stdout, stderr := runCLI(t, "run", def, "--input", in, "--functions", fns, "--format", "describe")
			d := describe(t, stdout)
			if d.Status != tt.wantStatus || d.Output != tt.wantOutput || d.Error != tt.wantError {
				t.Fatalf("got %+v; stderr %s", d, stderr)
			}
			if tt.wantCause != "" && d.Cause != tt.wantCause {
				t.Fatalf("cause %q, want %q", d.Cause, tt.wantCause)
			}
			if tt.wantError == "Lambda.ResourceNotFoundException" && !strings.HasPrefix(d.Cause, "Function not found: arn:aws:lambda:us-east-1:123456789012:function:ghost:$LATEST") {
				t.Fatalf("cause %q", d.Cause)
			}
		})
	}
}

func TestRunVirtualTimeWait(t *testing.T) {
	t.Parallel()
	def := writeTemp(t, "def.json", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":86400,"End":true}}}`)
	code, stdout, stderr := runCLI(t, "run", def, "--virtual-time", "--format", "describe")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	d := describe(t, stdout)
	start, err1 := time.Parse("2006-01-02T15:04:05.000000-07:00", d.StartDate)
	stop, err2 := time.Parse("2006-01-02T15:04:05.000000-07:00", d.StopDate)
	if err1 != nil || err2 != nil {
		t.Fatalf("dates: %v %v", err1, err2)
	}
	if got := stop.Sub(start); got != 24*time.Hour {
		t.Fatalf("virtual duration %v, want 24h", got)
	}
}

func TestRunOutputFormatExitStatus(t *testing.T) {
	t.Parallel()
	def := productBrief(t, "choice.asl.json")
	in := writeTemp(t, "in.json", `{"conditionVariable": false}`)
	code, stdout, stderr := runCLI(t, "run", def, "--input", in)
	if code != 1 || stdout != "" || stderr != "FAILED: ConditionNotMet: \n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	in = writeTemp(t, "in.json", `{"conditionVariable": true}`)
	code, stdout, _ = runCLI(t, "run", def, "--input", in)
	if code != 0 || stdout != "{\n  \"conditionVariable\": true\n}\n" {
		t.Fatalf("exit %d, stdout %q", code, stdout)
	}
}

func TestRunBadInput(t *testing.T) {
	t.Parallel()
	def := writeTemp(t, "def.json", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	bad := writeTemp(t, "in.json", `{"a":`)
	code, _, stderr := runCLI(t, "run", def, "--input", bad)
	if code != 1 || !strings.Contains(stderr, "read input") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	notDef := writeTemp(t, "def2.json", `not json`)
	code, _, stderr = runCLI(t, "run", notDef)
	if code != 1 || !strings.Contains(stderr, "INVALID_JSON_DESCRIPTION") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}
