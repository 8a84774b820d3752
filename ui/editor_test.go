package ui_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
)

// postJSON sends a JSON action and decodes the answer into out.
func (s *uiServer) postJSON(t *testing.T, path string, body, out any) int {
	t.Helper()
	data, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(s.URL+path, "application/json", strings.NewReader(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("POST %s: decode answer: %v", path, err)
	}
	return resp.StatusCode
}

type diagnostic struct {
	Severity, Code, Message, Location, State string
	Line, Column                             int
}

type validation struct {
	Result      string
	Diagnostics []diagnostic
	Graph       string
	Error       string
}

// brokenMachine has a Next to a missing state on line 5 and a Task without a Resource, in a
// Parallel branch, on line 9.
const brokenMachine = `{
  "StartAt": "Start",
  "States": {
    "Start": {
      "Type": "Pass", "Next": "Nowhere"
    },
    "Fan": {"Type": "Parallel", "End": true, "Branches": [
      {"StartAt": "Work", "States": {
        "Work": {"Type": "Task", "End": true}
      }}
    ]}
  }
}`

func TestValidate(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	tests := []struct {
		name, definition, typ string
		status                int
		result                string
		want                  []diagnostic // compared on code, line, column and state
		graphHas              string
	}{
		{name: "valid", definition: orderMachine, status: 200, result: "OK", graphHas: `data-state="ShipItems"`},
		{name: "errors at their lines and states", definition: brokenMachine, status: 200, result: "FAIL",
			want: []diagnostic{
				{Code: "SCHEMA_VALIDATION_FAILED", Line: 9, Column: 9, State: "Work"},
				{Code: "MISSING_TRANSITION_TARGET", Line: 5, Column: 23, State: "Start"},
				{Code: "MISSING_TRANSITION_TARGET", Line: 7, Column: 5, State: "Fan"}, // nothing leads to it
			},
			graphHas: `data-state="Work"`},
		{name: "malformed JSON at its position", definition: "{\n  \"StartAt\": \"A\",\n  \"States\": {,}\n}", status: 200, result: "FAIL",
			// The column is the parser's (Jackson's, as AWS reports it): just past the ','.
			want: []diagnostic{{Code: "INVALID_JSON_DESCRIPTION", Line: 3, Column: 15}}},
		{name: "unknown type", definition: orderMachine, typ: "BATCH", status: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got validation
			status := s.postJSON(t, "/ui/api/validate", map[string]string{"definition": tt.definition, "type": tt.typ}, &got)
			if status != tt.status {
				t.Fatalf("status %d, want %d (%+v)", status, tt.status, got)
			}
			if status != 200 {
				if got.Error == "" {
					t.Errorf("no error message")
				}
				return
			}
			if got.Result != tt.result {
				t.Errorf("result %s, want %s", got.Result, tt.result)
			}
			var errs []diagnostic
			for _, d := range got.Diagnostics {
				if d.Severity == "ERROR" {
					errs = append(errs, diagnostic{Code: d.Code, Line: d.Line, Column: d.Column, State: d.State})
				}
			}
			if len(errs) != len(tt.want) {
				t.Fatalf("errors %+v, want %+v", errs, tt.want)
			}
			for i := range errs {
				if errs[i] != tt.want[i] {
					t.Errorf("error %d = %+v, want %+v", i, errs[i], tt.want[i])
				}
			}
			if !strings.Contains(got.Graph, tt.graphHas) {
				t.Errorf("graph lacks %s", tt.graphHas)
			}
		})
	}
	t.Run("actions take JSON", func(t *testing.T) {
		status, body := s.post(t, "/ui/api/validate", "text/plain", `{"definition": "{}"}`)
		if status != 400 || !strings.Contains(body["error"].(string), "Content-Type: application/json") {
			t.Errorf("text/plain: %d %v", status, body)
		}
	})
	t.Run("over AWS's size limit", func(t *testing.T) {
		var got validation
		big := `{"Comment": "` + strings.Repeat("x", 1<<20) + `"}`
		if status := s.postJSON(t, "/ui/api/validate", map[string]string{"definition": big}, &got); status != 400 {
			t.Errorf("a definition over 1 MiB: status %d, want 400", status)
		}
	})
}

type deployed struct {
	StateMachineArn, StateMachineVersionArn, RevisionId, Error string
}

func TestDeploy(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	ctx := context.Background()
	sdk := s.sdk()
	role := s.eng.Scope().RoleARN("ui-test")

	var created deployed
	if status := s.postJSON(t, "/ui/api/deploy", map[string]any{"action": "create", "name": "orders", "roleArn": role, "definition": orderMachine}, &created); status != 200 {
		t.Fatalf("create: %d %+v", status, created)
	}
	if created.StateMachineArn != s.eng.Scope().StateMachineARN("orders") || created.RevisionId == "" || created.StateMachineVersionArn != "" {
		t.Errorf("create answered %+v", created)
	}
	described, err := sdk.DescribeStateMachine(ctx, &awssfn.DescribeStateMachineInput{StateMachineArn: aws.String(created.StateMachineArn)})
	if err != nil {
		t.Fatalf("DescribeStateMachine: %v", err)
	}
	if aws.ToString(described.Definition) != orderMachine || aws.ToString(described.RoleArn) != role || described.Type != "STANDARD" {
		t.Errorf("deployed machine: type %s, role %s, definition %.60q", described.Type, aws.ToString(described.RoleArn), aws.ToString(described.Definition))
	}

	refusals := []struct {
		name   string
		body   map[string]any
		status int
		want   string
	}{
		{"create an invalid definition", map[string]any{"action": "create", "name": "broken", "roleArn": role, "definition": brokenMachine},
			400, "InvalidDefinition: Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: These fields are required: [Resource] at /States/Fan/Branches[0]/States/Work"},
		{"create a taken name with another definition", map[string]any{"action": "create", "name": "orders", "roleArn": role, "definition": workMachine},
			400, "StateMachineAlreadyExists"},
		{"create with a bad name", map[string]any{"action": "create", "name": "has space", "roleArn": role, "definition": workMachine},
			400, "InvalidName"},
		{"update after someone else did", map[string]any{"action": "update", "stateMachineArn": created.StateMachineArn, "revisionId": "stale", "definition": workMachine},
			409, "changed by someone else"},
		{"update a machine that does not exist", map[string]any{"action": "update", "stateMachineArn": s.eng.Scope().StateMachineARN("nope"), "definition": workMachine},
			404, "nope"},
		{"unknown action", map[string]any{"action": "delete"}, 400, "action must be create, update or publish"},
	}
	for _, tt := range refusals {
		var got deployed
		status := s.postJSON(t, "/ui/api/deploy", tt.body, &got)
		if status != tt.status || !strings.Contains(got.Error, tt.want) {
			t.Errorf("%s: %d %q, want %d %q", tt.name, status, got.Error, tt.status, tt.want)
		}
	}

	var updated deployed
	status := s.postJSON(t, "/ui/api/deploy", map[string]any{"action": "update", "stateMachineArn": created.StateMachineArn,
		"revisionId": created.RevisionId, "definition": workMachine, "publish": true, "versionDescription": "work instead"}, &updated)
	if status != 200 || updated.RevisionId == created.RevisionId || !strings.HasSuffix(updated.StateMachineVersionArn, ":orders:1") {
		t.Fatalf("update: %d %+v", status, updated)
	}
	version, err := sdk.DescribeStateMachine(ctx, &awssfn.DescribeStateMachineInput{StateMachineArn: aws.String(updated.StateMachineVersionArn)})
	if err != nil {
		t.Fatalf("DescribeStateMachine version: %v", err)
	}
	if aws.ToString(version.Definition) != workMachine || aws.ToString(version.Description) != "work instead" {
		t.Errorf("version 1: description %q, definition %.60q", aws.ToString(version.Description), aws.ToString(version.Definition))
	}
	// Publishing the same revision again answers the same version, as on AWS.
	var published deployed
	if status := s.postJSON(t, "/ui/api/deploy", map[string]any{"action": "publish", "stateMachineArn": created.StateMachineArn}, &published); status != 200 || published.StateMachineVersionArn != updated.StateMachineVersionArn {
		t.Errorf("publish again: %d %+v, want %s", status, published, updated.StateMachineVersionArn)
	}
}
