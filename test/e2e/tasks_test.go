package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

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

// oneTask is a definition of one Task state (the JSON members of the state after Type).
func oneTask(members string) string {
	return `{"StartAt":"T","States":{"T":{"Type":"Task",` + members + `,"End":true}}}`
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
	c, _ := newClient(t, withFunctions(map[string]function.Function{
		"echo":     sh(`printf '{"got":'; cat; printf '}'`),
		"reject":   sh(`cat >/dev/null; printf '{"errorType":"OrderRejected","errorMessage":"no stock"}'; exit 3`),
		"flaky":    sh(`n=$(cat "$COUNTER" 2>/dev/null || echo 0); n=$((n+1)); echo $n >"$COUNTER"; if [ $n -lt 2 ]; then printf '{"errorType":"Transient","errorMessage":"try again"}'; exit 1; fi; printf '{"attempt":%s}' $n`, "COUNTER="+counter),
		"sleepy":   sh(`exec sleep 30`),
		"charge":   function.HTTP{URL: endpoint.URL + "/charge", Headers: map[string]string{"Authorization": "Bearer local"}},
		"declined": function.HTTP{URL: endpoint.URL + "/declined"},
		"down":     function.HTTP{URL: endpoint.URL + "/down"},
	}))
	const catchAll = `"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.error","Next":"Caught"}]`
	caught := func(task string) string {
		return `{"StartAt":"T","States":{"T":{"Type":"Task",` + task + `,` + catchAll + `,"End":true},"Caught":{"Type":"Pass","End":true}}}`
	}
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
			taskOutcome{Status: types.ExecutionStatusSucceeded, Output: `{"ExecutedVersion":"$LATEST","HttpStatusCode":200,"Payload":{"got":{"m":3}},"RequestId":"` + fixedRequestID + `","StatusCode":200}`}},
		{"lambda:invoke by function ARN", oneTask(`"Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"` + lambdaARN + `echo","Payload.$":"$"},"OutputPath":"$.Payload"`), `[1,2]`,
			taskOutcome{Status: types.ExecutionStatusSucceeded, Output: `{"got":[1,2]}`}},
		{"function error", oneTask(`"Resource":"` + lambdaARN + `reject"`), `{}`,
			taskOutcome{Status: types.ExecutionStatusFailed, Error: "OrderRejected", Cause: `{"errorType":"OrderRejected","errorMessage":"no stock"}`}},
		{"function error caught", caught(`"Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"reject"}`), `{"order":9}`,
			taskOutcome{Status: types.ExecutionStatusSucceeded, Output: `{"error":{"Cause":"{\"errorMessage\":\"no stock\",\"errorType\":\"OrderRejected\"}","Error":"OrderRejected"},"order":9}`}},
		{"retry succeeds on the second attempt", oneTask(`"Resource":"` + lambdaARN + `flaky","Retry":[{"ErrorEquals":["Transient"],"IntervalSeconds":1,"MaxAttempts":2}]`), `{}`,
			taskOutcome{Status: types.ExecutionStatusSucceeded, Output: `{"attempt":2}`}},
		{"timeout kills the command", oneTask(`"Resource":"` + lambdaARN + `sleepy","TimeoutSeconds":1`), `{}`,
			taskOutcome{Status: types.ExecutionStatusFailed, Error: "States.Timeout"}},
		{"timeout caught", caught(`"Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"sleepy"},"TimeoutSeconds":1`), `{"order":9}`,
			taskOutcome{Status: types.ExecutionStatusSucceeded, Output: `{"error":{"Error":"States.Timeout"},"order":9}`}},
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
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := runDefinition(t, c, "fn-"+string(rune('a'+i)), tt.definition, tt.input)
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
