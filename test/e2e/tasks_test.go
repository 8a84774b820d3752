package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/task/function"
)

// taskOutcome is how an execution ended, as DescribeExecution reports it.
type taskOutcome struct {
	Status types.ExecutionStatus
	Output string // SUCCEEDED
	Error  string // FAILED, TIMED_OUT
	Cause  string
}

// runDefinition creates a STANDARD machine called name, starts it with input and waits for it.
func runDefinition(t *testing.T, c *awssfn.Client, name, definition, input string) taskOutcome {
	t.Helper()
	arn := startDefinition(t, c, name, definition, input)
	return outcome(waitDone(t, c, arn))
}

// startDefinition creates a STANDARD machine called name and starts it; it returns the execution ARN.
func startDefinition(t *testing.T, c *awssfn.Client, name, definition, input string) string {
	t.Helper()
	machine := createMachineWith(t, c, name, definition, types.StateMachineTypeStandard)
	started, err := c.StartExecution(context.Background(), &awssfn.StartExecutionInput{StateMachineArn: aws.String(machine), Input: aws.String(input)})
	mustNoErr(t, "StartExecution "+name, err)
	return aws.ToString(started.ExecutionArn)
}

func outcome(desc *awssfn.DescribeExecutionOutput) taskOutcome {
	return taskOutcome{Status: desc.Status, Output: aws.ToString(desc.Output), Error: aws.ToString(desc.Error), Cause: aws.ToString(desc.Cause)}
}

// oneTask is a definition of one Task state (the JSON members of the state after Type) and,
// when the members name it, the Pass state "Caught" its Catch goes to.
func oneTask(members string) string {
	caught := ""
	if strings.Contains(members, `"Next":"Caught"`) {
		caught = `,"Caught":{"Type":"Pass","End":true}`
	}
	return `{"StartAt":"T","States":{"T":{"Type":"Task",` + members + `,"End":true}` + caught + `}}`
}

// sh is a function run by the shell: the `command` kind of the functions file.
func sh(script string, env ...string) function.Function {
	return function.Command{Argv: []string{"sh", "-c", script}, Env: env}
}

const lambdaARN = "arn:aws:lambda:us-east-1:123456789012:function:"

func TestTaskFunctions(t *testing.T) {
	t.Parallel()
	counter := filepath.Join(t.TempDir(), "calls")
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in map[string]any
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		switch r.URL.Path {
		case "/charge":
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]any{"charged": in["amount"], "auth": r.Header.Get("Authorization")})
		case "/declined":
			w.WriteHeader(http.StatusPaymentRequired)
			w.Write([]byte(`{"errorType":"CardDeclined","errorMessage":"insufficient funds"}`))
		default:
			http.Error(w, "upstream down", http.StatusBadGateway)
		}
	}))
	t.Cleanup(endpoint.Close)
	// lambdaAPI speaks Lambda's Invoke REST API, as the runtime interface emulator does.
	lambdaAPI := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in any
		json.NewDecoder(r.Body).Decode(&in)
		switch r.URL.Path {
		case "/2015-03-31/functions/ship/invocations":
			json.NewEncoder(w).Encode(map[string]any{"shipped": in, "qualifier": r.URL.Query().Get("Qualifier"), "invocationType": r.Header.Get("X-Amz-Invocation-Type")})
		case "/2015-03-31/functions/nocarrier/invocations":
			w.Header().Set("X-Amz-Function-Error", "Unhandled")
			w.Write([]byte(`{"errorType":"NoCarrier","errorMessage":"no carrier today"}`))
		default:
			w.Header().Set("X-Amzn-ErrorType", "ResourceNotFoundException:http://internal.amazon.com/coral/com.amazonaws.lambda/")
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"Type":"User","Message":"Function not found: gone"}`))
		}
	}))
	t.Cleanup(lambdaAPI.Close)
	unreachable := httptest.NewServer(http.NotFoundHandler())
	unreachable.Close()
	c, _ := newClient(t, withFunctions(map[string]function.Function{
		"echo":      sh(`printf '{"got":'; cat; printf '}'`),
		"reject":    sh(`cat >/dev/null; printf '{"errorType":"OrderRejected","errorMessage":"no stock"}'; exit 3`),
		"flaky":     sh(`n=$(cat "$COUNTER" 2>/dev/null || echo 0); n=$((n+1)); echo $n >"$COUNTER"; if [ $n -lt 2 ]; then printf '{"errorType":"Transient","errorMessage":"try again"}'; exit 1; fi; printf '{"attempt":%s}' $n`, "COUNTER="+counter),
		"sleepy":    sh(`exec sleep 30`),
		"charge":    function.HTTP{URL: endpoint.URL + "/charge", Headers: map[string]string{"Authorization": "Bearer local"}},
		"declined":  function.HTTP{URL: endpoint.URL + "/declined"},
		"down":      function.HTTP{URL: endpoint.URL + "/down"},
		"ship":      function.LambdaEndpoint{URL: lambdaAPI.URL, FunctionName: "ship", Qualifier: "live"},
		"nocarrier": function.LambdaEndpoint{URL: lambdaAPI.URL, FunctionName: "nocarrier"},
		"gone":      function.LambdaEndpoint{URL: lambdaAPI.URL, FunctionName: "gone"},
		"offline":   function.HTTP{URL: unreachable.URL},
	}))
	const catchAll = `"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.error","Next":"Caught"}]`
	caught := func(task string) string { return oneTask(task + "," + catchAll) }
	tests := []struct {
		name, definition, input string
		want                    taskOutcome
	}{
		{"command by function ARN", oneTask(`"Resource":"` + lambdaARN + `echo"`), `{"n":1}`,
			taskOutcome{Status: types.ExecutionStatusSucceeded, Output: `{"got":{"n":1}}`}},
		{"command by function ARN with a qualifier", oneTask(`"Resource":"` + lambdaARN + `echo:live"`), `{"n":2}`,
			taskOutcome{Status: types.ExecutionStatusSucceeded, Output: `{"got":{"n":2}}`}},
		{"command by lambda:invoke", oneTask(`"Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"echo","Payload":{"m.$":"$.n"}},` +
			`"ResultSelector":{"Payload.$":"$.Payload","StatusCode.$":"$.StatusCode","ExecutedVersion.$":"$.ExecutedVersion","RequestId.$":"$.SdkResponseMetadata.RequestId","HttpStatusCode.$":"$.SdkHttpMetadata.HttpStatusCode"}`), `{"n":3}`,
			taskOutcome{Status: types.ExecutionStatusSucceeded, Output: `{"RequestId":"` + fixedRequestID + `","ExecutedVersion":"$LATEST","HttpStatusCode":200,"Payload":{"got":{"m":3}},"StatusCode":200}`}},
		{"lambda:invoke by function ARN", oneTask(`"Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"` + lambdaARN + `echo","Payload.$":"$"},"OutputPath":"$.Payload"`), `[1,2]`,
			taskOutcome{Status: types.ExecutionStatusSucceeded, Output: `{"got":[1,2]}`}},
		{"function error", oneTask(`"Resource":"` + lambdaARN + `reject"`), `{}`,
			taskOutcome{Status: types.ExecutionStatusFailed, Error: "OrderRejected", Cause: `{"errorType":"OrderRejected","errorMessage":"no stock"}`}},
		{"function error caught", caught(`"Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"reject"}`), `{"order":9}`,
			taskOutcome{Status: types.ExecutionStatusSucceeded, Output: `{"order":9,"error":{"Error":"OrderRejected","Cause":"{\"errorType\":\"OrderRejected\",\"errorMessage\":\"no stock\"}"}}`}},
		{"retry succeeds on the second attempt", oneTask(`"Resource":"` + lambdaARN + `flaky","Retry":[{"ErrorEquals":["Transient"],"IntervalSeconds":1,"MaxAttempts":2}]`), `{}`,
			taskOutcome{Status: types.ExecutionStatusSucceeded, Output: `{"attempt":2}`}},
		{"timeout kills the command", oneTask(`"Resource":"` + lambdaARN + `sleepy","TimeoutSeconds":1`), `{}`,
			taskOutcome{Status: types.ExecutionStatusFailed, Error: "States.Timeout"}},
		{"timeout caught", caught(`"Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"sleepy"},"TimeoutSeconds":1`), `{"order":9}`,
			taskOutcome{Status: types.ExecutionStatusSucceeded, Output: `{"order":9,"error":{"Error":"States.Timeout"}}`}},
		{"unknown function by ARN", oneTask(`"Resource":"` + lambdaARN + `nope"`), `{}`,
			taskOutcome{Status: types.ExecutionStatusFailed, Error: "Lambda.ResourceNotFoundException",
				Cause: "Function not found: " + lambdaARN + "nope:$LATEST (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: " + fixedRequestID + "; Proxy: null)"}},
		{"unknown function by lambda:invoke", oneTask(`"Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"nope"}`), `{}`,
			taskOutcome{Status: types.ExecutionStatusFailed, Error: "Lambda.ResourceNotFoundException",
				Cause: "Function not found: " + lambdaARN + "nope:$LATEST (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: " + fixedRequestID + "; Proxy: null)"}},
		{"HTTP function", oneTask(`"Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"charge","Payload":{"amount.$":"$.amount"}},"OutputPath":"$.Payload"`), `{"amount":12.5}`,
			taskOutcome{Status: types.ExecutionStatusSucceeded, Output: `{"auth":"Bearer local","charged":12.5}`}},
		{"HTTP function error document", oneTask(`"Resource":"` + lambdaARN + `declined"`), `{}`,
			taskOutcome{Status: types.ExecutionStatusFailed, Error: "CardDeclined", Cause: `{"errorType":"CardDeclined","errorMessage":"insufficient funds"}`}},
		{"HTTP function answering 502 text", oneTask(`"Resource":"` + lambdaARN + `down"`), `{}`,
			taskOutcome{Status: types.ExecutionStatusFailed, Error: "Error", Cause: `{"errorType":"Error","errorMessage":"` + endpoint.URL + `/down returned HTTP 502 Bad Gateway: upstream down"}`}},
		{"Lambda Invoke API function", oneTask(`"Resource":"` + lambdaARN + `ship"`), `{"box":1}`,
			taskOutcome{Status: types.ExecutionStatusSucceeded, Output: `{"invocationType":"RequestResponse","qualifier":"live","shipped":{"box":1}}`}},
		{"Lambda Invoke API function error", oneTask(`"Resource":"` + lambdaARN + `nocarrier"`), `{}`,
			taskOutcome{Status: types.ExecutionStatusFailed, Error: "NoCarrier", Cause: `{"errorType":"NoCarrier","errorMessage":"no carrier today"}`}},
		{"Lambda Invoke API service error", oneTask(`"Resource":"` + lambdaARN + `gone"`), `{}`,
			taskOutcome{Status: types.ExecutionStatusFailed, Error: "Lambda.ResourceNotFoundException", Cause: "Function not found: gone (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Proxy: null)"}},
	}
	t.Run("unreachable function", func(t *testing.T) {
		t.Parallel()
		got := runDefinition(t, c, "fn-offline", oneTask(`"Resource":"`+lambdaARN+`offline"`), `{}`)
		if got.Status != types.ExecutionStatusFailed || got.Error != "Lambda.ServiceException" || !strings.HasPrefix(got.Cause, "function offline: ") {
			t.Fatalf("execution ended %+v, want FAILED Lambda.ServiceException naming the function", got)
		}
	})
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := runDefinition(t, c, "fn-"+strconv.Itoa(i), tt.definition, tt.input)
			if got != tt.want {
				t.Fatalf("execution ended\n %+v\nwant\n %+v", got, tt.want)
			}
			if strings.HasPrefix(tt.name, "retry") {
				if data, err := os.ReadFile(counter); err != nil || string(data) != "2\n" {
					t.Fatalf("flaky was called %q times (%v), want 2", data, err)
				}
			}
		})
	}
}

// Lambda tasks are recorded as AWS records them: LambdaFunction* events for a function ARN,
// Task* events for the lambda:invoke integration.
func TestTaskFunctionHistory(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t, withFunctions(map[string]function.Function{
		"echo":   sh(`cat`),
		"reject": sh(`printf '{"errorType":"OrderRejected","errorMessage":"no stock"}'; exit 1`),
		"sleepy": sh(`exec sleep 30`),
	}))
	invoke := func(name string) string {
		return `"Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"` + name + `"}`
	}
	tests := []struct{ name, members, history string }{
		{"function ARN", `"Resource":"` + lambdaARN + `echo"`, "LambdaFunctionScheduled,LambdaFunctionStarted,LambdaFunctionSucceeded,TaskStateExited,ExecutionSucceeded"},
		{"function ARN error", `"Resource":"` + lambdaARN + `reject"`, "LambdaFunctionScheduled,LambdaFunctionStarted,LambdaFunctionFailed,ExecutionFailed"},
		{"function ARN timeout", `"Resource":"` + lambdaARN + `sleepy","TimeoutSeconds":1`, "LambdaFunctionScheduled,LambdaFunctionStarted,LambdaFunctionTimedOut,ExecutionFailed"},
		{"lambda:invoke", invoke("echo"), "TaskScheduled,TaskStarted,TaskSucceeded,TaskStateExited,ExecutionSucceeded"},
		{"lambda:invoke error", invoke("reject"), "TaskScheduled,TaskStarted,TaskFailed,ExecutionFailed"},
		{"lambda:invoke timeout", invoke("sleepy") + `,"TimeoutSeconds":1`, "TaskScheduled,TaskStarted,TaskTimedOut,ExecutionFailed"},
		{"retried error", `"Resource":"` + lambdaARN + `reject","Retry":[{"ErrorEquals":["OrderRejected"],"IntervalSeconds":1,"MaxAttempts":1}]`,
			"LambdaFunctionScheduled,LambdaFunctionStarted,LambdaFunctionFailed,LambdaFunctionScheduled,LambdaFunctionStarted,LambdaFunctionFailed,ExecutionFailed"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			arn := startDefinition(t, c, "history-"+strconv.Itoa(i), oneTask(tt.members), `{}`)
			waitDone(t, c, arn)
			if got, want := taskEventKinds(t, c, arn), "ExecutionStarted,TaskStateEntered,"+tt.history; got != want {
				t.Errorf("history\n %s\nwant\n %s", got, want)
			}
		})
	}
}

// taskEventKinds lists the history's event types, for the Task events of an execution.
func taskEventKinds(t *testing.T, c *awssfn.Client, arn string) string {
	t.Helper()
	hist, err := c.GetExecutionHistory(context.Background(), &awssfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn)})
	mustNoErr(t, "GetExecutionHistory", err)
	var kinds []string
	for _, ev := range hist.Events {
		kinds = append(kinds, string(ev.Type))
	}
	return strings.Join(kinds, ",")
}

// The docs promise "The process is killed when the task times out": the whole program, not
// only its first process, or a shell script's children run on after the task ended.
func TestTaskCommandTimeoutKills(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, script string
		stop         bool // StopExecution instead of TimeoutSeconds
	}{
		{"the command", `echo $$ >"$PIDFILE"; exec sleep 30`, false},
		{"the command, on StopExecution", `echo $$ >"$PIDFILE"; exec sleep 30`, true},
		{"the command's children", `sleep 30 & echo $! >"$PIDFILE"; wait`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pidFile := filepath.Join(t.TempDir(), "pid")
			c, _ := newClient(t, withFunctions(map[string]function.Function{"sleepy": sh(tt.script, "PIDFILE="+pidFile)}))
			var data []byte
			if tt.stop {
				arn := startDefinition(t, c, "sleepy", oneTask(`"Resource":"`+lambdaARN+`sleepy"`), `{}`)
				data = waitFile(t, pidFile)
				_, err := c.StopExecution(context.Background(), &awssfn.StopExecutionInput{ExecutionArn: aws.String(arn), Error: aws.String("Enough")})
				mustNoErr(t, "StopExecution", err)
				if got, want := outcome(waitDone(t, c, arn)), (taskOutcome{Status: types.ExecutionStatusAborted, Error: "Enough"}); got != want {
					t.Fatalf("execution ended %+v, want %+v", got, want)
				}
			} else {
				got := runDefinition(t, c, "sleepy", oneTask(`"Resource":"`+lambdaARN+`sleepy","TimeoutSeconds":1`), `{}`)
				if want := (taskOutcome{Status: types.ExecutionStatusFailed, Error: "States.Timeout"}); got != want {
					t.Fatalf("execution ended %+v, want %+v", got, want)
				}
				data = waitFile(t, pidFile)
			}
			pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
			mustNoErr(t, "parse the pid", err)
			// Cleanups run last-registered first: this one before the server's, whose engine
			// waits for the task to return when it closes.
			t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
			// The kill follows the timeout asynchronously; a killed process is gone or a zombie.
			deadline := time.Now().Add(5 * time.Second)
			for processRuns(pid) {
				if time.Now().After(deadline) {
					t.Fatalf("process %d still runs 5s after the task timed out", pid)
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
}

// waitFile waits until the file exists with a complete line (a command writes it) and returns it.
func waitFile(t *testing.T, path string) []byte {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		data, err := os.ReadFile(path)
		if err == nil && strings.HasSuffix(string(data), "\n") {
			return data
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not written after 30s (%v)", path, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// processRuns tells whether pid is a live process (not gone, not a zombie).
func processRuns(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// pid (comm) STATE ...
	rest := string(stat[strings.LastIndexByte(string(stat), ')')+1:])
	return !strings.HasPrefix(strings.TrimSpace(rest), "Z")
}

func TestTaskActivities(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t)
	ctx := context.Background()
	tests := []struct {
		name    string
		members string // of the Task state, after Resource
		work    func(t *testing.T, token *string)
		want    taskOutcome
		history string // the Activity events, between TaskStateEntered and the end
	}{
		{"no heartbeat", `"HeartbeatSeconds":1,"TimeoutSeconds":60`, func(t *testing.T, token *string) {},
			taskOutcome{Status: types.ExecutionStatusFailed, Error: "States.HeartbeatTimeout"}, "ActivityScheduled,ActivityStarted,ActivityTimedOut,ExecutionFailed"},
		{"heartbeats in time", `"HeartbeatSeconds":2,"TimeoutSeconds":60`, func(t *testing.T, token *string) {
			// Beats for longer than the heartbeat interval: each one restarts it. The interval
			// is 2s, not 1s, so a loaded machine does not miss it.
			for range 10 {
				time.Sleep(300 * time.Millisecond)
				_, err := c.SendTaskHeartbeat(ctx, &awssfn.SendTaskHeartbeatInput{TaskToken: token})
				mustNoErr(t, "SendTaskHeartbeat", err)
			}
			_, err := c.SendTaskSuccess(ctx, &awssfn.SendTaskSuccessInput{TaskToken: token, Output: aws.String(`{"reviewed":true}`)})
			mustNoErr(t, "SendTaskSuccess", err)
		}, taskOutcome{Status: types.ExecutionStatusSucceeded, Output: `{"reviewed":true}`}, "ActivityScheduled,ActivityStarted,ActivitySucceeded,TaskStateExited,ExecutionSucceeded"},
		{"no answer", `"TimeoutSeconds":1`, func(t *testing.T, token *string) {},
			taskOutcome{Status: types.ExecutionStatusFailed, Error: "States.Timeout"}, "ActivityScheduled,ActivityStarted,ActivityTimedOut,ExecutionFailed"},
		{"failure caught", `"ResultPath":"$.review","Catch":[{"ErrorEquals":["ReviewRejected"],"ResultPath":"$.error","Next":"Caught"}]`, func(t *testing.T, token *string) {
			_, err := c.SendTaskFailure(ctx, &awssfn.SendTaskFailureInput{TaskToken: token, Error: aws.String("ReviewRejected"), Cause: aws.String("typo on page 2")})
			mustNoErr(t, "SendTaskFailure", err)
		}, taskOutcome{Status: types.ExecutionStatusSucceeded, Output: `{"doc":7,"error":{"Error":"ReviewRejected","Cause":"typo on page 2"}}`}, "ActivityScheduled,ActivityStarted,ActivityFailed,TaskStateExited,PassStateEntered,PassStateExited,ExecutionSucceeded"},
		{"failure not caught", `"Catch":[{"ErrorEquals":["Other"],"Next":"Caught"}]`, func(t *testing.T, token *string) {
			_, err := c.SendTaskFailure(ctx, &awssfn.SendTaskFailureInput{TaskToken: token, Error: aws.String("ReviewRejected"), Cause: aws.String("typo on page 2")})
			mustNoErr(t, "SendTaskFailure", err)
		}, taskOutcome{Status: types.ExecutionStatusFailed, Error: "ReviewRejected", Cause: "typo on page 2"}, "ActivityScheduled,ActivityStarted,ActivityFailed,ExecutionFailed"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			name := "review-" + strconv.Itoa(i)
			activity, err := c.CreateActivity(ctx, &awssfn.CreateActivityInput{Name: aws.String(name)})
			mustNoErr(t, "CreateActivity", err)
			definition := oneTask(`"Resource":"` + aws.ToString(activity.ActivityArn) + `",` + tt.members)
			arn := startDefinition(t, c, name, definition, `{"doc":7}`)
			work, err := c.GetActivityTask(ctx, &awssfn.GetActivityTaskInput{ActivityArn: activity.ActivityArn, WorkerName: aws.String("w")})
			mustNoErr(t, "GetActivityTask", err)
			if work.TaskToken == nil || aws.ToString(work.Input) != `{"doc":7}` {
				t.Fatalf("GetActivityTask = token %v input %s", work.TaskToken, aws.ToString(work.Input))
			}
			tt.work(t, work.TaskToken)
			if got := outcome(waitDone(t, c, arn)); got != tt.want {
				t.Fatalf("execution ended\n %+v\nwant\n %+v", got, tt.want)
			}
			// Whatever ended the task, its token is spent.
			_, err = c.SendTaskSuccess(ctx, &awssfn.SendTaskSuccessInput{TaskToken: work.TaskToken, Output: aws.String(`{}`)})
			wantAPIError[*types.TaskTimedOut](t, err, "Task Timed Out: 'Provided task does not exist anymore'")
			_, err = c.SendTaskHeartbeat(ctx, &awssfn.SendTaskHeartbeatInput{TaskToken: work.TaskToken})
			wantAPIError[*types.TaskTimedOut](t, err, "Task Timed Out: 'Provided task does not exist anymore'")

			t.Run("history", func(t *testing.T) {
				// AWS writes ActivityStarted, naming the worker, when the worker takes the task.
				hist, err := c.GetExecutionHistory(ctx, &awssfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn)})
				mustNoErr(t, "GetExecutionHistory", err)
				var kinds []string
				worker := "(no ActivityStarted)"
				for _, ev := range hist.Events {
					kinds = append(kinds, string(ev.Type))
					if d := ev.ActivityStartedEventDetails; d != nil {
						worker = aws.ToString(d.WorkerName)
					}
				}
				got, want := strings.Join(kinds, ","), "ExecutionStarted,TaskStateEntered,"+tt.history
				if got != want || worker != "w" {
					t.Errorf("history\n %s\nwant\n %s\nActivityStarted worker %q, want \"w\"", got, want, worker)
				}
			})
		})
	}
}

func TestTaskCallbacks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cases := []string{"success", "failure", "timeout", "heartbeat", "by-arn"}
	tokens := map[string]chan string{}
	for _, name := range cases {
		tokens[name] = make(chan string, 1)
	}
	// notify hands the token of a callback task to the test, as a function would queue it
	// for a person or a system that answers later.
	notify := function.GoFunc(func(_ context.Context, input any) (any, error) {
		in, _ := input.(map[string]any)
		which, _ := in["case"].(string)
		token, _ := in["token"].(string)
		tokens[which] <- token
		return map[string]any{"queued": true}, nil
	})
	c, _ := newClient(t, withFunctions(map[string]function.Function{"notify": notify}))
	const payload = `"Payload":{"token.$":"$$.Task.Token","case.$":"$.case"}`
	tests := []struct {
		name    string
		members string
		answer  func(t *testing.T, token string)
		want    taskOutcome
	}{
		{"success", `"Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken","Parameters":{"FunctionName":"notify",` + payload + `},"ResultPath":"$.answer"`, func(t *testing.T, token string) {
			_, err := c.SendTaskSuccess(ctx, &awssfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String(`{"approved":true}`)})
			mustNoErr(t, "SendTaskSuccess", err)
		}, taskOutcome{Status: types.ExecutionStatusSucceeded, Output: `{"case":"success","answer":{"approved":true}}`}},
		{"by-arn", `"Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken","Parameters":{"FunctionName":"` + lambdaARN + `notify",` + payload + `}`, func(t *testing.T, token string) {
			_, err := c.SendTaskSuccess(ctx, &awssfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String(`[1,"two"]`)})
			mustNoErr(t, "SendTaskSuccess", err)
		}, taskOutcome{Status: types.ExecutionStatusSucceeded, Output: `[1,"two"]`}},
		{"failure", `"Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken","Parameters":{"FunctionName":"notify",` + payload + `},"Catch":[{"ErrorEquals":["Denied"],"ResultPath":"$.error","Next":"Caught"}]`, func(t *testing.T, token string) {
			_, err := c.SendTaskFailure(ctx, &awssfn.SendTaskFailureInput{TaskToken: aws.String(token), Error: aws.String("Denied"), Cause: aws.String("over budget")})
			mustNoErr(t, "SendTaskFailure", err)
		}, taskOutcome{Status: types.ExecutionStatusSucceeded, Output: `{"case":"failure","error":{"Error":"Denied","Cause":"over budget"}}`}},
		{"timeout", `"Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken","Parameters":{"FunctionName":"notify",` + payload + `},"TimeoutSeconds":1`, func(t *testing.T, token string) {},
			taskOutcome{Status: types.ExecutionStatusFailed, Error: "States.Timeout"}},
		{"heartbeat", `"Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken","Parameters":{"FunctionName":"notify",` + payload + `},"HeartbeatSeconds":1,"TimeoutSeconds":60`, func(t *testing.T, token string) {},
			taskOutcome{Status: types.ExecutionStatusFailed, Error: "States.HeartbeatTimeout"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			definition := oneTask(tt.members)
			arn := startDefinition(t, c, "callback-"+tt.name, definition, `{"case":"`+tt.name+`"}`)
			var token string
			select {
			case token = <-tokens[tt.name]:
			case <-time.After(30 * time.Second):
				t.Fatalf("the function never got the task token")
			}
			if token == "" {
				t.Fatalf("the function's payload has no token")
			}
			tt.answer(t, token)
			if got := outcome(waitDone(t, c, arn)); got != tt.want {
				t.Fatalf("execution ended\n %+v\nwant\n %+v", got, tt.want)
			}
			_, err := c.SendTaskSuccess(ctx, &awssfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String(`{}`)})
			wantAPIError[*types.TaskTimedOut](t, err, "Task Timed Out: 'Provided task does not exist anymore'")
			_, err = c.SendTaskFailure(ctx, &awssfn.SendTaskFailureInput{TaskToken: aws.String(token), Error: aws.String("Late")})
			wantAPIError[*types.TaskTimedOut](t, err, "Task Timed Out: 'Provided task does not exist anymore'")
		})
	}
}

func TestTaskNestedExecutions(t *testing.T) {
	t.Parallel()
	c, _ := newClient(t, withNestedExecutions())
	ctx := context.Background()
	child := createMachineWith(t, c, "child", `{"StartAt":"Double","States":{"Double":{"Type":"Pass","Parameters":{"doubled.$":"States.MathAdd($.n, $.n)"},"End":true}}}`, types.StateMachineTypeStandard)
	broken := createMachineWith(t, c, "broken", `{"StartAt":"Break","States":{"Break":{"Type":"Fail","Error":"ChildBroke","Cause":"out of parts"}}}`, types.StateMachineTypeStandard)
	start := func(resource, machine string) string {
		return `"Resource":"arn:aws:states:::states:` + resource + `","Parameters":{"StateMachineArn":"` + machine + `","Name.$":"States.Format('{}-child', $$.Execution.Name)","Input":{"n.$":"$.n"}}`
	}
	describeKeys := []string{"ExecutionArn", "Input", "InputDetails", "Name", "Output", "OutputDetails", "StartDate", "StateMachineArn", "Status", "StopDate"}
	tests := []struct {
		name    string
		members string
		check   func(t *testing.T, got taskOutcome, name string)
	}{
		{"sync:2", start("startExecution.sync:2", child), func(t *testing.T, got taskOutcome, name string) {
			result := succeededObject(t, got)
			wantKeys(t, result, describeKeys)
			want := map[string]any{"ExecutionArn": scope.ExecutionARN("child", name+"-child"), "Input": map[string]any{"n": 4.0},
				"Output": map[string]any{"doubled": 8.0}, "Name": name + "-child", "StateMachineArn": child, "Status": "SUCCEEDED",
				"InputDetails": map[string]any{"Included": true}, "OutputDetails": map[string]any{"Included": true}}
			for k, v := range want {
				if !jsonEqual(result[k], v) {
					t.Errorf("%s = %#v, want %#v", k, result[k], v)
				}
			}
		}},
		{"sync", start("startExecution.sync", child), func(t *testing.T, got taskOutcome, name string) {
			result := succeededObject(t, got)
			wantKeys(t, result, describeKeys)
			if result["Input"] != `{"n":4}` || result["Output"] != `{"doubled":8}` || result["Status"] != "SUCCEEDED" {
				t.Errorf(".sync Input %#v Output %#v Status %#v, want JSON text and SUCCEEDED", result["Input"], result["Output"], result["Status"])
			}
		}},
		{"request-response", start("startExecution", child), func(t *testing.T, got taskOutcome, name string) {
			result := succeededObject(t, got)
			wantKeys(t, result, []string{"ExecutionArn", "SdkHttpMetadata", "SdkResponseMetadata", "StartDate"})
			// In the order recorded on AWS (LocalStack's parity snapshot of states:startExecution).
			ordered, err := jsonvalue.Decode([]byte(got.Output))
			if err != nil {
				t.Fatal(err)
			}
			for _, tc := range []struct {
				path []string
				want string
			}{
				{nil, `["ExecutionArn","SdkHttpMetadata","SdkResponseMetadata","StartDate"]`},
				{[]string{"SdkHttpMetadata"}, `["AllHttpHeaders","HttpHeaders","HttpStatusCode"]`},
				{[]string{"SdkHttpMetadata", "AllHttpHeaders"}, `["x-amzn-RequestId","connection","Content-Length","Date","Content-Type"]`},
				{[]string{"SdkHttpMetadata", "HttpHeaders"}, `["connection","Content-Length","Content-Type","Date","x-amzn-RequestId"]`},
			} {
				v := ordered
				for _, k := range tc.path {
					v, _ = v.(*jsonvalue.Object).Get(k)
				}
				if got := jsonvalue.MarshalString(v.(*jsonvalue.Object).Keys()); got != tc.want {
					t.Errorf("keys of %v: %s, want %s", tc.path, got, tc.want)
				}
			}
			if result["ExecutionArn"] != scope.ExecutionARN("child", name+"-child") {
				t.Errorf("ExecutionArn %v", result["ExecutionArn"])
			}
			desc := waitDone(t, c, scope.ExecutionARN("child", name+"-child"))
			if desc.Status != types.ExecutionStatusSucceeded || aws.ToString(desc.Output) != `{"doubled":8}` {
				t.Errorf("the child ended %s %s", desc.Status, aws.ToString(desc.Output))
			}
		}},
		{"failing child caught", start("startExecution.sync:2", broken) + `,"Catch":[{"ErrorEquals":["States.TaskFailed"],"ResultPath":"$.error","Next":"Caught"}]`, func(t *testing.T, got taskOutcome, name string) {
			result := succeededObject(t, got)
			errOut, _ := result["error"].(map[string]any)
			if errOut["Error"] != "States.TaskFailed" {
				t.Fatalf("caught %#v, want States.TaskFailed", errOut)
			}
			var cause map[string]any
			if err := json.Unmarshal([]byte(errOut["Cause"].(string)), &cause); err != nil {
				t.Fatalf("cause is not JSON: %v", err)
			}
			want := map[string]any{"Error": "ChildBroke", "Cause": "out of parts", "Status": "FAILED",
				"ExecutionArn": scope.ExecutionARN("broken", name+"-child"), "StateMachineArn": broken}
			for k, v := range want {
				if cause[k] != v {
					t.Errorf("cause %s = %#v, want %#v", k, cause[k], v)
				}
			}
		}},
		{"failing child not caught", start("startExecution.sync", broken), func(t *testing.T, got taskOutcome, name string) {
			if got.Status != types.ExecutionStatusFailed || got.Error != "States.TaskFailed" || !strings.Contains(got.Cause, `"Error":"ChildBroke"`) {
				t.Fatalf("execution ended %+v, want FAILED States.TaskFailed with the child's error in the cause", got)
			}
		}},
		{"missing machine", start("startExecution.sync:2", scope.StateMachineARN("missing")), func(t *testing.T, got taskOutcome, name string) {
			want := taskOutcome{Status: types.ExecutionStatusFailed, Error: "StepFunctions.StateMachineDoesNotExistException",
				Cause: "State Machine Does Not Exist: '" + scope.StateMachineARN("missing") + "' (Service: AWSStepFunctions; Status Code: 400; Error Code: StateMachineDoesNotExist)"}
			if got != want {
				t.Fatalf("execution ended\n %+v\nwant\n %+v", got, want)
			}
		}},
	}
	// "A task that times out, or whose execution is stopped, stops its child."
	slow := createMachineWith(t, c, "slow", `{"StartAt":"Wait","States":{"Wait":{"Type":"Wait","Seconds":30,"End":true}}}`, types.StateMachineTypeStandard)
	for _, stop := range []bool{false, true} {
		name := "timed-out"
		if stop {
			name = "stopped"
		}
		t.Run("parent "+name, func(t *testing.T) {
			t.Parallel()
			members := `"Resource":"arn:aws:states:::states:startExecution.sync:2","Parameters":{"StateMachineArn":"` + slow + `","Name":"` + name + `"}`
			if !stop {
				members += `,"TimeoutSeconds":1`
			}
			arn := startDefinition(t, c, "parent-"+name, oneTask(members), `{}`)
			childARN := waitStarted(t, c, scope.ExecutionARN("slow", name))
			want := taskOutcome{Status: types.ExecutionStatusFailed, Error: "States.Timeout"}
			if stop {
				_, err := c.StopExecution(ctx, &awssfn.StopExecutionInput{ExecutionArn: aws.String(arn)})
				mustNoErr(t, "StopExecution", err)
				want = taskOutcome{Status: types.ExecutionStatusAborted}
			}
			if got := outcome(waitDone(t, c, arn)); got != want {
				t.Fatalf("parent ended %+v, want %+v", got, want)
			}
			if child := waitDone(t, c, childARN); child.Status != types.ExecutionStatusAborted {
				t.Fatalf("child ended %s, want ABORTED", child.Status)
			}
		})
	}
	t.Run("waitForTaskToken", func(t *testing.T) {
		t.Parallel()
		// The child gets the parent's token in its input and, here, the test answers for it.
		members := `"Resource":"arn:aws:states:::states:startExecution.waitForTaskToken","Parameters":{"StateMachineArn":"` + child +
			`","Name":"asks","Input":{"n.$":"$.n","token.$":"$$.Task.Token"}},"ResultPath":"$.answer"`
		machine := createMachineWith(t, c, "parent-token", oneTask(members), types.StateMachineTypeStandard)
		started, err := c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(machine), Input: aws.String(`{"n":4}`)})
		mustNoErr(t, "StartExecution", err)
		childRun := waitDone(t, c, waitStarted(t, c, scope.ExecutionARN("child", "asks")))
		var childInput struct {
			N     float64 `json:"n"`
			Token string  `json:"token"`
		}
		if err := json.Unmarshal([]byte(aws.ToString(childRun.Input)), &childInput); err != nil || childInput.N != 4 || childInput.Token == "" {
			t.Fatalf("child input %s (%v), want n and the token", aws.ToString(childRun.Input), err)
		}
		_, err = c.SendTaskSuccess(ctx, &awssfn.SendTaskSuccessInput{TaskToken: aws.String(childInput.Token), Output: aws.String(`{"doubled":8}`)})
		mustNoErr(t, "SendTaskSuccess", err)
		if got, want := outcome(waitDone(t, c, aws.ToString(started.ExecutionArn))), (taskOutcome{Status: types.ExecutionStatusSucceeded, Output: `{"n":4,"answer":{"doubled":8}}`}); got != want {
			t.Fatalf("parent ended %+v, want %+v", got, want)
		}
	})
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			machine := createMachineWith(t, c, "parent-"+strconv.Itoa(i), oneTask(tt.members), types.StateMachineTypeStandard)
			name := "p" + strconv.Itoa(i)
			started, err := c.StartExecution(ctx, &awssfn.StartExecutionInput{StateMachineArn: aws.String(machine), Name: aws.String(name), Input: aws.String(`{"n":4}`)})
			mustNoErr(t, "StartExecution", err)
			tt.check(t, outcome(waitDone(t, c, aws.ToString(started.ExecutionArn))), name)
		})
	}
}

// waitStarted waits until the execution arn exists (a task starts it asynchronously) and returns arn.
func waitStarted(t *testing.T, c *awssfn.Client, arn string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := c.DescribeExecution(context.Background(), &awssfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
		var missing *types.ExecutionDoesNotExist
		if !errors.As(err, &missing) {
			mustNoErr(t, "DescribeExecution", err)
			return arn
		}
		if time.Now().After(deadline) {
			t.Fatalf("execution %s not started after 30s", arn)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// succeededObject checks that the execution succeeded with an object and returns it.
func succeededObject(t *testing.T, got taskOutcome) map[string]any {
	t.Helper()
	if got.Status != types.ExecutionStatusSucceeded {
		t.Fatalf("execution ended %+v, want SUCCEEDED", got)
	}
	var out map[string]any
	if err := json.Unmarshal([]byte(got.Output), &out); err != nil {
		t.Fatalf("output %s: %v", got.Output, err)
	}
	return out
}

func wantKeys(t *testing.T, obj map[string]any, want []string) {
	t.Helper()
	var keys []string
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, want) {
		t.Errorf("keys %v, want %v", keys, want)
	}
}

func jsonEqual(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

func TestTaskHTTP(t *testing.T) {
	t.Parallel()
	refused := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("a refused host was called: %s %s", r.Method, r.URL)
	}))
	t.Cleanup(refused.Close)
	var busyCalls atomic.Int32
	allowed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/orders":
			var body any
			json.NewDecoder(r.Body).Decode(&body)
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]any{"method": r.Method, "query": r.URL.Query(), "body": body,
				"requestId": r.Header.Get("X-Request-Id"), "contentType": r.Header.Get("Content-Type")})
		case "/text":
			w.Header().Set("Content-Type", "text/plain")
			w.Write([]byte("pong"))
		case "/form":
			r.ParseForm()
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]any{"contentType": r.Header.Get("Content-Type"), "form": r.PostForm})
		case "/busy":
			if busyCalls.Add(1) == 1 {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			w.Write([]byte("ready"))
		case "/away":
			http.Redirect(w, r, refused.URL+"/x", http.StatusFound)
		default:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"message":"no such order"}`))
		}
	}))
	t.Cleanup(allowed.Close)
	c, _ := newClient(t, withHTTPAllowHosts(t, allowed.Listener.Addr().String()))
	refusedHost := refused.Listener.Addr().String()
	call := func(endpoint, method, extra string) string {
		return `"Resource":"arn:aws:states:::http:invoke","Parameters":{"ApiEndpoint":"` + endpoint + `","Method":"` + method + `"` + extra + `}`
	}
	const shape = `,"ResultSelector":{"ResponseBody.$":"$.ResponseBody","StatusCode.$":"$.StatusCode","StatusText.$":"$.StatusText","ContentType.$":"$.Headers.content-type"}`
	tests := []struct {
		name, members string
		want          taskOutcome
	}{
		{"POST JSON", call(allowed.URL+"/orders", "POST", `,"Headers":{"X-Request-Id.$":"$.rid"},"QueryParameters":{"tags":["a","b"]},"RequestBody":{"id.$":"$.id"},"Authentication":{"ConnectionArn":"arn:aws:events:us-east-1:123456789012:connection/orders/1"}`) + shape,
			taskOutcome{Status: types.ExecutionStatusSucceeded, Output: `{"ContentType":["application/json"],"StatusText":"OK","StatusCode":200,"ResponseBody":{"body":{"id":7},"contentType":"application/json","method":"POST","query":{"tags[0]":["a"],"tags[1]":["b"]},"requestId":"r-1"}}`}},
		{"GET text", call(allowed.URL+"/text", "GET", "") + shape,
			taskOutcome{Status: types.ExecutionStatusSucceeded, Output: `{"ContentType":["text/plain"],"StatusText":"OK","StatusCode":200,"ResponseBody":"pong"}`}},
		{"URL-encoded body", call(allowed.URL+"/form", "POST", `,"RequestBody":{"id.$":"$.id","tags":["a","b"]},"Transform":{"RequestBodyEncoding":"URL_ENCODED","RequestEncodingOptions":{"ArrayFormat":"BRACKETS"}}`) + `,"OutputPath":"$.ResponseBody"`,
			taskOutcome{Status: types.ExecutionStatusSucceeded, Output: `{"contentType":"application/x-www-form-urlencoded","form":{"id":["7"],"tags[]":["a","b"]}}`}},
		{"503 retried", call(allowed.URL+"/busy", "GET", "") + `,"Retry":[{"ErrorEquals":["States.Http.StatusCode.503"],"IntervalSeconds":1,"MaxAttempts":1}],"ResultSelector":{"ResponseBody.$":"$.ResponseBody","StatusCode.$":"$.StatusCode"}`,
			taskOutcome{Status: types.ExecutionStatusSucceeded, Output: `{"StatusCode":200,"ResponseBody":"ready"}`}},
		{"bad method", call(allowed.URL+"/orders", "FETCH", ""),
			taskOutcome{Status: types.ExecutionStatusFailed, Error: "States.Runtime", Cause: "HTTP Task parameters: Method must be one of GET, POST, PUT, DELETE, PATCH, OPTIONS, HEAD, not \"FETCH\""}},
		{"host not on the allow-list", call(refused.URL+"/x", "GET", ""),
			taskOutcome{Status: types.ExecutionStatusFailed, Error: "States.Runtime", Cause: "HTTP Task refused: host " + refusedHost + " is not on the allow-list of hosts HTTP Tasks may call; the operator must allow it"}},
		{"redirect to a host not on the allow-list", call(allowed.URL+"/away", "GET", ""),
			taskOutcome{Status: types.ExecutionStatusFailed, Error: "States.Runtime", Cause: "HTTP Task refused: host " + refusedHost + " is not on the allow-list of hosts HTTP Tasks may call; the operator must allow it"}},
		{"refusal is not caught", call(refused.URL+"/x", "GET", "") + `,"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Caught"}]`,
			taskOutcome{Status: types.ExecutionStatusFailed, Error: "States.Runtime", Cause: "HTTP Task refused: host " + refusedHost + " is not on the allow-list of hosts HTTP Tasks may call; the operator must allow it"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := runDefinition(t, c, "http-"+strconv.Itoa(i), oneTask(tt.members), `{"id":7,"rid":"r-1"}`)
			if got != tt.want {
				t.Fatalf("execution ended\n %+v\nwant\n %+v", got, tt.want)
			}
		})
	}
	t.Run("no allow-list", func(t *testing.T) {
		t.Parallel()
		closed, _ := newClient(t, withHTTPAllowHosts(t))
		got := runDefinition(t, closed, "http-closed", oneTask(call(allowed.URL+"/text", "GET", "")), `{}`)
		want := taskOutcome{Status: types.ExecutionStatusFailed, Error: "States.Runtime", Cause: "HTTP Task refused: host " + allowed.Listener.Addr().String() + " is not on the allow-list of hosts HTTP Tasks may call; the operator must allow it"}
		if got != want {
			t.Fatalf("execution ended\n %+v\nwant\n %+v", got, want)
		}
	})
	t.Run("404 caught", func(t *testing.T) {
		t.Parallel()
		got := runDefinition(t, c, "http-404", oneTask(call(allowed.URL+"/missing", "GET", "")+
			`,"Catch":[{"ErrorEquals":["States.Http.StatusCode.404"],"ResultPath":"$.error","Next":"Caught"}]`), `{}`)
		errOut, _ := succeededObject(t, got)["error"].(map[string]any)
		if errOut["Error"] != "States.Http.StatusCode.404" {
			t.Fatalf("caught %#v, want States.Http.StatusCode.404", errOut)
		}
		var cause map[string]any
		if err := json.Unmarshal([]byte(errOut["Cause"].(string)), &cause); err != nil {
			t.Fatalf("cause %q is not JSON: %v", errOut["Cause"], err)
		}
		wantKeys(t, cause, []string{"Headers", "ResponseBody", "StatusCode", "StatusText"})
		if !jsonEqual(cause["ResponseBody"], map[string]any{"message": "no such order"}) || cause["StatusCode"] != 404.0 || cause["StatusText"] != "Not Found" {
			t.Errorf("cause %s", errOut["Cause"])
		}
	})
}
