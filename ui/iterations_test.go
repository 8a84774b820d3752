package ui_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/engine"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

// fanMachine runs a Parallel of two branches, then a Map whose item 2 fails (and is caught),
// with MaxConcurrency 1 so that the items after the failing one never start.
const fanMachine = `{
  "StartAt": "Both",
  "States": {
    "Both": {"Type": "Parallel", "ResultPath": null, "Next": "Each", "Branches": [
      {"StartAt": "Left", "States": {"Left": {"Type": "Pass", "Result": "l", "End": true}}},
      {"StartAt": "Right", "States": {
        "Right": {"Type": "Pass", "Result": "r", "Next": "RightDone"},
        "RightDone": {"Type": "Succeed"}}}
    ]},
    "Each": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 1,
      "ItemProcessor": {"StartAt": "Check", "States": {
        "Check": {"Type": "Choice", "Choices": [{"Variable": "$", "NumericEquals": 2, "Next": "Bad"}], "Default": "Double"},
        "Double": {"Type": "Pass", "Parameters": {"n.$": "$"}, "End": true},
        "Bad": {"Type": "Fail", "Error": "ItemTwo", "Cause": "two is not allowed"}}},
      "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Done"}],
      "End": true},
    "Done": {"Type": "Succeed"}
  }
}`

type iterationsAnswer struct {
	Kind       string         `json:"kind"`
	Runs       int            `json:"runs"`
	Counts     map[string]int `json:"counts"`
	Total      int            `json:"total"`
	Matched    int            `json:"matched"`
	NextOffset *int           `json:"nextOffset"`
	Iterations []struct {
		Index      int    `json:"index"`
		Status     string `json:"status"`
		Error      string `json:"error"`
		Cause      string `json:"cause"`
		DurationMs *int64 `json:"durationMs"`
	} `json:"iterations"`
}

func TestIterations(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	arn := s.createStateMachine(t, "fan", fanMachine)
	ex, err := s.eng.StartExecution(context.Background(), &engine.StartExecutionParams{
		StateMachineARN: arn, Name: "five", Input: `{"items": [1, 2, 3, 4, 5]}`})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the execution to end", func() bool {
		e, err := s.eng.Store().ExecutionGetByARN(context.Background(), &store.ExecutionGetByARNParams{ARN: ex.ARN})
		return err == nil && e.Status != sfn.StatusRunning
	})
	base := "/ui/api/executions/" + esc(ex.ARN) + "/iterations/"
	rows := func(a iterationsAnswer) string {
		var parts []string
		for _, it := range a.Iterations {
			p := fmt.Sprintf("%d:%s", it.Index, it.Status)
			if it.Error != "" {
				p += ":" + it.Error + "/" + it.Cause
			}
			if (it.DurationMs != nil) != (it.Status == "SUCCEEDED" || it.Status == "FAILED") {
				t.Errorf("iteration %d (%s) has duration %v", it.Index, it.Status, it.DurationMs)
			}
			parts = append(parts, p)
		}
		return strings.Join(parts, " ")
	}

	var m iterationsAnswer
	if status := s.getJSON(t, base+"Each", &m); status != 200 {
		t.Fatalf("status %d", status)
	}
	if got, want := rows(m), "0:SUCCEEDED 1:FAILED:ItemTwo/two is not allowed 2:ABORTED 3:ABORTED 4:ABORTED"; got != want {
		t.Errorf("Map rows = %s\nwant %s", got, want)
	}
	if m.Kind != "Map" || m.Runs != 1 || m.Total != 5 || m.Counts["ABORTED"] != 3 || m.Counts["SUCCEEDED"] != 1 {
		t.Errorf("Map answer = %+v", m)
	}

	var failed iterationsAnswer
	s.getJSON(t, base+"Each?status=FAILED", &failed)
	if got := rows(failed); got != "1:FAILED:ItemTwo/two is not allowed" || failed.Matched != 1 {
		t.Errorf("FAILED filter = %s (matched %d)", got, failed.Matched)
	}
	var page iterationsAnswer
	s.getJSON(t, base+"Each?limit=2&offset=2", &page)
	if got := rows(page); got != "2:ABORTED 3:ABORTED" || page.NextOffset == nil || *page.NextOffset != 4 {
		t.Errorf("page 2 = %s, next %v", got, page.NextOffset)
	}

	var p iterationsAnswer
	s.getJSON(t, base+"Both", &p)
	if got := rows(p); got != "0:SUCCEEDED 1:SUCCEEDED" || p.Kind != "Parallel" {
		t.Errorf("Parallel rows = %s (kind %s)", got, p.Kind)
	}

	var one struct {
		Steps []struct {
			Name   string          `json:"name"`
			Status string          `json:"status"`
			Input  json.RawMessage `json:"input"`
			Output json.RawMessage `json:"output"`
			Error  string          `json:"error"`
		} `json:"steps"`
	}
	s.getJSON(t, base+"Each?index=0", &one)
	var got []string
	for _, st := range one.Steps {
		got = append(got, fmt.Sprintf("%s %s %s→%s", st.Name, st.Status, st.Input, st.Output))
	}
	if want := `Check succeeded 1→1; Double succeeded 1→{"n":1}`; strings.Join(got, "; ") != want {
		t.Errorf("iteration 0 steps = %s\nwant %s", strings.Join(got, "; "), want)
	}
	one.Steps = nil
	s.getJSON(t, base+"Each?index=1", &one)
	if len(one.Steps) != 2 || one.Steps[1].Name != "Bad" || one.Steps[1].Status != "failed" || one.Steps[1].Error != "ItemTwo" {
		t.Errorf("iteration 1 steps = %+v", one.Steps)
	}
	one.Steps = nil
	s.getJSON(t, base+"Both?index=1", &one)
	got = nil
	for _, st := range one.Steps {
		got = append(got, st.Name+" "+st.Status+" "+string(st.Output))
	}
	if want := `Right succeeded "r"; RightDone succeeded "r"`; strings.Join(got, "; ") != want {
		t.Errorf("branch 1 steps = %s\nwant %s", strings.Join(got, "; "), want)
	}

	for _, tt := range []struct{ path, want string }{
		{base + "Done", `has no Map or Parallel state named \"Done\"`},
		{base + "Each?index=9", "Each has no iteration 9"},
		{"/ui/api/executions/nope/iterations/Each", "execution nope does not exist"},
	} {
		status, _, body := s.get(t, tt.path)
		if status != 404 || !strings.Contains(body, tt.want) {
			t.Errorf("GET %s = %d %s, want 404 with %q", tt.path, status, body, tt.want)
		}
	}
}

func TestIterationsOfDistributedMap(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	arn := s.createStateMachine(t, "distributed", distributedFan)
	ex, err := s.eng.StartExecution(context.Background(), &engine.StartExecutionParams{StateMachineARN: arn, Name: "three", Input: `[1, 2, 3]`})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the execution to end", func() bool {
		e, err := s.eng.Store().ExecutionGetByARN(context.Background(), &store.ExecutionGetByARNParams{ARN: ex.ARN})
		return err == nil && e.Status != sfn.StatusRunning
	})
	type row struct {
		Index        int    `json:"index"`
		Status       string `json:"status"`
		Error        string `json:"error"`
		ExecutionARN string `json:"executionArn"`
		DurationMs   *int64 `json:"durationMs"`
	}
	var got struct {
		Kind       string         `json:"kind"`
		Total      int            `json:"total"`
		Counts     map[string]int `json:"counts"`
		MapRunARN  string         `json:"mapRunArn"`
		Iterations []row          `json:"iterations"`
		NextOffset *int           `json:"nextOffset"`
		MapRun     struct {
			Status string
			Items  struct{ Succeeded, Failed, Total int }
		} `json:"mapRun"`
	}
	base := "/ui/api/executions/" + esc(ex.ARN) + "/iterations/Each"
	s.getJSON(t, base, &got)
	if got.Kind != "DistributedMap" || got.Total != 3 || len(got.Iterations) != 3 || got.MapRunARN == "" || got.Counts["FAILED"] != 1 ||
		got.MapRun.Status != "SUCCEEDED" || got.MapRun.Items.Succeeded != 2 || got.MapRun.Items.Failed != 1 || got.MapRun.Items.Total != 3 {
		t.Fatalf("distributed map answer = %+v", got)
	}
	prefix := "arn:aws:states:us-east-1:123456789012:execution:distributed/Each:"
	for _, r := range got.Iterations {
		if !strings.HasPrefix(r.ExecutionARN, prefix) || r.DurationMs == nil {
			t.Fatalf("row %+v", r)
		}
	}
	s.getJSON(t, base+"?status=FAILED", &got)
	if len(got.Iterations) != 1 || got.Iterations[0].Index != 1 || got.Iterations[0].Error != "ItemTwo" {
		t.Fatalf("FAILED rows = %+v", got.Iterations)
	}
	failed := got.Iterations[0].ExecutionARN
	s.getJSON(t, base+"?limit=2", &got)
	if len(got.Iterations) != 2 || got.NextOffset == nil || *got.NextOffset != 2 {
		t.Fatalf("first page = %+v next %v", got.Iterations, got.NextOffset)
	}

	// The child's own page data: its history's states, from the ItemProcessor.
	var child struct {
		Execution struct {
			ARN    string `json:"executionArn"`
			Status string `json:"status"`
			Error  string `json:"error"`
		} `json:"execution"`
		States map[string]struct {
			Status string          `json:"status"`
			Input  json.RawMessage `json:"input"`
		} `json:"states"`
	}
	if status := s.getJSON(t, "/ui/api/executions/"+esc(failed), &child); status != 200 {
		t.Fatalf("child execution answer %d", status)
	}
	if child.Execution.ARN != failed || child.Execution.Status != "FAILED" || child.Execution.Error != "ItemTwo" ||
		child.States["Bad"].Status != "failed" || string(child.States["Check"].Input) != "2" {
		t.Fatalf("child execution = %+v", child)
	}
}

// distributedFan is a Distributed Map whose item 2 fails, one failure tolerated.
const distributedFan = `{"StartAt": "Each", "States": {"Each": {"Type": "Map", "End": true, "ToleratedFailureCount": 1,
	"ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
		"StartAt": "Check", "States": {
			"Check": {"Type": "Choice", "Choices": [{"Variable": "$", "NumericEquals": 2, "Next": "Bad"}], "Default": "Double"},
			"Double": {"Type": "Pass", "Parameters": {"n.$": "$"}, "End": true},
			"Bad": {"Type": "Fail", "Error": "ItemTwo", "Cause": "two is not allowed"}}}}}}`

func TestIterationsOfNestedMaps(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	arn := s.createStateMachine(t, "nested", `{"StartAt": "Outer", "States": {"Outer": {"Type": "Map", "End": true,
		"ItemProcessor": {"StartAt": "Inner", "States": {"Inner": {"Type": "Map", "End": true,
			"ItemProcessor": {"StartAt": "Leaf", "States": {"Leaf": {"Type": "Pass", "End": true}}}}}}}}}`)
	ex, err := s.eng.StartExecution(context.Background(), &engine.StartExecutionParams{StateMachineARN: arn, Name: "two", Input: `[[1, 2], [3]]`})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the execution to end", func() bool {
		e, err := s.eng.Store().ExecutionGetByARN(context.Background(), &store.ExecutionGetByARNParams{ARN: ex.ARN})
		return err == nil && e.Status != sfn.StatusRunning
	})
	base := "/ui/api/executions/" + esc(ex.ARN) + "/iterations/"
	var outer, inner iterationsAnswer
	s.getJSON(t, base+"Outer", &outer)
	s.getJSON(t, base+"Inner", &inner)
	if outer.Total != 2 || outer.Counts["SUCCEEDED"] != 2 || outer.Runs != 1 {
		t.Errorf("outer = %+v", outer)
	}
	// Inner ran once per outer iteration; its table is its latest run, of one item.
	if inner.Total != 1 || inner.Counts["SUCCEEDED"] != 1 || inner.Runs != 2 {
		t.Errorf("inner = %+v", inner)
	}
	var steps struct {
		Steps []struct {
			Name   string          `json:"name"`
			Output json.RawMessage `json:"output"`
		} `json:"steps"`
	}
	s.getJSON(t, base+"Outer?index=0", &steps)
	var got []string
	for _, st := range steps.Steps {
		got = append(got, st.Name+"→"+string(st.Output))
	}
	if want := "Inner→[1,2] Leaf→1 Leaf→2"; strings.Join(got, " ") != want {
		t.Errorf("outer iteration 0 ran %s, want %s", strings.Join(got, " "), want)
	}
}
