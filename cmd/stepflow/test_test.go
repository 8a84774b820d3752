package main

import (
	"strings"
	"testing"
	"time"
)

const ordersDefinition = `{
  "StartAt": "Charge",
  "States": {
    "Charge": {
      "Type": "Task",
      "Resource": "arn:aws:states:::lambda:invoke",
      "Parameters": {"FunctionName": "charge", "Payload.$": "$"},
      "ResultSelector": {"charged.$": "$.Payload.charged"},
      "ResultPath": "$.charge",
      "Retry": [{"ErrorEquals": ["Lambda.TooManyRequestsException"], "IntervalSeconds": 3600, "MaxAttempts": 2}],
      "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Refused"}],
      "Next": "WaitAYear"
    },
    "WaitAYear": {"Type": "Wait", "Seconds": 31536000, "Next": "Save"},
    "Save": {
      "Type": "Task",
      "Resource": "arn:aws:states:::dynamodb:putItem",
      "Parameters": {"TableName": "orders", "Item": {"id": {"S.$": "$.id"}}},
      "ResultPath": null,
      "End": true
    },
    "Refused": {"Type": "Fail", "Error": "PaymentRefused", "Cause": "the card was refused"}
  }
}`

const ordersMocks = `{
  "StateMachines": {
    "orders": {
      "TestCases": {
        "HappyPath": {"Charge": "Charged", "Save": "Saved"},
        "RetryPath": {"Charge": "Throttled", "Save": "Saved"},
        "RefusedPath": {"Charge": "Refused"},
        "UnmockedSave": {"Charge": "Charged"}
      }
    }
  },
  "MockedResponses": {
    "Charged": {"0": {"Return": {"StatusCode": 200, "Payload": {"charged": true}}}},
    "Throttled": {
      "0-1": {"Throw": {"Error": "Lambda.TooManyRequestsException", "Cause": "Rate exceeded"}},
      "2": {"Return": {"StatusCode": 200, "Payload": {"charged": true}}}
    },
    "Refused": {"0": {"Throw": {"Error": "CardDeclined", "Cause": "insufficient funds"}}},
    "Saved": {"0": {"Return": {"SdkHttpMetadata": {"HttpStatusCode": 200}}}}
  }
}`

func TestTestCommandRunsCases(t *testing.T) {
	t.Parallel()
	def := writeTemp(t, "orders.asl.json", ordersDefinition)
	mocks := writeTemp(t, "mocks.json", ordersMocks)
	input := writeTemp(t, "in.json", `{"id": "o-1"}`)
	tests := []struct {
		testCase   string
		wantCode   int
		wantStatus string
		wantOutput string
		wantError  string
		wantCause  string
	}{
		{testCase: "HappyPath", wantStatus: "SUCCEEDED", wantOutput: `{"id":"o-1","charge":{"charged":true}}`},
		{testCase: "RetryPath", wantStatus: "SUCCEEDED", wantOutput: `{"id":"o-1","charge":{"charged":true}}`},
		{testCase: "RefusedPath", wantCode: 1, wantStatus: "FAILED", wantError: "PaymentRefused", wantCause: "the card was refused"},
		{testCase: "UnmockedSave", wantCode: 1, wantStatus: "FAILED", wantError: "States.Runtime",
			wantCause: `no task runner is configured for resource arn:aws:states:::dynamodb:putItem (state "Save"); configure a mock for the state in a test case (stepflow test --mocks FILE --case NAME) or a task runner for the resource`},
	}
	for _, tt := range tests {
		t.Run(tt.testCase, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runCLI(t, "test", def, "--mocks", mocks, "--case", tt.testCase, "--input", input)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.wantCode, stdout, stderr)
			}
			d := describe(t, stdout)
			if d.Status != tt.wantStatus || d.Output != tt.wantOutput || d.Error != tt.wantError || d.Cause != tt.wantCause {
				t.Fatalf("got %+v", d)
			}
		})
	}
}

func TestTestCommandVirtualTime(t *testing.T) {
	t.Parallel()
	def := writeTemp(t, "orders.asl.json", ordersDefinition)
	mocks := writeTemp(t, "mocks.json", ordersMocks)
	input := writeTemp(t, "in.json", `{"id": "o-1"}`)
	_, stdout, _ := runCLI(t, "test", def, "--mocks", mocks, "--case", "RetryPath", "--input", input)
	d := describe(t, stdout)
	const layout = "2006-01-02T15:04:05.000000-07:00"
	start, err1 := time.Parse(layout, d.StartDate)
	stop, err2 := time.Parse(layout, d.StopDate)
	if err1 != nil || err2 != nil {
		t.Fatalf("dates %q %q: %v %v", d.StartDate, d.StopDate, err1, err2)
	}
	// Retries after 1 h and 2 h (BackoffRate 2), then a 365-day Wait, all on the virtual clock.
	if got, want := stop.Sub(start), 365*24*time.Hour+3*time.Hour; got != want || d.Status != "SUCCEEDED" {
		t.Fatalf("took %v (status %s), want %v", got, d.Status, want)
	}
}

func TestTestCommandErrors(t *testing.T) {
	t.Parallel()
	def := writeTemp(t, "orders.asl.json", ordersDefinition)
	mocks := writeTemp(t, "mocks.json", ordersMocks)
	badMocks := writeTemp(t, "bad.json", `{"StateMachines": {"orders": {"TestCases": {"T": {"Charge": "Nope"}}}}, "MockedResponses": {}}`)
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr string
	}{
		{name: "unknown case", args: []string{"test", def, "--mocks", mocks, "--case", "SadPath"}, wantCode: 1,
			wantStderr: `stepflow test: state machine "orders" has no test case "SadPath" in the mock file (it has: HappyPath, RefusedPath, RetryPath, UnmockedSave)` + "\n"},
		{name: "other machine", args: []string{"test", def, "--mocks", mocks, "--case", "HappyPath", "--state-machine", "billing"}, wantCode: 1,
			wantStderr: `stepflow test: state machine "billing" has no test cases in the mock file (it has: orders)` + "\n"},
		{name: "invalid mock file", args: []string{"test", def, "--mocks", badMocks, "--case", "T"}, wantCode: 1,
			wantStderr: "stepflow test: " + badMocks + `: StateMachines.orders.TestCases.T.Charge: mocked response "Nope" is not defined in MockedResponses` + "\n"},
		{name: "bad allowed host", args: []string{"test", def, "--mocks", mocks, "--case", "HappyPath", "--http-allow-host", "http://x/"}, wantCode: 1,
			wantStderr: `stepflow test: --http-allow-host: allowed host 1 ("http://x/") must be a host name or address, optionally with :PORT, e.g. api.example.com or 127.0.0.1:9000` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, _, stderr := runCLI(t, tt.args...)
			if code != tt.wantCode || stderr != tt.wantStderr {
				t.Fatalf("exit %d, stderr %q\nwant exit %d, stderr %q", code, stderr, tt.wantCode, tt.wantStderr)
			}
		})
	}
	if code, _, stderr := runCLI(t, "test", def, "--case", "HappyPath"); code != 2 || !strings.HasPrefix(stderr, "usage: stepflow test DEF.json --mocks MOCKS.json --case NAME") {
		t.Fatalf("missing --mocks: exit %d, %q", code, stderr)
	}
}
