package ui_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/stepflow/stepflow/ui"
)

type taskTemplate struct {
	Group, Label, Resource string
	Parameters             map[string]any
}

func getTemplates(t *testing.T, s *uiServer) []taskTemplate {
	t.Helper()
	resp, err := http.Get(s.URL + "/ui/api/editor/task-templates")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct{ Templates []taskTemplate }
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("task templates: %s", resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out.Templates
}

func TestTaskTemplates(t *testing.T) {
	s := startServerWith(t, nil, ui.WithTaskCatalog(ui.TaskCatalog{
		Functions:      []string{"resize", "charge"},
		HTTPAllowHosts: []string{"*.example.com"},
		AWSAllow:       []string{"dynamodb", "sqs:sendMessage"},
		Jobs:           []string{"report"},
	}))
	sdk := s.sdk()
	ctx := context.Background()
	if _, err := sdk.CreateActivity(ctx, &awssfn.CreateActivityInput{Name: aws.String("approve")}); err != nil {
		t.Fatal(err)
	}
	if _, err := sdk.CreateStateMachine(ctx, &awssfn.CreateStateMachineInput{
		Name: aws.String("child"), Definition: aws.String(editorMachine), RoleArn: aws.String(s.eng.Scope().RoleARN("r")),
	}); err != nil {
		t.Fatal(err)
	}
	got := map[string]taskTemplate{}
	var order []string
	for _, tt := range getTemplates(t, s) {
		got[tt.Group+"/"+tt.Label] = tt
		order = append(order, tt.Group+"/"+tt.Label)
	}
	want := []string{"Functions/charge", "Functions/resize", "HTTP Tasks/*.example.com", "Activities/approve",
		"Nested executions/child", "AWS SDK/sqs:sendMessage", "Batch jobs/report"}
	if len(order) != len(want) {
		t.Fatalf("templates %q, want %q", order, want)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Errorf("template %d = %q, want %q", i, order[i], want[i])
		}
	}
	if f := got["Functions/resize"]; f.Resource != "arn:aws:states:::lambda:invoke" ||
		f.Parameters["FunctionName"] != "arn:aws:lambda:us-east-1:123456789012:function:resize" || f.Parameters["Payload.$"] != "$" {
		t.Errorf("function template: %+v", f)
	}
	if h := got["HTTP Tasks/*.example.com"]; h.Resource != "arn:aws:states:::http:invoke" || h.Parameters["ApiEndpoint"] != "https://api.example.com/" {
		t.Errorf("HTTP template: %+v", h)
	}
	if a := got["Activities/approve"]; a.Resource != s.eng.Scope().ActivityARN("approve") {
		t.Errorf("activity template: %+v", a)
	}
	if n := got["Nested executions/child"]; n.Resource != "arn:aws:states:::states:startExecution.sync:2" || n.Parameters["StateMachineArn"] != s.eng.Scope().StateMachineARN("child") {
		t.Errorf("nested template: %+v", n)
	}
	if a := got["AWS SDK/sqs:sendMessage"]; a.Resource != "arn:aws:states:::aws-sdk:sqs:sendMessage" {
		t.Errorf("AWS SDK template: %+v", a)
	}

	// Without a catalog, the store's activities and state machines are still offered.
	plain := startServer(t, nil)
	if n := len(getTemplates(t, plain)); n != 0 {
		t.Errorf("an empty server offers %d templates", n)
	}
}
