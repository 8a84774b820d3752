package aws_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stepflow/stepflow/internal/mototest"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/task"
	awsint "github.com/stepflow/stepflow/task/aws"
)

// glue:startJobRun against moto: request-response answers the run id with the job's name,
// .sync waits (moto's runs go STARTING, RUNNING, SUCCEEDED as they are looked at) and
// answers the JobRun, and an unknown job fails with Glue's own error name.
func TestGlueStartJobRunOnAWS(t *testing.T) {
	t.Parallel()
	base := mototest.URL(t)
	inv := newInvoker(t, awsint.Config{Endpoints: []string{"*=" + base}, Allow: []string{"glue"}})
	def := `{"StartAt": "Create", "States": {
	  "Create": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:glue:createJob",
	    "Parameters": {"Name": "nightly-etl", "Role": "arn:aws:iam::123456789012:role/glue", "Command": {"Name": "glueetl", "ScriptLocation": "s3://scripts/etl.py"},
	      "ExecutionProperty": {"MaxConcurrentRuns": 5}},
	    "ResultPath": null, "Next": "Start"},
	  "Start": {"Type": "Task", "Resource": "arn:aws:states:::glue:startJobRun",
	    "Parameters": {"JobName": "nightly-etl"}, "ResultPath": "$.started", "Next": "Sync"},
	  "Sync": {"Type": "Task", "Resource": "arn:aws:states:::glue:startJobRun.sync",
	    "Parameters": {"JobName": "nightly-etl", "Arguments": {"--day.$": "$.day"}}, "ResultPath": "$.run", "Next": "Unknown"},
	  "Unknown": {"Type": "Task", "Resource": "arn:aws:states:::glue:startJobRun",
	    "Parameters": {"JobName": "no-such-job"}, "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.unknown", "Next": "Done"}], "End": true},
	  "Done": {"Type": "Succeed"}}}`
	res, _ := run(t, newRouter(inv, nil), def, map[string]any{"day": "2026-12-06"})
	out := mustSucceed(t, res)
	if id, _ := get(out, "started", "JobRunId").(string); !strings.HasPrefix(id, "jr_") || get(out, "started", "JobName") != "nightly-etl" ||
		get(out, "started", "SdkHttpMetadata", "HttpStatusCode") != float64(200) {
		t.Errorf("request-response answer %v", out["started"])
	}
	if get(out, "run", "JobRunState") != "SUCCEEDED" || get(out, "run", "JobName") != "nightly-etl" || get(out, "run", "Arguments", "--day") != "2026-12-06" {
		t.Errorf(".sync answer %v", out["run"])
	}
	if started, _ := get(out, "run", "StartedOn").(float64); started < 1e12 {
		t.Errorf(".sync StartedOn %v: want epoch milliseconds", get(out, "run", "StartedOn"))
	}
	if get(out, "unknown", "Error") != "Glue.EntityNotFoundException" || !strings.Contains(get(out, "unknown", "Cause").(string), "(Service: AWSGlue; Status Code: 400; Error Code: EntityNotFoundException;") {
		t.Errorf("unknown job: %v", out["unknown"])
	}
}

// glueStandIn answers StartJobRun and GetJobRun with a run in state, and records the
// BatchStopJobRun requests. moto has no BatchStopJobRun and no failing runs.
type glueStandIn struct {
	state string
	mu    sync.Mutex
	stops []string
}

func (g *glueStandIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	switch r.Header.Get("X-Amz-Target") {
	case "AWSGlue.StartJobRun":
		w.Write([]byte(`{"JobRunId": "jr_1"}`))
	case "AWSGlue.GetJobRun":
		json.NewEncoder(w).Encode(map[string]any{"JobRun": map[string]any{"Id": "jr_1", "JobName": "etl", "JobRunState": g.state,
			"ErrorMessage": "script failed", "StartedOn": 1.7650368e9}})
	case "AWSGlue.BatchStopJobRun":
		g.mu.Lock()
		g.stops = append(g.stops, string(body))
		g.mu.Unlock()
		w.Write([]byte(`{"SuccessfulSubmissions": [{"JobName": "etl", "JobRunId": "jr_1"}], "Errors": []}`))
	default:
		w.WriteHeader(http.StatusBadRequest)
	}
}

// A failed run fails the state with States.TaskFailed and the JobRun; a task ended while
// its run goes on stops the run with BatchStopJobRun.
func TestGlueStartJobRunSyncFailsAndStops(t *testing.T) {
	t.Parallel()
	failed := &glueStandIn{state: "FAILED"}
	srv := httptest.NewServer(failed)
	defer srv.Close()
	inv := newInvoker(t, awsint.Config{Endpoints: []string{"glue=" + srv.URL}, Allow: []string{"glue:startJobRun"}})
	res, _ := run(t, newRouter(inv, nil), `{"StartAt": "S", "States": {"S": {"Type": "Task", "Resource": "arn:aws:states:::glue:startJobRun.sync", "Parameters": {"JobName": "etl"}, "End": true}}}`, nil)
	if res.Error != sfn.ErrorTaskFailed || !strings.Contains(res.Cause, `"JobRunState":"FAILED"`) || !strings.Contains(res.Cause, `"ErrorMessage":"script failed"`) {
		t.Errorf("%s: %s", res.Error, res.Cause)
	}

	running := &glueStandIn{state: "RUNNING"}
	srv2 := httptest.NewServer(running)
	defer srv2.Close()
	inv = newInvoker(t, awsint.Config{Endpoints: []string{"glue=" + srv2.URL}, Allow: []string{"glue"}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := inv.Invoke(ctx, &task.Request{Resource: sfn.ParseResource("arn:aws:states:::glue:startJobRun.sync"), Input: map[string]any{"JobName": "etl"}})
		done <- err
	}()
	time.Sleep(200 * time.Millisecond) // the run has been looked at once
	cancel()
	select {
	case err := <-done:
		if err != context.Canceled {
			t.Errorf("Invoke = %v, want context.Canceled", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("Invoke did not return after its context ended")
	}
	running.mu.Lock()
	defer running.mu.Unlock()
	if len(running.stops) != 1 || running.stops[0] != `{"JobName":"etl","JobRunIds":["jr_1"]}` {
		t.Errorf("BatchStopJobRun requests %q", running.stops)
	}
}
