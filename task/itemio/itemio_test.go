package itemio_test

import (
	"github.com/stepflow/stepflow/internal/jsonvalue"

	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stepflow/stepflow/asl"
	"github.com/stepflow/stepflow/engine"
	"github.com/stepflow/stepflow/interp"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/store/sqlite"
	"github.com/stepflow/stepflow/task"
	"github.com/stepflow/stepflow/task/itemio"
	"github.com/stepflow/stepflow/task/s3local"
)

// buckets makes a buckets directory with the people in three formats and an empty results bucket.
func buckets(t *testing.T) (string, *task.Router) {
	t.Helper()
	root := t.TempDir()
	files := map[string]string{
		"data/people.json":  `[{"name": "Ada"}, {"name": "Grace"}, {"name": "Lin"}]`,
		"data/people.csv":   "name,team\nAda,blue\nGrace,red\nLin,blue\n",
		"data/people.jsonl": "{\"name\": \"Ada\"}\n{\"name\": \"Grace\"}\n\n{\"name\": \"Lin\"}\n",
		"data/hello.txt":    "hello",
	}
	for name, text := range files {
		path := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(root, "results"), 0o755); err != nil {
		t.Fatal(err)
	}
	store, err := s3local.New(root)
	if err != nil {
		t.Fatal(err)
	}
	router := task.NewRouter()
	router.HandleService("s3", itemio.New(store, store))
	return root, router
}

func greeter(readerConfig, key, writer string) string {
	return `{"StartAt": "Greet", "States": {"Greet": {"Type": "Map", "Label": "Greeter",
	  "ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": ` + readerConfig + `,
	    "Parameters": {"Bucket": "data", "Key": "` + key + `"}},
	  "ItemSelector": {"name.$": "$$.Map.Item.Value.name"},
	  "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
	    "StartAt": "Hello", "States": {"Hello": {"Type": "Pass", "Parameters": {"greeting.$": "States.Format('Hello, {}', $.name)"}, "End": true}}}` +
		writer + `, "End": true}}}`
}

func run(t *testing.T, router *task.Router, definition string, input any) interp.Result {
	t.Helper()
	sm, diags := asl.Parse([]byte(definition), asl.ParseOptions{})
	if diags.HasErrors() {
		t.Fatalf("parse: %v", diags)
	}
	p, err := interp.Compile(sm, interp.Options{History: true, PayloadLimit: sfn.DefaultPayloadLimit})
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	scope := sfn.DefaultScope
	res, err := engine.Run(context.Background(), p, engine.RunOptions{Input: input, Invoker: router, VirtualTime: true,
		Info: interp.ExecutionInfo{ExecutionARN: scope.ExecutionARN("people", "e1"), ExecutionName: "e1",
			StateMachineARN: scope.StateMachineARN("people"), StateMachineName: "people", Seed: 7}})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return res
}

func encode(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

const greetings = `[{"greeting":"Hello, Ada"},{"greeting":"Hello, Grace"},{"greeting":"Hello, Lin"}]`

func TestReadItems(t *testing.T) {
	t.Parallel()
	_, router := buckets(t)
	cases := []struct {
		name, config, key string
		status            sfn.ExecutionStatus
		want              string // output, or "error: cause"
	}{
		{"JSON", `{"InputType": "JSON"}`, "people.json", sfn.StatusSucceeded, greetings},
		{"CSV with a header row", `{"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"}`, "people.csv", sfn.StatusSucceeded, greetings},
		{"JSON Lines", `{"InputType": "JSONL"}`, "people.jsonl", sfn.StatusSucceeded, greetings},
		{"MaxItems", `{"InputType": "JSONL", "MaxItems": 2}`, "people.jsonl", sfn.StatusSucceeded, `[{"greeting":"Hello, Ada"},{"greeting":"Hello, Grace"}]`},
		{"missing object", `{"InputType": "JSON"}`, "nobody.json", sfn.StatusFailed,
			"States.ItemReaderFailed: ItemReader: The specified key does not exist: s3://data/nobody.json (Service: S3, Status Code: 404, Error Code: NoSuchKey)"},
		{"not JSON", `{"InputType": "JSON"}`, "hello.txt", sfn.StatusFailed,
			"States.ItemReaderFailed: ItemReader: s3://data/hello.txt is not JSON: invalid character 'h' looking for beginning of value"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			res := run(t, router, greeter(c.config, c.key, ""), map[string]any{})
			got := encode(res.Output)
			if res.Status != sfn.StatusSucceeded {
				got = res.Error + ": " + res.Cause
			}
			if res.Status != c.status || got != c.want {
				t.Errorf("%s %s\nwant %s %s", res.Status, got, c.status, c.want)
			}
		})
	}
}

func TestWriteResults(t *testing.T) {
	t.Parallel()
	root, router := buckets(t)
	res := run(t, router, greeter(`{"InputType": "CSV"}`, "people.csv",
		`, "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "results", "Prefix": "runs"}}`), map[string]any{})
	if res.Status != sfn.StatusSucceeded {
		t.Fatalf("%s %s: %s", res.Status, res.Error, res.Cause)
	}
	out := jsonvalue.Plain(res.Output).(map[string]any)
	run, _ := out["MapRunArn"].(string)
	if !strings.HasPrefix(run, "arn:aws:states:us-east-1:123456789012:mapRun:people/Greeter:") {
		t.Fatalf("MapRunArn %q", run)
	}
	id := run[strings.LastIndex(run, ":")+1:]
	if want := `{"Bucket":"results","Key":"runs/` + id + `/manifest.json"}`; encode(out["ResultWriterDetails"]) != want {
		t.Errorf("ResultWriterDetails %s, want %s", encode(out["ResultWriterDetails"]), want)
	}
	entries, err := os.ReadDir(filepath.Join(root, "results", "runs", id))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{"SUCCEEDED_0.json", "manifest.json"}; !reflect.DeepEqual(names, want) {
		t.Errorf("files %v, want %v", names, want)
	}
	var records []map[string]any
	readJSON(t, filepath.Join(root, "results", "runs", id, "SUCCEEDED_0.json"), &records)
	if len(records) != 3 {
		t.Fatalf("%d records, want 3", len(records))
	}
	for i, who := range []string{"Ada", "Grace", "Lin"} {
		r := records[i]
		name, _ := r["Name"].(string)
		if r["ExecutionArn"] != "arn:aws:states:us-east-1:123456789012:execution:people/Greeter:"+name ||
			r["StateMachineArn"] != "arn:aws:states:us-east-1:123456789012:stateMachine:people/Greeter" || r["Status"] != "SUCCEEDED" ||
			r["Input"] != `{"name":"`+who+`"}` || r["Output"] != `{"greeting":"Hello, `+who+`"}` {
			t.Errorf("record %d: %s", i, encode(r))
		}
	}
	var manifest map[string]any
	readJSON(t, filepath.Join(root, "results", "runs", id, "manifest.json"), &manifest)
	files := manifest["ResultFiles"].(map[string]any)
	if manifest["DestinationBucket"] != "results" || manifest["MapRunArn"] != run || encode(files["FAILED"]) != "[]" {
		t.Errorf("manifest %s", encode(manifest))
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// A Task state's own s3:getObject still reaches the store.
func TestOtherRequestsPassThrough(t *testing.T) {
	t.Parallel()
	_, router := buckets(t)
	res := run(t, router, `{"StartAt": "Get", "States": {"Get": {"Type": "Task", "Resource": "arn:aws:states:::s3:getObject",
	  "Parameters": {"Bucket": "data", "Key": "hello.txt"}, "ResultSelector": {"body.$": "$.Body"}, "End": true}}}`, map[string]any{})
	if got := encode(res.Output); res.Status != sfn.StatusSucceeded || got != `{"body":"hello"}` {
		t.Errorf("%s %s (%s %s), want SUCCEEDED {\"body\":\"hello\"}", res.Status, got, res.Error, res.Cause)
	}
}

// The durable engine stores the reader's and writer's requests as dispatches and the items in
// its snapshot.
func TestDurableEngine(t *testing.T) {
	t.Parallel()
	root, router := buckets(t)
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "stepflow.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e, err := engine.New(engine.Config{Store: st, Invoker: router})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer e.Close(context.Background())
	cases := []struct {
		name, writer string
		check        func(t *testing.T, output string)
	}{
		{name: "read", check: func(t *testing.T, output string) {
			if output != greetings {
				t.Errorf("output %s, want %s", output, greetings)
			}
		}},
		{name: "read and write", writer: `, "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "results", "Prefix": "durable"}}`,
			check: func(t *testing.T, output string) {
				var out struct{ ResultWriterDetails struct{ Bucket, Key string } }
				if err := json.Unmarshal([]byte(output), &out); err != nil {
					t.Fatal(err)
				}
				var records []map[string]any
				readJSON(t, filepath.Join(root, "results", filepath.FromSlash(strings.Replace(out.ResultWriterDetails.Key, "manifest.json", "SUCCEEDED_0.json", 1))), &records)
				if len(records) != 3 || records[2]["Output"] != `{"greeting":"Hello, Lin"}` {
					t.Errorf("records %s", encode(records))
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			arn := e.Scope().StateMachineARN(strings.ReplaceAll(c.name, " ", "-"))
			if _, err := st.StateMachineCreate(context.Background(), &store.StateMachineCreateParams{ARN: arn, Name: strings.ReplaceAll(c.name, " ", "-"),
				Type: sfn.TypeStandard, Definition: greeter(`{"InputType": "JSON"}`, "people.json", c.writer), RoleARN: e.Scope().RoleARN("test"),
				RevisionID: "r1", CreatedDate: time.Now().UTC()}); err != nil {
				t.Fatal(err)
			}
			x, err := e.StartExecution(context.Background(), &engine.StartExecutionParams{StateMachineARN: arn, Name: "e1"})
			if err != nil {
				t.Fatal(err)
			}
			for deadline := time.Now().Add(20 * time.Second); x.Status == sfn.StatusRunning; time.Sleep(5 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatal("still running")
				}
				if x, err = st.ExecutionGetByARN(context.Background(), &store.ExecutionGetByARNParams{ARN: x.ARN}); err != nil {
					t.Fatal(err)
				}
			}
			if x.Status != sfn.StatusSucceeded || x.Output == nil {
				t.Fatalf("%s (%s %s), want SUCCEEDED", x.Status, x.Error, x.Cause)
			}
			c.check(t, *x.Output)
			page, err := st.HistoryEventList(context.Background(), &store.HistoryEventListParams{ExecutionARN: x.ARN, MaxResults: 100})
			if err != nil {
				t.Fatal(err)
			}
			var types []string
			for _, ev := range page.Events {
				types = append(types, string(ev.Type))
			}
			want := []string{"ExecutionStarted", "MapStateEntered", "MapStateStarted", "MapRunStarted", "MapRunSucceeded", "MapStateSucceeded", "MapStateExited", "ExecutionSucceeded"}
			if !reflect.DeepEqual(types, want) {
				t.Errorf("history %v\nwant    %v", types, want)
			}
		})
	}
}
