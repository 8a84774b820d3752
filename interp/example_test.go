package interp_test

import (
	"fmt"
	"time"

	"github.com/stepflow/stepflow/asl"
	"github.com/stepflow/stepflow/interp"
)

// An engine starts an execution, then answers its commands until it is done: here every
// task echoes its input and timers fire at once (virtual time).
func Example() {
	sm, diags := asl.Parse([]byte(`{"StartAt":"Greet","States":{
		"Greet":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"Payload.$":"States.Format('hello {}', $.name)"},
		         "ResultSelector":{"greeting.$":"$.Payload"},"Next":"Pause"},
		"Pause":{"Type":"Wait","Seconds":30,"End":true}}}`), asl.ParseOptions{})
	if diags.HasErrors() {
		panic(diags)
	}
	program, err := interp.Compile(sm, interp.Options{History: true})
	if err != nil {
		panic(err)
	}
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	exec, step := program.Start(interp.ExecutionInfo{ExecutionName: "demo", StartTime: now, Seed: 1}, map[string]any{"name": "world"})
	for !step.Done {
		var ev interp.Event
		for _, c := range step.Commands {
			switch c := c.(type) {
			case interp.InvokeTask:
				ev = interp.TaskSucceeded{TaskID: c.TaskID, Output: c.Input}
			case interp.StartTimer:
				now = c.FireAt
				ev = interp.TimerFired{TimerID: c.TimerID}
			}
		}
		for _, e := range step.Events {
			fmt.Println(e.ID, e.Type)
		}
		step = exec.Handle(ev, now)
	}
	for _, e := range step.Events {
		fmt.Println(e.ID, e.Type)
	}
	r := exec.Result()
	fmt.Println(r.Status, r.Output, now.Format(time.TimeOnly))
	// Output:
	// 1 ExecutionStarted
	// 2 TaskStateEntered
	// 3 TaskScheduled
	// 4 TaskStarted
	// 5 TaskSucceeded
	// 6 TaskStateExited
	// 7 WaitStateEntered
	// 8 WaitStateExited
	// 9 ExecutionSucceeded
	// SUCCEEDED {"greeting":"hello world"} 00:00:30
}
