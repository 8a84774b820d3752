package interp

import (
	"github.com/stepflow/stepflow/internal/jsonvalue"

	"reflect"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/sfn"
)

// mapIOMachine is a Distributed Map over an ItemReader (or its input), with extra fields.
func mapIOMachine(mapFields, processor string) string {
	if processor == "" {
		processor = `"StartAt": "Inner", "States": {"Inner": {"Type": "Pass", "End": true}}`
	}
	return `{"StartAt": "MapState", "States": {"MapState": {"Type": "Map", ` + mapFields + `,
	  "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, ` + processor + `},
	  "End": true}}}`
}

const csvReader = `"ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
	  "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
	  "Parameters": {"Bucket.$": "$.Bucket", "Key.$": "$.Key"}}`

func readerWithMaxItemsPath() string {
	return `"ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
	  "ReaderConfig": {"InputType": "CSV", "MaxItemsPath": "$.MaxItems"},
	  "Parameters": {"Bucket.$": "$.Bucket", "Key.$": "$.Key"}}`
}

// AWS's recorded histories of a Distributed Map that reads its items (MapStateStarted has
// length 0, no Task event for the reader) and of one whose reader fails.
var (
	readerSucceeded = []string{"1 0 ExecutionStarted", "2 0 MapStateEntered", "3 2 MapStateStarted", "4 3 MapRunStarted",
		"5 4 MapRunSucceeded", "6 5 MapStateSucceeded", "7 5 MapStateExited", "8 7 ExecutionSucceeded"}
	readerFailed = []string{"1 0 ExecutionStarted", "2 0 MapStateEntered", "3 2 MapStateStarted", "4 3 MapRunStarted",
		"5 4 MapRunFailed", "6 5 MapStateFailed", "7 6 ExecutionFailed"}
)

func TestItemReader(t *testing.T) {
	t.Parallel()
	items := `[{"name": "Ada", "fail": "no"}, {"name": "Grace", "fail": "yes"}, {"name": "Lin", "fail": "no"}]`
	failing := `"StartAt": "Check", "States": {"Check": {"Type": "Choice",
	  "Choices": [{"Variable": "$.fail", "StringEquals": "yes", "Next": "Boom"}], "Default": "Done"},
	  "Boom": {"Type": "Fail", "Error": "Item.Bad", "Cause": "bad item"}, "Done": {"Type": "Pass", "End": true}}`
	cases := []struct {
		name       string
		definition string
		input      string
		answer     func(InvokeTask) Event // the reader's answer; nil: no reader call is expected
		request    string                 // the reader's expected Input
		status     sfn.ExecutionStatus
		output     string // or "error: cause"
		history    []string
	}{
		{name: "CSV items", definition: mapIOMachine(csvReader, ""), input: `{"Bucket": "b", "Key": "k.csv"}`,
			answer:  answerItems(items),
			request: `{"Stepflow.ItemReader": {"Parameters": {"Bucket": "b", "Key": "k.csv"}, "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"}}}`,
			status:  sfn.StatusSucceeded, output: items, history: readerSucceeded},
		{name: "ItemsPath is ignored", definition: mapIOMachine(`"ItemsPath": "$.elsewhere", `+csvReader, ""),
			input: `{"Bucket": "b", "Key": "k.csv", "elsewhere": [1]}`, answer: answerItems(`[1, 2]`),
			request: `{"Stepflow.ItemReader": {"Parameters": {"Bucket": "b", "Key": "k.csv"}, "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"}}}`,
			status:  sfn.StatusSucceeded, output: `[1, 2]`, history: readerSucceeded},
		{name: "batches and ItemSelector", input: `{"Bucket": "b", "Key": "k.csv", "team": "blue"}`,
			definition: mapIOMachine(csvReader+`, "ItemSelector": {"who.$": "$$.Map.Item.Value.name", "team.$": "$.team"},
			  "ItemBatcher": {"MaxItemsPerBatch": 2, "BatchInput": {"run": 1}}`, ""),
			answer:  answerItems(items),
			request: `{"Stepflow.ItemReader": {"Parameters": {"Bucket": "b", "Key": "k.csv"}, "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"}}}`,
			status:  sfn.StatusSucceeded,
			output: `[{"BatchInput": {"run": 1}, "Items": [{"who": "Ada", "team": "blue"}, {"who": "Grace", "team": "blue"}]},
			          {"BatchInput": {"run": 1}, "Items": [{"who": "Lin", "team": "blue"}]}]`,
			history: readerSucceeded},
		{name: "tolerated failures", input: `{"Bucket": "b", "Key": "k.csv"}`,
			definition: mapIOMachine(csvReader+`, "ToleratedFailureCount": 1`, failing),
			answer:     answerItems(items),
			request:    `{"Stepflow.ItemReader": {"Parameters": {"Bucket": "b", "Key": "k.csv"}, "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"}}}`,
			status:     sfn.StatusSucceeded,
			output:     `[{"name": "Ada", "fail": "no"}, {"Error": "Item.Bad", "Cause": "bad item"}, {"name": "Lin", "fail": "no"}]`,
			history:    readerSucceeded},
		{name: "too many failures", input: `{"Bucket": "b", "Key": "k.csv"}`,
			definition: mapIOMachine(csvReader+`, "ToleratedFailureCount": 0`, failing),
			answer:     answerItems(items),
			request:    `{"Stepflow.ItemReader": {"Parameters": {"Bucket": "b", "Key": "k.csv"}, "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"}}}`,
			status:     sfn.StatusFailed, output: "States.ExceedToleratedFailureThreshold: The specified tolerated failure threshold was exceeded",
			history: readerFailed},
		{name: "not an array", definition: mapIOMachine(csvReader, ""), input: `{"Bucket": "b", "Key": "k.csv"}`,
			answer:  answerItems(`{"Col1": "x"}`),
			request: `{"Stepflow.ItemReader": {"Parameters": {"Bucket": "b", "Key": "k.csv"}, "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"}}}`,
			status:  sfn.StatusFailed, output: "States.ItemReaderFailed: Attempting to map over non-iterable node.", history: readerFailed},
		{name: "reader fails", definition: mapIOMachine(csvReader, ""), input: `{"Bucket": "b", "Key": "k.csv"}`,
			answer: func(inv InvokeTask) Event {
				return TaskFailed{TaskID: inv.TaskID, Error: sfn.ErrorRuntime, Cause: "no task runner is configured for resource arn:aws:states:::s3:getObject"}
			},
			request: `{"Stepflow.ItemReader": {"Parameters": {"Bucket": "b", "Key": "k.csv"}, "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"}}}`,
			status:  sfn.StatusFailed, output: "States.ItemReaderFailed: no task runner is configured for resource arn:aws:states:::s3:getObject",
			history: readerFailed},
		{name: "MaxItemsPath", definition: mapIOMachine(readerWithMaxItemsPath(), ""), input: `{"Bucket": "b", "Key": "k.csv", "MaxItems": 2}`,
			answer:  answerItems(`[1, 2]`),
			request: `{"Stepflow.ItemReader": {"Parameters": {"Bucket": "b", "Key": "k.csv"}, "ReaderConfig": {"InputType": "CSV", "MaxItems": 2}}}`,
			status:  sfn.StatusSucceeded, output: `[1, 2]`, history: readerSucceeded},
		{name: "MaxItemsPath not an integer", definition: mapIOMachine(readerWithMaxItemsPath(), ""),
			input:   `{"Bucket": "b", "Key": "k.csv", "MaxItems": 1.5}`,
			status:  sfn.StatusFailed,
			output:  `States.Runtime: An error occurred while executing the state 'MapState' (entered at the event id #2). The MaxItemsPath field refers to value "1.5" which is not a valid integer: $.MaxItems`,
			history: []string{"1 0 ExecutionStarted", "2 0 MapStateEntered", "3 2 MapStateStarted", "4 3 ExecutionFailed"}},
		{name: "MaxItemsPath negative", definition: mapIOMachine(readerWithMaxItemsPath(), ""),
			input:  `{"Bucket": "b", "Key": "k.csv", "MaxItems": -1}`,
			status: sfn.StatusFailed, output: "States.ItemReaderFailed: field MaxItems must be positive", history: readerFailed},
		{name: "JSONata Arguments and MaxItems",
			definition: `{"QueryLanguage": "JSONata", "StartAt": "MapState", "States": {"MapState": {"Type": "Map",
			  "ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "JSON", "MaxItems": "{% $maxItems := 2 %}"},
			    "Arguments": {"Bucket": "{% $states.input.Bucket %}", "Key": "{% $states.input.Key %}"}},
			  "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
			    "StartAt": "Inner", "States": {"Inner": {"Type": "Pass", "End": true}}}, "End": true}}}`,
			input: `{"Bucket": "b", "Key": "k.json"}`, answer: answerItems(`["x", "y"]`),
			request: `{"Stepflow.ItemReader": {"Parameters": {"Bucket": "b", "Key": "k.json"}, "ReaderConfig": {"InputType": "JSON", "MaxItems": 2}}}`,
			status:  sfn.StatusSucceeded, output: `["x", "y"]`, history: readerSucceeded},
	}
	for _, c := range cases {
		for _, restore := range []int{0, 1} {
			t.Run(c.name+map[int]string{0: "", 1: " restored"}[restore], func(t *testing.T) {
				t.Parallel()
				p := compile(t, c.definition, Options{History: true})
				var requests []InvokeTask
				d := &driver{t: t, restoreAfter: restore, tasks: func(inv InvokeTask) Event {
					requests = append(requests, inv)
					if c.answer == nil {
						return nil
					}
					return c.answer(inv)
				}}
				res := d.run(p, decode(t, c.input)).Result()
				if c.answer == nil && len(requests) > 0 {
					t.Fatalf("the reader was called: %s", encodeJSON(requests))
				}
				if c.answer != nil {
					if len(requests) != 1 {
						t.Fatalf("%d reader calls, want 1", len(requests))
					}
					if r := requests[0]; r.Resource != "arn:aws:states:::s3:getObject" || r.StateName != "MapState" || !jsonEqual(r.Input, decode(t, c.request)) {
						t.Errorf("reader call %s %s %s, want arn:aws:states:::s3:getObject MapState %s", r.Resource, r.StateName, encodeJSON(r.Input), c.request)
					}
				}
				checkResult(t, res, c.status, c.output)
				if got := historyLines(d.events); !reflect.DeepEqual(got, c.history) {
					t.Errorf("history\n got %q\nwant %q", got, c.history)
				}
			})
		}
	}
}

func answerItems(items string) func(InvokeTask) Event {
	return func(inv InvokeTask) Event {
		return TaskSucceeded{TaskID: inv.TaskID, Output: decodeJSONText(items)}
	}
}

func decodeJSONText(s string) any {
	v, err := jsonvalue.Decode([]byte(s))
	if err != nil {
		panic(err)
	}
	return v
}

// checkResult compares an execution's end with a status and its output, or "error: cause".
func checkResult(t *testing.T, res Result, status sfn.ExecutionStatus, output string) {
	t.Helper()
	if res.Status != status {
		t.Fatalf("status %s (%s: %s), want %s", res.Status, res.Error, res.Cause, status)
	}
	if status == sfn.StatusSucceeded {
		if !jsonEqual(res.Output, decodeJSONText(output)) {
			t.Errorf("output %s\nwant   %s", encodeJSON(res.Output), output)
		}
	} else if got := res.Error + ": " + res.Cause; got != output {
		t.Errorf("failure %q\nwant    %q", got, output)
	}
}

func TestResultWriter(t *testing.T) {
	t.Parallel()
	writer := `"Label": "TestMap", "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "result-bucket", "Prefix": "mapJobs"}}`
	written := `{"MapRunArn": "RUN", "ResultWriterDetails": {"Bucket": "result-bucket", "Key": "mapJobs/ID/manifest.json"}}`
	cases := []struct {
		name, fields string
		processor    string
		answer       func(InvokeTask) Event
		children     string // the expected Children, without names, ARNs and dates
		status       sfn.ExecutionStatus
		output       string
		history      []string
		written      int64 // the map run's resultsWritten
	}{
		{name: "writes", fields: writer, answer: answerItems(written), written: 2,
			children: `[{"Status": "SUCCEEDED", "Input": "Hello", "Output": "Hello"}, {"Status": "SUCCEEDED", "Input": "World", "Output": "World"}]`,
			status:   sfn.StatusSucceeded, output: written,
			history: []string{"1 0 ExecutionStarted", "2 0 MapStateEntered", "3 2 MapStateStarted", "4 3 MapRunStarted",
				"5 4 MapRunSucceeded", "6 5 MapStateSucceeded", "7 5 MapStateExited", "8 7 ExecutionSucceeded"}},
		{name: "tolerated failure", fields: writer + `, "ToleratedFailureCount": 1`, answer: answerItems(written), written: 2,
			processor: `"StartAt": "Check", "States": {"Check": {"Type": "Choice", "Choices": [{"Variable": "$", "StringEquals": "World", "Next": "Boom"}], "Default": "Done"},
			  "Boom": {"Type": "Fail", "Error": "Bad", "Cause": "world"}, "Done": {"Type": "Pass", "End": true}}`,
			children: `[{"Status": "SUCCEEDED", "Input": "Hello", "Output": "Hello"}, {"Status": "FAILED", "Input": "World", "Error": "Bad", "Cause": "world"}]`,
			status:   sfn.StatusSucceeded, output: written,
			history: []string{"1 0 ExecutionStarted", "2 0 MapStateEntered", "3 2 MapStateStarted", "4 3 MapRunStarted",
				"5 4 MapRunSucceeded", "6 5 MapStateSucceeded", "7 5 MapStateExited", "8 7 ExecutionSucceeded"}},
		{name: "writer fails", fields: writer,
			answer: func(inv InvokeTask) Event {
				return TaskFailed{TaskID: inv.TaskID, Error: sfn.ErrorResultWriterFailed, Cause: "ResultWriter: the bucket is gone"}
			},
			children: `[{"Status": "SUCCEEDED", "Input": "Hello", "Output": "Hello"}, {"Status": "SUCCEEDED", "Input": "World", "Output": "World"}]`,
			status:   sfn.StatusFailed, output: "States.ResultWriterFailed: ResultWriter: the bucket is gone",
			history: []string{"1 0 ExecutionStarted", "2 0 MapStateEntered", "3 2 MapStateStarted", "4 3 MapRunStarted",
				"5 4 MapRunFailed", "6 5 MapStateFailed", "7 6 ExecutionFailed"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := compile(t, mapIOMachine(c.fields, c.processor), Options{History: true})
			var requests []InvokeTask
			d := &driver{t: t, restoreAfter: 1, tasks: func(inv InvokeTask) Event {
				requests = append(requests, inv)
				return c.answer(inv)
			}}
			e := d.run(p, decode(t, `["Hello", "World"]`))
			res := e.Result()
			checkResult(t, res, c.status, c.output)
			if got := historyLines(d.events); !reflect.DeepEqual(got, c.history) {
				t.Errorf("history\n got %q\nwant %q", got, c.history)
			}
			if len(requests) != 1 || requests[0].Resource != "arn:aws:states:::s3:putObject" {
				t.Fatalf("writer calls %+v, want one to arn:aws:states:::s3:putObject", requests)
			}
			req := requests[0].Input.(map[string]any)[ResultWriterRequest].(map[string]any)
			run := d.events[3].MapRunStartedEventDetails.MapRunArn
			if summary, _ := e.State().MapRun(run); summary.Executions.ResultsWritten != c.written || summary.Items.ResultsWritten != c.written {
				t.Errorf("map run %+v, want %d results written", summary, c.written)
			}
			if req["MapRunArn"] != run || !jsonEqual(req["Parameters"], decode(t, `{"Bucket": "result-bucket", "Prefix": "mapJobs"}`)) {
				t.Errorf("writer request MapRunArn %v Parameters %s, want %s and the Parameters", req["MapRunArn"], encodeJSON(req["Parameters"]), run)
			}
			prefix := "arn:aws:states:us-east-1:123456789012:execution:machine/TestMap:"
			for _, child := range req["Children"].([]any) {
				m := child.(map[string]any)
				if m["ExecutionArn"] != prefix+m["Name"].(string) || m["StateMachineArn"] != "arn:aws:states:us-east-1:123456789012:stateMachine:machine/TestMap" ||
					m["StartDate"] != "2024-01-01T00:00:00.000Z" || m["StopDate"] != "2024-01-01T00:00:00.000Z" || !strings.HasPrefix(run, "arn:aws:states:us-east-1:123456789012:mapRun:machine/TestMap:") {
					t.Errorf("child %s: want ARN %sNAME of machine/TestMap, dates of the test's start", encodeJSON(m), prefix)
				}
				for _, k := range []string{"ExecutionArn", "Name", "StateMachineArn", "StartDate", "StopDate"} {
					delete(m, k)
				}
			}
			if !jsonEqual(req["Children"], decode(t, c.children)) {
				t.Errorf("children %s\nwant     %s", encodeJSON(req["Children"]), c.children)
			}
		})
	}
}

func TestWriterConfigOnly(t *testing.T) {
	t.Parallel()
	processor := `"StartAt": "Split", "States": {"Split": {"Type": "Pass", "Parameters": {"pair.$": "States.Array($, $)"}, "OutputPath": "$.pair", "End": true}}`
	cases := []struct {
		name, config string
		status       sfn.ExecutionStatus
		output       string
	}{
		{"COMPACT", `{"Transformation": "COMPACT", "OutputType": "JSON"}`, sfn.StatusSucceeded, `[["a", "a"], ["b", "b"]]`},
		{"FLATTEN", `{"Transformation": "FLATTEN", "OutputType": "JSON"}`, sfn.StatusSucceeded, `["a", "a", "b", "b"]`},
		{"NONE", `{"Transformation": "NONE", "OutputType": "JSON"}`, sfn.StatusFailed,
			"States.ResultWriterFailed: WriterConfig.Transformation NONE is not supported without a Resource: Stepflow supports COMPACT and FLATTEN"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := compile(t, mapIOMachine(`"ResultWriter": {"WriterConfig": `+c.config+`}`, processor), Options{History: true})
			d := &driver{t: t}
			checkResult(t, d.run(p, decode(t, `["a", "b"]`)).Result(), c.status, c.output)
		})
	}
}
