package ui_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

const choiceMachine = `{
  "StartAt": "Check",
  "States": {
    "Check": {"Type": "Choice", "Choices": [{"Variable": "$.ok", "BooleanEquals": true, "Next": "Yes"}], "Default": "No"},
    "Yes": {"Type": "Succeed"},
    "No": {"Type": "Fail", "Error": "NotOK"}
  }
}`

func TestPages(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	arn := s.createStateMachine(t, "choice-machine", choiceMachine)
	tests := []struct {
		name       string
		path       string
		wantStatus int
		wantType   string
		want       []string
	}{
		{"state machines", "/ui/", 200, "text/html; charset=utf-8",
			[]string{`<a href="/ui/state-machines/` + esc(arn) + `">choice-machine</a>`}},
		{"state machine", "/ui/state-machines/" + esc(arn), 200, "text/html; charset=utf-8",
			[]string{`<svg xmlns="http://www.w3.org/2000/svg" class="sf-graph"`, `data-state="Check"`, `data-state="Yes"`,
				`$.ok == true`, `id="start-form"`, `<option value="RUNNING">RUNNING</option>`}},
		{"unknown state machine", "/ui/state-machines/" + esc(arn+"x"), 404, "text/html; charset=utf-8",
			[]string{"state machine " + arn + "x does not exist"}},
		{"unknown execution", "/ui/executions/nope", 404, "text/html; charset=utf-8", []string{"does not exist"}},
		{"script", "/ui/assets/ui.js", 200, "text/javascript; charset=utf-8", []string{`"use strict";`}},
		{"stylesheet", "/ui/assets/ui.css", 200, "text/css; charset=utf-8", []string{"--running:"}},
		{"state machines API", "/ui/api/state-machines", 200, "application/json",
			[]string{`"stateMachineArn":"` + arn + `"`, `"name":"choice-machine"`, `"type":"STANDARD"`}},
		{"executions API", "/ui/api/state-machines/" + esc(arn) + "/executions?status=RUNNING", 200, "application/json",
			[]string{`{"executions":[],"nextToken":""}`}},
		{"execution API, unknown", "/ui/api/executions/nope", 404, "application/json",
			[]string{`{"error":"execution nope does not exist"}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, header, body := s.get(t, tt.path)
			if status != tt.wantStatus {
				t.Errorf("status = %d, want %d", status, tt.wantStatus)
			}
			if got := header.Get("Content-Type"); got != tt.wantType {
				t.Errorf("Content-Type = %q, want %q", got, tt.wantType)
			}
			if csp := header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
				t.Errorf("Content-Security-Policy = %q, want default-src 'self'", csp)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %q", w)
				}
			}
			if strings.Contains(body, "https://") {
				t.Errorf("body refers to an external https:// resource")
			}
		})
	}
}

func TestActionsNeedJSON(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	arn := s.createStateMachine(t, "m", choiceMachine)
	tests := []struct {
		name, path, contentType, body string
		wantStatus                    int
		wantError                     string
	}{
		{"form post refused", "/ui/api/state-machines/" + esc(arn) + "/executions", "application/x-www-form-urlencoded", "input=%7B%7D",
			http.StatusBadRequest, "actions take a JSON body (Content-Type: application/json)"},
		{"bad input", "/ui/api/state-machines/" + esc(arn) + "/executions", "application/json", `{"input": "{nope"}`,
			http.StatusBadRequest, "the input is not valid JSON"},
		{"bad task output", "/ui/api/tasks/success", "application/json", `{"taskToken": "t", "output": "[1,"}`,
			http.StatusBadRequest, "the output is not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, answer := s.post(t, tt.path, tt.contentType, tt.body)
			if status != tt.wantStatus || answer["error"] != tt.wantError {
				t.Errorf("POST = %d %v, want %d {error: %q}", status, answer, tt.wantStatus, tt.wantError)
			}
		})
	}
}

func TestExecutionAPI(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	arn := s.createStateMachine(t, "greeter", `{"StartAt": "Greet", "States": {
	  "Greet": {"Type": "Pass", "Parameters": {"greeting.$": "States.Format('Hello, {}!', $.name)"}, "End": true}}}`)
	status, started := s.post(t, "/ui/api/state-machines/"+esc(arn)+"/executions", "application/json", `{"name": "hi", "input": "{\"name\": \"Ada\"}"}`)
	if status != http.StatusOK {
		t.Fatalf("start: %d %v", status, started)
	}
	execPath := "/ui/api/executions/" + esc(started["executionArn"].(string))
	var view struct {
		Execution struct {
			Status string         `json:"status"`
			Output map[string]any `json:"output"`
		} `json:"execution"`
		States map[string]struct {
			Status string         `json:"status"`
			Output map[string]any `json:"output"`
		} `json:"states"`
		Events []struct {
			ID        int64  `json:"id"`
			Type      string `json:"type"`
			StateName string `json:"stateName"`
		} `json:"events"`
	}
	read := func(query string) {
		t.Helper()
		_, _, body := s.get(t, execPath+query)
		view.Events = nil
		if err := json.Unmarshal([]byte(body), &view); err != nil {
			t.Fatalf("decode %s: %v", body, err)
		}
	}
	waitFor(t, "the execution to end", func() bool { read(""); return view.Execution.Status != "RUNNING" })

	if view.Execution.Status != "SUCCEEDED" || view.Execution.Output["greeting"] != "Hello, Ada!" {
		t.Errorf("execution = %+v, want SUCCEEDED with greeting Hello, Ada!", view.Execution)
	}
	if g := view.States["Greet"]; g.Status != "succeeded" || g.Output["greeting"] != "Hello, Ada!" {
		t.Errorf("state Greet = %+v, want succeeded with its output", g)
	}
	var all []string
	for _, e := range view.Events {
		all = append(all, fmt.Sprintf("%d %s %s", e.ID, e.Type, e.StateName))
	}
	want := "1 ExecutionStarted |2 PassStateEntered Greet|3 PassStateExited Greet|4 ExecutionSucceeded "
	if got := strings.Join(all, "|"); got != want {
		t.Errorf("events = %s, want %s", got, want)
	}
	read("?since=2")
	if len(view.Events) != 2 || view.Events[0].ID != 3 {
		t.Errorf("events since 2 = %+v, want ids 3 and 4", view.Events)
	}
}
