package aslgraph

import (
	"testing"

	"github.com/stepflow/stepflow/asl"
)

func TestLoopsWithoutWaiting(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, definition string
		want             bool
	}{
		{"straight line", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Succeed"}}}`, false},
		{"issue 20's Pass/Choice loop", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Choice","Choices":[{"Variable":"$.never","IsPresent":true,"Next":"E"}],"Default":"A"},"E":{"Type":"Succeed"}}}`, true},
		{"loop through a Wait", `{"StartAt":"A","States":{"A":{"Type":"Wait","Seconds":1,"Next":"B"},"B":{"Type":"Choice","Choices":[{"Variable":"$.x","IsPresent":true,"Next":"E"}],"Default":"A"},"E":{"Type":"Succeed"}}}`, false},
		{"loop through a Task", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","Next":"B"},"B":{"Type":"Choice","Choices":[{"Variable":"$.x","IsPresent":true,"Next":"E"}],"Default":"A"},"E":{"Type":"Succeed"}}}`, false},
		{"Parallel caught into itself", `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"F","States":{"F":{"Type":"Fail"}}}],"Catch":[{"ErrorEquals":["States.ALL"],"Next":"P"}],"End":true}}}`, true},
		{"loop inside a Map", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Choice","Choices":[{"Variable":"$.x","IsPresent":true,"Next":"E"}],"Default":"A"},"E":{"Type":"Succeed"}}},"End":true}}}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sm, diags := asl.Parse([]byte(tt.definition), asl.ParseOptions{})
			if diags.HasErrors() {
				t.Fatalf("parse: %v", diags)
			}
			if got := LoopsWithoutWaiting(sm); got != tt.want {
				t.Fatalf("LoopsWithoutWaiting = %v, want %v", got, tt.want)
			}
		})
	}
	if LoopsWithoutWaiting(nil) {
		t.Fatal("a nil machine loops")
	}
}
