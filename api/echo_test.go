package api

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// TestNoEchoOfSensitiveMembers: a definition, an input or a cause is never repeated in an
// error, whatever its size; AWS's message names the member without its value.
func TestNoEchoOfSensitiveMembers(t *testing.T) {
	t.Parallel()
	srv := startEdgeServer(t, nil)
	const marker = "SECRET-DEFINITION-TEXT"
	hugeDefinition := quoteJSON(`{"Comment":"` + marker + strings.Repeat("x", maxDefinitionLength) + `"}`)
	tooLong := func(field string, limit int) string {
		return "1 validation error detected: Value at '" + field + "' failed to satisfy constraint: Member must have length less than or equal to " + strconv.Itoa(limit)
	}
	tests := []struct {
		name, action, body, code, message string
	}{
		{"CreateStateMachine definition", "CreateStateMachine", `{"name":"m","roleArn":"` + edgeRoleARN + `","definition":` + hugeDefinition + `}`,
			"ValidationException", tooLong("definition", maxDefinitionLength)},
		{"UpdateStateMachine definition", "UpdateStateMachine", `{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:m","definition":` + hugeDefinition + `}`,
			"ValidationException", tooLong("definition", maxDefinitionLength)},
		{"ValidateStateMachineDefinition definition", "ValidateStateMachineDefinition", `{"definition":` + hugeDefinition + `}`,
			"ValidationException", tooLong("definition", maxDefinitionLength)},
		{"TestState definition", "TestState", `{"definition":` + hugeDefinition + `}`,
			"ValidationException", tooLong("definition", maxDefinitionLength)},
		{"StopExecution cause", "StopExecution", `{"executionArn":"arn:aws:states:us-east-1:123456789012:execution:m:e","cause":"` + marker + strings.Repeat("c", 32768) + `"}`,
			"ValidationException", tooLong("cause", 32768)},
		{"SendTaskFailure error", "SendTaskFailure", `{"taskToken":"t","error":"` + marker + strings.Repeat("e", 256) + `"}`,
			"ValidationException", tooLong("error", 256)},
		{"PublishStateMachineVersion description", "PublishStateMachineVersion", `{"stateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:m","description":"` + marker + strings.Repeat("d", 256) + `"}`,
			"ValidationException", tooLong("description", 256)},
		{"definition not JSON", "CreateStateMachine", `{"name":"m","roleArn":"` + edgeRoleARN + `","definition":` + quoteJSON(marker+strings.Repeat("z", 900_000)) + `}`,
			"InvalidDefinition", ""},
		{"definition with a huge resource", "CreateStateMachine", `{"name":"m","roleArn":"` + edgeRoleARN + `","definition":` +
			quoteJSON(`{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:lambda:`+marker+strings.Repeat("r", 900_000)+`","End":true}}}`) + `}`,
			"InvalidDefinition", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := srv.post(t, tt.action, tt.body)
			a.wantAWSError(t, http.StatusBadRequest, tt.code, tt.message)
			if len(a.raw) > 2*maxEchoLength+512 {
				t.Fatalf("the error is %d bytes long: %.300s", len(a.raw), a.raw)
			}
		})
	}
}

// TestLongValuesElided: the values AWS does repeat in its messages (ARNs, names, the action)
// are cut when a request carries megabytes of them.
func TestLongValuesElided(t *testing.T) {
	t.Parallel()
	srv := startEdgeServer(t, nil)
	long := strings.Repeat("r", 1_000_000)
	a := srv.post(t, "CreateStateMachine", `{"name":"m","roleArn":"`+long+`","definition":"{}"}`)
	a.wantAWSError(t, http.StatusBadRequest, "ValidationException",
		"1 validation error detected: Value '"+long[:maxEchoLength]+"... (1000000 bytes)' at 'roleArn' failed to satisfy constraint: Member must have length less than or equal to 256")
	a = srv.post(t, strings.Repeat("X", 100_000), `{}`)
	a.wantAWSError(t, http.StatusBadRequest, "UnknownOperationException", "")
	if len(a.raw) > maxEchoLength+512 {
		t.Fatalf("UnknownOperationException is %d bytes long", len(a.raw))
	}
	a = srv.post(t, "ListStateMachines", `{"maxResults":1`+strings.Repeat("0", 1_000_000)+`}`)
	a.wantAWSError(t, http.StatusBadRequest, "SerializationException", "")
	if len(a.raw) > 2*maxEchoLength+512 {
		t.Fatalf("SerializationException is %d bytes long", len(a.raw))
	}
}

// TestDeepExecutionInputRefused: execution input nested 100,000 levels deep (a 200 KB string,
// under the 256 KiB limit) is refused with InvalidExecutionInput; 1,000 levels run.
func TestDeepExecutionInputRefused(t *testing.T) {
	t.Parallel()
	srv := startEdgeServer(t, nil)
	created := srv.post(t, "CreateStateMachine", `{"name":"m","roleArn":"`+edgeRoleARN+`","definition":`+
		quoteJSON(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)+`,"type":"EXPRESS"}`)
	arn, _ := created.body["stateMachineArn"].(string)
	nested := func(depth int) string {
		return quoteJSON(strings.Repeat("[", depth) + strings.Repeat("]", depth))
	}
	want := "Invalid State Machine Execution Input: 'JSON nested deeper than 1000 levels'"
	for _, action := range []string{"StartExecution", "StartSyncExecution"} {
		for _, depth := range []int{1001, 100_000} {
			srv.post(t, action, `{"stateMachineArn":"`+arn+`","input":`+nested(depth)+`}`).
				wantAWSError(t, http.StatusBadRequest, "InvalidExecutionInput", want)
		}
	}
	a := srv.post(t, "StartSyncExecution", `{"stateMachineArn":"`+arn+`","input":`+nested(maxPayloadDepth)+`}`)
	if a.status != 200 || a.body["status"] != "SUCCEEDED" {
		t.Fatalf("input %d levels deep: %d %.300s", maxPayloadDepth, a.status, a.raw)
	}
	srv.post(t, "TestState", `{"definition":"{\"Type\":\"Pass\",\"End\":true}","input":`+nested(100_000)+`}`).
		wantAWSError(t, http.StatusBadRequest, "InvalidExecutionInput", want)
}

func TestDeeperThan(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		text  string
		limit int
		want  bool
	}{
		{`[[1]]`, 2, false},
		{`[[[1]]]`, 2, true},
		{`{"a":{"b":1}}`, 2, false},
		{`{"a":{"b":{}}}`, 2, true},
		{`["[[[[", "\"[[[["]`, 1, false},
		{`"\\"`, 0, false},
		{`[[],[],[]]`, 2, false},
	} {
		if got := deeperThan(tt.text, tt.limit); got != tt.want {
			t.Errorf("deeperThan(%s, %d) = %v, want %v", tt.text, tt.limit, got, tt.want)
		}
	}
}

// TestDeepTaskOutputRefused: an activity worker's output nested deeper than 1,000 levels is
// refused with InvalidOutput, and the task still takes a good answer.
func TestDeepTaskOutputRefused(t *testing.T) {
	t.Parallel()
	srv := startEdgeServer(t, nil)
	act := srv.post(t, "CreateActivity", `{"name":"work"}`)
	activityARN, _ := act.body["activityArn"].(string)
	def := `{"StartAt":"W","States":{"W":{"Type":"Task","Resource":"` + activityARN + `","End":true}}}`
	created := srv.post(t, "CreateStateMachine", `{"name":"m","roleArn":"`+edgeRoleARN+`","definition":`+quoteJSON(def)+`}`)
	machineARN, _ := created.body["stateMachineArn"].(string)
	srv.post(t, "StartExecution", `{"stateMachineArn":"`+machineARN+`"}`)
	task := srv.post(t, "GetActivityTask", `{"activityArn":"`+activityARN+`"}`)
	token, _ := task.body["taskToken"].(string)
	if token == "" {
		t.Fatalf("GetActivityTask: %s", task.raw)
	}
	deep := quoteJSON(strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000))
	srv.post(t, "SendTaskSuccess", `{"taskToken":`+quoteJSON(token)+`,"output":`+deep+`}`).
		wantAWSError(t, http.StatusBadRequest, "InvalidOutput", "Invalid Output: 'JSON nested deeper than 1000 levels'")
	if a := srv.post(t, "SendTaskSuccess", `{"taskToken":`+quoteJSON(token)+`,"output":"[]"}`); a.status != 200 {
		t.Fatalf("SendTaskSuccess after the refused one: %d %s", a.status, a.raw)
	}
}
