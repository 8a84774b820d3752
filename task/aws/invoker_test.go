package aws_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stepflow/stepflow/internal/mototest"
	"github.com/stepflow/stepflow/sfn"
	awsint "github.com/stepflow/stepflow/task/aws"
	"github.com/stepflow/stepflow/task/function"
)

func TestConfigErrorsNameTheField(t *testing.T) {
	t.Parallel()
	cases := []struct {
		cfg  awsint.Config
		want string
	}{
		{awsint.Config{Region: "us-east-1", Endpoints: []string{"dynamodb"}}, `aws-endpoint: "dynamodb" must be SERVICE=URL`},
		{awsint.Config{Region: "us-east-1", Endpoints: []string{"dynamodb=localhost:8000"}}, `aws-endpoint: "localhost:8000" is not an http:// or https:// URL (in "dynamodb=localhost:8000")`},
		{awsint.Config{Region: "us-east-1", Endpoints: []string{"dynamo=http://localhost:8000"}}, `aws-endpoint: unknown service "dynamo" in "dynamo=http://localhost:8000"; known services: `},
		{awsint.Config{Region: "us-east-1", Endpoints: []string{"sqs=http://a", "sqs=http://b"}}, `aws-endpoint: service sqs is given twice`},
		{awsint.Config{Region: "us-east-1", Allow: []string{"dynamo"}}, `aws-allow: "dynamo" must be *, SERVICE or SERVICE:ACTION with a known service`},
		{awsint.Config{Region: "us-east-1", Allow: []string{"sqs:"}}, `aws-allow: "sqs:" must be *, SERVICE or SERVICE:ACTION`},
		{awsint.Config{Region: "us-east-1", Allow: []string{"sqs:send*"}}, `aws-allow: "sqs:send*" must be *, SERVICE or SERVICE:ACTION`},
		{awsint.Config{}, `region: must not be empty`},
	}
	for _, c := range cases {
		_, err := awsint.New(c.cfg)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("New(%+v) = %v, want an error starting %q", c.cfg, err, c.want)
		}
	}
	if _, err := awsint.New(awsint.Config{Region: "eu-west-1", Endpoints: []string{"*=http://localhost:4566", "eventbridge=https://events.example.com/"}, Allow: []string{"*", "sfn:startExecution"}}); err != nil {
		t.Errorf("a valid configuration was refused: %v", err)
	}
}

func TestAllowListRefusesWhatIsNotAllowed(t *testing.T) {
	t.Parallel()
	// The endpoint would answer anything: the refusal must come before any request.
	var requests int
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		requests++
		mu.Unlock()
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	inv := newInvoker(t, awsint.Config{Endpoints: []string{"*=" + srv.URL}, Allow: []string{"sqs:sendMessage", "dynamodb"}})
	cases := []struct{ resource, want string }{
		{"arn:aws:states:::sns:publish", "resource arn:aws:states:::sns:publish is not allowed: the operator must allow it with --aws-allow sns:publish (or --aws-allow sns for the whole service)"},
		{"arn:aws:states:::aws-sdk:sqs:deleteQueue", "resource arn:aws:states:::aws-sdk:sqs:deleteQueue is not allowed: the operator must allow it with --aws-allow sqs:deleteQueue (or --aws-allow sqs for the whole service)"},
		{"arn:aws:states:::aws-sdk:secretsmanager:getSecretValue", "resource arn:aws:states:::aws-sdk:secretsmanager:getSecretValue is not allowed: the operator must allow it with --aws-allow secretsmanager:getSecretValue (or --aws-allow secretsmanager for the whole service)"},
	}
	for _, c := range cases {
		def := `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "` + c.resource + `", "Parameters": {}, "End": true}}}`
		res, _ := run(t, newRouter(inv, nil), def, nil)
		if res.Error != sfn.ErrorRuntime || res.Cause != c.want {
			t.Errorf("%s: %s: %s\nwant States.Runtime: %s", c.resource, res.Error, res.Cause, c.want)
		}
	}
	// What is allowed goes through: aws-sdk:dynamodb is the dynamodb service.
	def := `{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:dynamodb:listTables", "Parameters": {}, "End": true}}}`
	res, _ := run(t, newRouter(inv, nil), def, nil)
	mustSucceed(t, res)
	if requests != 1 {
		t.Errorf("the endpoint got %d requests, want 1 (the allowed call only)", requests)
	}
}

// An endpoint nobody listens on fails with the SDK's client exception, which a Retry
// matches, as on AWS.
func TestUnreachableEndpointIsRetried(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	inv := newInvoker(t, awsint.Config{Endpoints: []string{"*=" + closed}, Allow: []string{"*"}})
	def := `{"StartAt": "Put", "States": {
	  "Put": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "Parameters": {"TableName": "t", "Item": {"id": {"S": "1"}}},
	    "Retry": [{"ErrorEquals": ["DynamoDB.SdkClientException"], "IntervalSeconds": 1, "MaxAttempts": 2}],
	    "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Down"}], "End": true},
	  "Down": {"Type": "Pass", "End": true}}}`
	res, hist := run(t, newRouter(inv, nil), def, nil)
	out := mustSucceed(t, res)
	if out["Error"] != "DynamoDB.SdkClientException" || !strings.HasPrefix(out["Cause"].(string), "Unable to execute HTTP request: ") {
		t.Errorf("caught %v", out)
	}
	failures := 0
	for _, ev := range hist {
		if ev.Type == "TaskFailed" {
			failures++
		}
	}
	if failures != 3 {
		t.Errorf("%d TaskFailed events, want 3 (the first try and two retries)", failures)
	}
	// aws-sdk: names it after the SDK's service name.
	def = `{"StartAt": "L", "States": {"L": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:dynamodb:listTables", "Parameters": {}, "End": true}}}`
	res, _ = run(t, newRouter(inv, nil), def, nil)
	if res.Error != "DynamoDb.SdkClientException" {
		t.Errorf("aws-sdk: error %s: %s, want DynamoDb.SdkClientException", res.Error, res.Cause)
	}
}

func TestResponsesThatAreNotJSONOrTooLarge(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Header.Get("X-Amz-Target") {
		case "DynamoDB_20120810.ListTables":
			w.Write([]byte("<html>a proxy's error page</html>"))
		default:
			w.Write([]byte(`{"Item": {"blob": {"S": "`))
			w.Write([]byte(strings.Repeat("x", 2<<20)))
			w.Write([]byte(`"}}}`))
		}
	}))
	defer srv.Close()
	inv := newInvoker(t, awsint.Config{Endpoints: []string{"*=" + srv.URL}, Allow: []string{"*"}, MaxResponseBytes: 1 << 20})
	res, _ := run(t, newRouter(inv, nil), `{"StartAt": "L", "States": {"L": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:dynamodb:listTables", "End": true}}}`, nil)
	if res.Error != "DynamoDb.SdkClientException" || !strings.Contains(res.Cause, "Unable to unmarshall response: the dynamodb response to ListTables is not a JSON object") {
		t.Errorf("not JSON: %s: %s", res.Error, res.Cause)
	}
	res, _ = run(t, newRouter(inv, nil), `{"StartAt": "G", "States": {"G": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem", "Parameters": {}, "End": true}}}`, nil)
	if res.Error != sfn.ErrorTaskFailed || res.Cause != "the dynamodb response is larger than 1048576 bytes, the most Stepflow reads" {
		t.Errorf("too large: %s: %s", res.Error, res.Cause)
	}
}

// A credential chain that finds nothing fails the task with a cause saying where Stepflow
// looked; nothing is sent.
func TestNoCredentials(t *testing.T) {
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "", "AWS_PROFILE": "",
		"AWS_CONFIG_FILE": dir + "/config", "AWS_SHARED_CREDENTIALS_FILE": dir + "/credentials",
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "", "AWS_CONTAINER_CREDENTIALS_FULL_URI": "",
		"AWS_WEB_IDENTITY_TOKEN_FILE": "",
	} {
		t.Setenv(k, v)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("a request was sent without credentials: %s", r.Header.Get("Authorization"))
	}))
	defer srv.Close()
	inv, err := awsint.New(awsint.Config{Region: "us-east-1", Endpoints: []string{"*=" + srv.URL}, Allow: []string{"*"}})
	if err != nil {
		t.Fatal(err)
	}
	res, _ := run(t, newRouter(inv, nil), `{"StartAt": "G", "States": {"G": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem", "Parameters": {}, "End": true}}}`, nil)
	if res.Error != sfn.ErrorTaskFailed || !strings.HasPrefix(res.Cause, "no AWS credentials to sign the request with: ") ||
		!strings.Contains(res.Cause, "environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)") {
		t.Errorf("%s: %s", res.Error, res.Cause)
	}
	// The same through an AWS SDK client (S3).
	res, _ = run(t, newRouter(inv, nil), `{"StartAt": "L", "States": {"L": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:listBuckets", "End": true}}}`, nil)
	if res.Error != sfn.ErrorTaskFailed || !strings.HasPrefix(res.Cause, "no AWS credentials to sign the request with: ") {
		t.Errorf("aws-sdk:s3: %s: %s", res.Error, res.Cause)
	}
}

// signatures records the SigV4 Authorization headers an endpoint received.
type signatures struct {
	mu   sync.Mutex
	auth []string
	body []string
}

func (s *signatures) handler(answer string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.auth = append(s.auth, r.Header.Get("Authorization"))
		s.body = append(s.body, r.URL.Path+" "+string(b))
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(answer))
	})
}

// A state's Credentials.RoleArn is assumed through STS (moto's): the call is signed with
// the role's temporary credentials, not the base ones.
func TestCredentialsRoleArnIsAssumed(t *testing.T) {
	t.Parallel()
	base := mototest.URL(t)
	var sigs signatures
	srv := httptest.NewServer(sigs.handler(`{}`))
	defer srv.Close()
	inv := newInvoker(t, awsint.Config{Endpoints: []string{"sts=" + base, "dynamodb=" + srv.URL}, Allow: []string{"dynamodb"}})
	def := `{"StartAt": "Put", "States": {"Put": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
	  "Credentials": {"RoleArn": "arn:aws:iam::123456789012:role/orders-writer"},
	  "Parameters": {"TableName": "t", "Item": {"id": {"S": "1"}}}, "Next": "Again"},
	  "Again": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
	  "Parameters": {"TableName": "t", "Item": {"id": {"S": "2"}}}, "End": true}}}`
	res, _ := run(t, newRouter(inv, nil), def, nil)
	mustSucceed(t, res)
	if len(sigs.auth) != 2 {
		t.Fatalf("%d requests, want 2", len(sigs.auth))
	}
	if !strings.HasPrefix(sigs.auth[0], "AWS4-HMAC-SHA256 Credential=") || strings.Contains(sigs.auth[0], "AKIDMOTOTEST") {
		t.Errorf("the call with a RoleArn was signed with %q, want the assumed role's keys", sigs.auth[0])
	}
	if !strings.Contains(sigs.auth[1], "Credential=AKIDMOTOTEST/") || !strings.Contains(sigs.auth[1], "/us-east-1/dynamodb/aws4_request") {
		t.Errorf("the call without one was signed with %q, want the base keys for dynamodb in us-east-1", sigs.auth[1])
	}
}

// Lambda: the functions file wins for the names it has; another function is invoked on the
// lambda endpoint with a signed Invoke request.
func TestLambdaFunctionsFileWinsOthersGoToLambda(t *testing.T) {
	t.Parallel()
	var sigs signatures
	srv := httptest.NewServer(sigs.handler(`{"from": "lambda"}`))
	defer srv.Close()
	registry := function.NewRegistry(sfn.DefaultScope)
	registry.Register("local", function.GoFunc(func(ctx context.Context, input any) (any, error) {
		return map[string]any{"from": "file"}, nil
	}))
	inv := newInvoker(t, awsint.Config{Endpoints: []string{"lambda=" + srv.URL}, Allow: []string{"lambda"}})
	def := `{"StartAt": "Local", "States": {
	  "Local": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "local", "Payload": {}}, "ResultSelector": {"from.$": "$.Payload.from"}, "ResultPath": "$.local", "Next": "Remote"},
	  "Remote": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "remote:live", "Payload": {"n": 1}}, "ResultSelector": {"from.$": "$.Payload.from", "status.$": "$.StatusCode"}, "ResultPath": "$.remote", "Next": "Arn"},
	  "Arn": {"Type": "Task", "Resource": "arn:aws:lambda:eu-west-1:123456789012:function:plain", "ResultPath": "$.plain", "End": true}}}`
	res, _ := run(t, newRouter(inv, registry), def, nil)
	out := mustSucceed(t, res)
	if get(out, "local", "from") != "file" || get(out, "remote", "from") != "lambda" || get(out, "remote", "status") != float64(200) || get(out, "plain", "from") != "lambda" {
		t.Errorf("output %v", out)
	}
	if len(sigs.auth) != 2 {
		t.Fatalf("the lambda endpoint got %d requests, want 2", len(sigs.auth))
	}
	if sigs.body[0] != `/2015-03-31/functions/remote/invocations {"n":1}` {
		t.Errorf("request %q", sigs.body[0])
	}
	if !strings.Contains(sigs.auth[0], "/us-east-1/lambda/aws4_request") || !strings.Contains(sigs.auth[1], "/eu-west-1/lambda/aws4_request") {
		t.Errorf("signatures %q: want lambda in the configured region, then in the ARN's", sigs.auth)
	}
	// Without lambda allowed, a function the file lacks is missing, as before.
	closed := newInvoker(t, awsint.Config{Endpoints: []string{"lambda=" + srv.URL}, Allow: []string{"dynamodb"}})
	res, _ = run(t, newRouter(closed, registry), `{"StartAt": "R", "States": {"R": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "remote"}, "End": true}}}`, nil)
	if res.Error != "Lambda.ResourceNotFoundException" {
		t.Errorf("lambda not allowed: %s: %s", res.Error, res.Cause)
	}
}

// stsRecorder stands in front of moto's STS and records the roles assumed through it.
type stsRecorder struct {
	mu    sync.Mutex
	roles []string
}

func (s *stsRecorder) proxy(t *testing.T, target string) *httptest.Server {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	forward := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(b))
		s.mu.Lock()
		s.roles = append(s.roles, form.Get("RoleArn"))
		s.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(b))
		forward.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// --assume-state-machine-role: every call is made as the state machine's roleArn, assumed
// once through STS (moto's) and cached; a state's own Credentials.RoleArn still wins.
func TestStateMachineRoleIsAssumed(t *testing.T) {
	t.Parallel()
	var assumed stsRecorder
	sts := assumed.proxy(t, mototest.URL(t))
	var sigs signatures
	srv := httptest.NewServer(sigs.handler(`{}`))
	defer srv.Close()
	inv := newInvoker(t, awsint.Config{Endpoints: []string{"sts=" + sts.URL, "dynamodb=" + srv.URL}, Allow: []string{"dynamodb"},
		AssumeStateMachineRole: true})
	put := func(id, next string) string {
		return `{"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "Parameters": {"TableName": "t", "Item": {"id": {"S": "` + id + `"}}}, ` + next + `}`
	}
	def := `{"StartAt": "Own", "States": {
	  "Own": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
	    "Credentials": {"RoleArn": "arn:aws:iam::123456789012:role/orders-writer"},
	    "Parameters": {"TableName": "t", "Item": {"id": {"S": "1"}}}, "Next": "Machine1"},
	  "Machine1": ` + put("2", `"Next": "Machine2"`) + `,
	  "Machine2": ` + put("3", `"End": true`) + `}}`
	res, _ := run(t, newRouter(inv, nil), def, nil)
	mustSucceed(t, res)
	machineRole := sfn.DefaultScope.RoleARN("r") // the run helper's state machine role
	if want := []string{"arn:aws:iam::123456789012:role/orders-writer", machineRole}; !slices.Equal(assumed.roles, want) {
		t.Errorf("roles assumed %q, want %q (the state's own, then the state machine's once)", assumed.roles, want)
	}
	if len(sigs.auth) != 3 {
		t.Fatalf("%d requests, want 3", len(sigs.auth))
	}
	for i, auth := range sigs.auth {
		if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=") || strings.Contains(auth, "AKIDMOTOTEST") {
			t.Errorf("call %d was signed with %q, want an assumed role's keys", i, auth)
		}
	}
	if key := func(a string) string {
		return strings.SplitN(strings.TrimPrefix(a, "AWS4-HMAC-SHA256 Credential="), "/", 2)[0]
	}; key(sigs.auth[1]) != key(sigs.auth[2]) || key(sigs.auth[0]) == key(sigs.auth[1]) {
		t.Errorf("signatures %q: want the state machine role's cached keys for the last two calls, other keys for the first", sigs.auth)
	}

	// A role STS refuses fails the task with the role named, and nothing is sent.
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte(`<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not allowed</Message></Error></ErrorResponse>`))
	}))
	defer refusing.Close()
	denied := newInvoker(t, awsint.Config{Endpoints: []string{"sts=" + refusing.URL, "dynamodb=" + srv.URL}, Allow: []string{"dynamodb"},
		AssumeStateMachineRole: true})
	res, _ = run(t, newRouter(denied, nil), `{"StartAt": "P", "States": {"P": `+put("4", `"End": true`)+`}}`, nil)
	if res.Error != sfn.ErrorTaskFailed || !strings.HasPrefix(res.Cause, "could not assume role "+machineRole+" through STS: ") || !strings.Contains(res.Cause, "AccessDenied") {
		t.Errorf("%s: %s", res.Error, res.Cause)
	}
	if len(sigs.auth) != 3 {
		t.Errorf("%d requests after the refused role, want still 3", len(sigs.auth))
	}
}
