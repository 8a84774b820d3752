package metrics_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stepflow/stepflow/metrics"
	"github.com/stepflow/stepflow/sfn"
)

const (
	machineA = "arn:aws:states:us-east-1:123456789012:stateMachine:A"
	machineB = "arn:aws:states:us-east-1:123456789012:stateMachine:B"
	activity = "arn:aws:states:us-east-1:123456789012:activity:approve"
	function = "arn:aws:lambda:us-east-1:123456789012:function:charge"
	service  = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"
)

// scrape serves the recorder's handler and returns the exposition text.
func scrape(t *testing.T, p *metrics.Prometheus) string {
	t.Helper()
	srv := httptest.NewServer(p.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s", resp.Status)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(body)
}

func TestPrometheusScrape(t *testing.T) {
	t.Parallel()
	p := metrics.NewPrometheus()
	var r metrics.Recorder = p
	r.ExecutionStarted(machineA)
	r.ExecutionStarted(machineA)
	r.ExecutionStarted(machineB)
	r.ExecutionFinished(machineA, sfn.StatusSucceeded, 1500*time.Millisecond)
	r.ExecutionFinished(machineA, sfn.StatusFailed, 2*time.Second)
	r.ExecutionFinished(machineB, sfn.StatusAborted, time.Second)
	r.ExecutionFinished(machineB, sfn.StatusRunning, time.Second) // not a close: ignored
	r.ExecutionThrottled(machineB)
	r.ExecutionRedriven(machineA)
	r.TaskScheduled(metrics.Activity, activity)
	r.TaskStarted(metrics.Activity, activity, 3*time.Second)
	r.TaskFinished(metrics.Activity, activity, metrics.TaskHeartbeatTimedOut, time.Minute, 63*time.Second)
	r.TaskScheduled(metrics.LambdaFunction, function)
	r.TaskStarted(metrics.LambdaFunction, function, 0)
	r.TaskFinished(metrics.LambdaFunction, function, metrics.TaskSucceeded, 20*time.Millisecond, 20*time.Millisecond)
	r.TaskScheduled(metrics.ServiceIntegration, service)
	r.TaskFinished(metrics.ServiceIntegration, service, metrics.TaskHeartbeatTimedOut, time.Second, time.Second)

	text := scrape(t, p)
	for _, want := range []string{
		`stepflow_executions_started_total{state_machine_arn="` + machineA + `"} 2`,
		`stepflow_executions_started_total{state_machine_arn="` + machineB + `"} 1`,
		`stepflow_executions_succeeded_total{state_machine_arn="` + machineA + `"} 1`,
		`stepflow_executions_failed_total{state_machine_arn="` + machineA + `"} 1`,
		`stepflow_executions_aborted_total{state_machine_arn="` + machineB + `"} 1`,
		`stepflow_executions_throttled_total{state_machine_arn="` + machineB + `"} 1`,
		`stepflow_executions_redriven_total{state_machine_arn="` + machineA + `"} 1`,
		`stepflow_execution_time_seconds_count{state_machine_arn="` + machineA + `"} 2`,
		`stepflow_execution_time_seconds_sum{state_machine_arn="` + machineA + `"} 3.5`,
		`stepflow_execution_time_seconds_count{state_machine_arn="` + machineB + `"} 1`,
		`stepflow_activities_scheduled_total{activity_arn="` + activity + `"} 1`,
		`stepflow_activities_started_total{activity_arn="` + activity + `"} 1`,
		`stepflow_activities_heartbeat_timed_out_total{activity_arn="` + activity + `"} 1`,
		`stepflow_activity_schedule_time_seconds_sum{activity_arn="` + activity + `"} 3`,
		`stepflow_activity_run_time_seconds_sum{activity_arn="` + activity + `"} 60`,
		`stepflow_activity_time_seconds_sum{activity_arn="` + activity + `"} 63`,
		`stepflow_lambda_functions_succeeded_total{lambda_function_arn="` + function + `"} 1`,
		`stepflow_lambda_function_run_time_seconds_bucket{lambda_function_arn="` + function + `",le="0.025"} 1`,
		`stepflow_service_integrations_scheduled_total{service_integration_resource_arn="` + service + `"} 1`,
		`stepflow_service_integrations_timed_out_total{service_integration_resource_arn="` + service + `"} 1`,
		"# HELP stepflow_executions_started_total Executions started (CloudWatch ExecutionsStarted).",
		"# TYPE stepflow_execution_time_seconds histogram",
		"go_goroutines ",
		"go_memstats_heap_alloc_bytes ",
	} {
		line := want + "\n"
		if strings.HasSuffix(want, " ") {
			line = want // a metric whose value varies
		}
		if !strings.Contains(text, line) {
			t.Errorf("scrape lacks %q", want)
		}
	}
	for _, absent := range []string{
		`stepflow_execution_time_seconds_count{state_machine_arn="` + machineB + `"} 2`,
		`stepflow_executions_timed_out_total{`,
	} {
		if strings.Contains(text, absent) {
			t.Errorf("scrape has %q", absent)
		}
	}
}

func TestKindOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		resource string
		want     metrics.TaskKind
		wantOK   bool
	}{
		{activity, metrics.Activity, true},
		{function, metrics.LambdaFunction, true},
		{service, metrics.ServiceIntegration, true},
		{"arn:aws:states:::lambda:invoke", metrics.ServiceIntegration, true},
		{"not-an-arn", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.resource, func(t *testing.T) {
			t.Parallel()
			got, ok := metrics.KindOf(tt.resource)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("KindOf(%q) = %q, %v; want %q, %v", tt.resource, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
