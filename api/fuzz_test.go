package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stepflow/stepflow/asl"
	"github.com/stepflow/stepflow/engine"
	"github.com/stepflow/stepflow/internal/aslgraph"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store/sqlite"
	"github.com/stepflow/stepflow/task"
	"github.com/stepflow/stepflow/task/mock"
)

const (
	fuzzStandardARN = "arn:aws:states:us-east-1:123456789012:stateMachine:fuzz-standard"
	fuzzExpressARN  = "arn:aws:states:us-east-1:123456789012:stateMachine:fuzz-express"
	fuzzActivityARN = "arn:aws:states:us-east-1:123456789012:activity:fuzz-activity"
	fuzzRoleARN     = "arn:aws:iam::123456789012:role/FuzzRole"
)

// fuzzDefinition is the fixture machines' definition: a Pass, a Task whose answer comes from
// the mock file (or fails as unconfigured), and a Map over the input's items.
const fuzzDefinition = `{"StartAt":"P","States":{"P":{"Type":"Pass","Next":"T"},` +
	`"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","Catch":[{"ErrorEquals":["States.ALL"],"Next":"M"}],"Next":"M"},` +
	`"M":{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"End":true}}}`

const fuzzMocks = `{"StateMachines":{"fuzz-standard":{"TestCases":{"Happy":{"T":"OK"}}}},"MockedResponses":{"OK":{"0":{"Return":{"ok":true}}}}}`

// fuzzServer is the real API handler on a real SQLite file, served over HTTP, with fixture
// resources the fuzzed requests can name.
type fuzzServer struct {
	url    string
	client *http.Client
}

func startFuzzServer(f *testing.F) *fuzzServer {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(f.TempDir(), "stepflow.db"))
	if err != nil {
		f.Fatalf("open store: %v", err)
	}
	mocks, err := mock.ParseConfig([]byte(fuzzMocks), "mocks.json")
	if err != nil {
		f.Fatal(err)
	}
	router := task.NewRouter()
	router.HandleOther(mock.Unconfigured)
	invoker := mock.New(mocks, router)
	scope := sfn.Scope{Partition: "aws", Region: "us-east-1", Account: "123456789012"}
	eng, err := engine.New(engine.Config{Store: st, Invoker: invoker, Scope: scope, NodeID: "fuzz"})
	if err != nil {
		f.Fatalf("engine: %v", err)
	}
	engineCtx, stopEngine := context.WithCancel(ctx)
	if err := eng.Start(engineCtx); err != nil {
		f.Fatalf("start engine: %v", err)
	}
	// The activity long poll is the one setting shortened: at AWS's 60 s every fuzzed
	// GetActivityTask would wait a minute. Nothing else depends on it.
	handler, err := New(Config{Engine: eng, Invoker: invoker, Mocks: invoker, ActivityPollTimeout: 100 * time.Millisecond})
	if err != nil {
		f.Fatalf("api: %v", err)
	}
	srv := httptest.NewServer(handler)
	f.Cleanup(func() {
		srv.Close()
		handler.Close()
		stopEngine()
		eng.Close(context.Background())
		st.Close()
	})
	s := &fuzzServer{url: srv.URL, client: srv.Client()}
	for _, fixture := range []struct{ action, body string }{
		{"CreateStateMachine", `{"name":"fuzz-standard","roleArn":"` + fuzzRoleARN + `","definition":` + jsonString(fuzzDefinition) + `}`},
		{"CreateStateMachine", `{"name":"fuzz-express","type":"EXPRESS","roleArn":"` + fuzzRoleARN + `","definition":` + jsonString(fuzzDefinition) + `}`},
		{"CreateActivity", `{"name":"fuzz-activity"}`},
		{"StartExecution", `{"stateMachineArn":"` + fuzzStandardARN + `","name":"fixture","input":"{\"items\":[1,2]}"}`},
	} {
		status, body, err := s.post(ctx, fixture.action, []byte(fixture.body))
		if err != nil || status != http.StatusOK {
			f.Fatalf("fixture %s: %d %s %v", fixture.action, status, body, err)
		}
	}
	return s
}

func jsonString(s string) string {
	data, _ := json.Marshal(s)
	return string(data)
}

func (s *fuzzServer) post(ctx context.Context, action string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url+"/", bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", targetPrefix+action)
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		if code := resp.Header.Get("X-Amzn-ErrorType"); code == "" {
			err = errors.New("error answer without X-Amzn-ErrorType")
		} else {
			var shape struct {
				Type    string `json:"__type"`
				Message string `json:"message"`
			}
			if jerr := json.Unmarshal(data, &shape); jerr != nil || shape.Type != code {
				err = errors.New("error answer is not AWS's shape (__type matching X-Amzn-ErrorType)")
			}
		}
	}
	if err == nil && resp.Header.Get("x-amzn-RequestId") == "" {
		err = errors.New("answer without x-amzn-RequestId")
	}
	return resp.StatusCode, data, err
}

// runsForever reports whether a request body carries a definition (a machine's, or
// TestState's single state) that loops without waiting: the interpreter runs such a loop
// without end until it caps histories, which other work on this issue adds.
func runsForever(body []byte) bool {
	var in struct {
		Definition string `json:"definition"`
	}
	if json.Unmarshal(body, &in) != nil || in.Definition == "" {
		return false
	}
	for _, def := range []string{in.Definition, `{"StartAt":"S","States":{"S":` + in.Definition + `}}`} {
		if sm, _ := asl.Parse([]byte(def), asl.ParseOptions{}); aslgraph.LoopsWithoutWaiting(sm) {
			return true
		}
	}
	return false
}

// FuzzRequest sends fuzzed bodies for every action to the real handler over HTTP, on a real
// SQLite store with fixture machines, an activity and an execution the bodies can name.
// Every answer must be a 200 with a JSON body, or a 4xx in AWS's error shape (__type and
// message, the code also in X-Amzn-ErrorType); never a 5xx, never a dropped connection.
// A StartSyncExecution may run as long as its execution does and is given up after a few
// seconds; every other action must answer within them.
func FuzzRequest(f *testing.F) {
	s := startFuzzServer(f)
	actions := (&Server{actions: (&Server{}).routes()}).Actions()
	index := make(map[string]uint8, len(actions))
	for i, a := range actions {
		index[a] = uint8(i)
	}
	seeds := map[string][]string{
		"CreateStateMachine":             {`{"name":"m1","roleArn":"` + fuzzRoleARN + `","definition":` + jsonString(fuzzDefinition) + `,"tags":[{"key":"k","value":"v"}]}`, `{"name":"bad","roleArn":"x","definition":"{}"}`},
		"UpdateStateMachine":             {`{"stateMachineArn":"` + fuzzStandardARN + `","definition":` + jsonString(fuzzDefinition) + `,"publish":true,"versionDescription":"v"}`},
		"DescribeStateMachine":           {`{"stateMachineArn":"` + fuzzStandardARN + `"}`, `{"stateMachineArn":"` + fuzzStandardARN + `:1"}`},
		"ValidateStateMachineDefinition": {`{"definition":` + jsonString(fuzzDefinition) + `,"type":"EXPRESS","severity":"WARNING","maxResults":1}`},
		"TestState":                      {`{"definition":"{\"Type\":\"Pass\",\"Result\":1,\"End\":true}","input":"{}","inspectionLevel":"TRACE"}`, `{"definition":"{\"Type\":\"Choice\",\"Choices\":[{\"Variable\":\"$.a\",\"IsPresent\":true,\"Next\":\"x\"}]}","input":"{\"a\":1}"}`},
		"StartExecution":                 {`{"stateMachineArn":"` + fuzzStandardARN + `","input":"{\"items\":[1,2,3]}"}`, `{"stateMachineArn":"` + fuzzStandardARN + `#Happy","input":"{}"}`},
		"StartSyncExecution":             {`{"stateMachineArn":"` + fuzzExpressARN + `","input":"{\"items\":[]}"}`},
		"DescribeExecution":              {`{"executionArn":"arn:aws:states:us-east-1:123456789012:execution:fuzz-standard:fixture"}`},
		"GetExecutionHistory":            {`{"executionArn":"arn:aws:states:us-east-1:123456789012:execution:fuzz-standard:fixture","reverseOrder":true,"maxResults":2,"includeExecutionData":false}`},
		"ListExecutions":                 {`{"stateMachineArn":"` + fuzzStandardARN + `","statusFilter":"SUCCEEDED","maxResults":1,"nextToken":"x"}`},
		"StopExecution":                  {`{"executionArn":"arn:aws:states:us-east-1:123456789012:execution:fuzz-standard:fixture","error":"E","cause":"c"}`},
		"RedriveExecution":               {`{"executionArn":"arn:aws:states:us-east-1:123456789012:execution:fuzz-standard:fixture"}`},
		"GetActivityTask":                {`{"activityArn":"` + fuzzActivityARN + `","workerName":"w"}`},
		"SendTaskSuccess":                {`{"taskToken":"AAAA","output":"{}"}`},
		"SendTaskFailure":                {`{"taskToken":"AAAA","error":"E","cause":"c"}`},
		"CreateStateMachineAlias":        {`{"name":"live","routingConfiguration":[{"stateMachineVersionArn":"` + fuzzStandardARN + `:1","weight":100}]}`},
		"TagResource":                    {`{"resourceArn":"` + fuzzStandardARN + `","tags":[{"key":"k","value":"v"}]}`},
		"UntagResource":                  {`{"resourceArn":"` + fuzzStandardARN + `","tagKeys":["k"]}`},
		"DescribeMapRun":                 {`{"mapRunArn":"arn:aws:states:us-east-1:123456789012:mapRun:fuzz-standard/M:x"}`},
		"UpdateMapRun":                   {`{"mapRunArn":"arn:aws:states:us-east-1:123456789012:mapRun:fuzz-standard/M:x","maxConcurrency":1,"toleratedFailureCount":-1}`},
	}
	for _, action := range actions {
		f.Add(index[action], []byte(``))
		f.Add(index[action], []byte(`{"stateMachineArn":1,"executionArn":[],"name":{},"maxResults":-1,"nextToken":"\u0000"}`))
		f.Add(index[action], []byte(`{"a":1} trailing`))
		for _, body := range seeds[action] {
			f.Add(index[action], []byte(body))
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		action := actions[int(which)%len(actions)]
		if runsForever(body) {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		status, answer, err := s.post(ctx, action, body)
		if err != nil {
			if action == "StartSyncExecution" && errors.Is(err, context.DeadlineExceeded) {
				return // an Express execution may wait or run for minutes
			}
			t.Fatalf("%s %q: %v (status %d, %s)", action, body, err, status, answer)
		}
		switch {
		case status >= 500:
			t.Fatalf("%s %q: status %d %s", action, body, status, answer)
		case status == http.StatusOK && !json.Valid(answer):
			t.Fatalf("%s %q: 200 with a body that is not JSON: %q", action, body, answer)
		case status != http.StatusOK && (status < 400 || strings.TrimSpace(string(answer)) == ""):
			t.Fatalf("%s %q: status %d %s", action, body, status, answer)
		}
	})
}
