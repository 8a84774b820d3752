package function_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/stepflow/stepflow/asl"
	"github.com/stepflow/stepflow/engine"
	"github.com/stepflow/stepflow/interp"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/task"
	"github.com/stepflow/stepflow/task/function"
)

// Embedding Stepflow as a Go library: a Go func serves a Lambda resource, and a definition
// written for AWS runs unchanged, its Retry included, on virtual time.
func Example() {
	calls := 0
	registry := function.NewRegistry(sfn.DefaultScope)
	registry.Register("greet", function.GoFunc(func(ctx context.Context, input any) (any, error) {
		calls++
		if calls == 1 { // a *task.Error's Name is the error a Retry or Catch matches
			return nil, &task.Error{Name: "Greeter.Busy", Cause: "try again"}
		}
		name, _ := input.(map[string]any)["name"].(string)
		return map[string]any{"greeting": "Hello, " + name}, nil
	}))
	router := task.NewRouter()
	router.HandleLambda(registry)            // arn:aws:lambda:REGION:ACCOUNT:function:NAME
	router.HandleService("lambda", registry) // arn:aws:states:::lambda:invoke

	definition := `{
	  "StartAt": "Greet",
	  "States": {
	    "Greet": {
	      "Type": "Task",
	      "Resource": "arn:aws:states:::lambda:invoke",
	      "Parameters": {"FunctionName": "greet", "Payload.$": "$"},
	      "ResultSelector": {"text.$": "$.Payload.greeting"},
	      "Retry": [{"ErrorEquals": ["Greeter.Busy"], "IntervalSeconds": 60}],
	      "End": true
	    }
	  }
	}`
	sm, diags := asl.Parse([]byte(definition), asl.ParseOptions{})
	if diags.HasErrors() {
		fmt.Println(diags)
		return
	}
	program, err := interp.Compile(sm, interp.Options{PayloadLimit: sfn.DefaultPayloadLimit})
	if err != nil {
		fmt.Println(err)
		return
	}
	result, err := engine.Run(context.Background(), program, engine.RunOptions{
		Info:        interp.ExecutionInfo{ExecutionARN: sfn.DefaultScope.ExecutionARN("greeter", "example"), StateMachineName: "greeter"},
		Input:       map[string]any{"name": "Ada"},
		Invoker:     router,
		VirtualTime: true, // the 60-second retry interval passes at once
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	output, _ := json.Marshal(result.Output)
	fmt.Println(result.Status, string(output), "after", calls, "calls")
	// Output: SUCCEEDED {"text":"Hello, Ada"} after 2 calls
}
