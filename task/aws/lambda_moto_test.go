package aws_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/internal/conformance"
	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/internal/mototest"
	"github.com/stepflow/stepflow/internal/repotestdata"
	"github.com/stepflow/stepflow/task"
	awsint "github.com/stepflow/stepflow/task/aws"
	"github.com/stepflow/stepflow/task/function"
)

// motoLambda starts a moto server whose Lambda runs no code (no Docker): an invocation
// answers the payload it was sent, or the next result queued with queueLambdaResult.
func motoLambda(t *testing.T) string {
	t.Helper()
	base := mototest.Own(t, `{"lambda": {"use_docker": false}}`)
	form := url.Values{"Action": {"CreateRole"}, "Version": {"2010-05-08"}, "RoleName": {"lambda-role"}, "AssumeRolePolicyDocument": {"{}"}}
	mototest.Call(t, base+"/", "iam", "", "application/x-www-form-urlencoded", []byte(form.Encode()))
	return base
}

func createMotoFunction(t *testing.T, base, name string) {
	t.Helper()
	mototest.Call(t, base+"/2015-03-31/functions", "lambda", "", "application/json", []byte(fmt.Sprintf(
		`{"FunctionName": %q, "Runtime": "python3.12", "Role": "arn:aws:iam::123456789012:role/lambda-role", "Handler": "h.h", "Code": {"ZipFile": %q}}`,
		name, base64.StdEncoding.EncodeToString([]byte("not really a zip")))))
}

// queueLambdaResult makes moto's next invocation answer result (moto's own API).
func queueLambdaResult(t *testing.T, base, result string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"results": []string{result}, "region": mototest.Region})
	resp, err := http.Post(base+"/moto-api/static/lambda-simple/response", "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("queue a Lambda result in moto: %s", resp.Status)
	}
}

// contentLengthToken stands, in the recordings run against moto, for the Content-Length
// header: moto's Lambda answers the payload as Stepflow sent it (compact JSON), where the
// recorded Python functions answered json.dumps's spaced text, so only the lengths differ.
// The mocked conformance run checks the recorded lengths.
const contentLengthToken = "<stepflow:moto-content-length>"

// serviceMessageToken stands for a service's error message, which moto words its own way.
const serviceMessageToken = "<stepflow:moto-message>"

// wildcardServiceMessage replaces the message part of the causes in v by serviceMessageToken.
func wildcardServiceMessage(v any) any {
	switch v := v.(type) {
	case *jsonvalue.Object:
		for i := 0; i < v.Len(); i++ {
			k, e := v.KeyAt(i), v.ValueAt(i)
			if cause, ok := e.(string); ok && k == "Cause" {
				if j := strings.Index(cause, " (Service: "); j > 0 {
					v.Set(k, serviceMessageToken+cause[j:])
				}
				continue
			}
			v.Set(k, wildcardServiceMessage(e))
		}
	case map[string]any:
		for k, e := range v {
			if cause, ok := e.(string); ok && k == "Cause" {
				if i := strings.Index(cause, " (Service: "); i > 0 {
					v[k] = serviceMessageToken + cause[i:]
				}
				continue
			}
			v[k] = wildcardServiceMessage(e)
		}
	case []any:
		for i, e := range v {
			v[i] = wildcardServiceMessage(e)
		}
	}
	return v
}

func wildcardContentLength(v any) any {
	switch v := v.(type) {
	case *jsonvalue.Object:
		for i := 0; i < v.Len(); i++ {
			k, e := v.KeyAt(i), v.ValueAt(i)
			if k == "Content-Length" {
				v.Set(k, contentLengthToken)
				continue
			}
			v.Set(k, wildcardContentLength(e))
		}
	case map[string]any:
		for k, e := range v {
			if k == "Content-Length" {
				v[k] = contentLengthToken
				continue
			}
			v[k] = wildcardContentLength(e)
		}
	case []any:
		for i, e := range v {
			v[i] = wildcardContentLength(e)
		}
	}
	return v
}

// TestRecordedLambdaCasesOnMoto runs the executions recorded on AWS that invoke Lambda
// functions (testdata/conformance/localstack, by ARN and through lambda:invoke) with their
// functions on moto's Lambda, called over the wire and signed, instead of played in process:
// result shapes, error names and causes must still be AWS's. moto runs no function code
// without Docker, so it serves functions that echo their payload, that answer a constant
// and that do not exist; functions that raise an error (function errors need a runtime)
// are skipped and counted.
func TestRecordedLambdaCasesOnMoto(t *testing.T) {
	t.Parallel()
	cases, err := conformance.LoadDir(repotestdata.MustDir(t, "conformance", "localstack"))
	if err != nil {
		t.Fatal(err)
	}
	base := motoLambda(t)
	inv := newInvoker(t, awsint.Config{Endpoints: []string{"lambda=" + base}, Allow: []string{"lambda"}})
	// moto's Lambda without Docker answers for functions it does not have; in its Docker
	// mode it looks a function up before it needs Docker, and answers 404 as Lambda does.
	missingInv := newInvoker(t, awsint.Config{Endpoints: []string{"lambda=" + mototest.URL(t)}, Allow: []string{"lambda"}})
	ran, skipped, created := 0, map[string]int{}, map[string]bool{}
	for _, c := range cases {
		if len(c.Lambdas) == 0 {
			continue
		}
		if why := unservableOnMoto(c); why != "" {
			skipped[why]++
			continue
		}
		names := make([]string, 0, len(c.Lambdas))
		for name := range c.Lambdas {
			names = append(names, name)
		}
		sort.Strings(names)
		caseInv := inv
		for _, name := range names {
			b := c.Lambdas[name]
			if b.Kind == "missing" {
				caseInv = missingInv // a case's functions are all missing or all there
				continue
			}
			if !created[name] {
				createMotoFunction(t, base, name)
				created[name] = true
			}
			if b.Kind == "constant" {
				queueLambdaResult(t, base, jsonvalue.MarshalString(b.Value))
			}
		}
		c.Expected.Output = wildcardContentLength(c.Expected.Output)
		if c.Expected.Placeholders == nil {
			c.Expected.Placeholders = map[string]conformance.Placeholder{}
		}
		c.Expected.Placeholders[contentLengthToken] = conformance.Placeholder{Kind: "any_value"}
		if caseInv == missingInv {
			// The message is the service's own: moto's names its own account and no
			// version. What Stepflow makes of it, the name and the AWS SDK for Java's
			// "(Service: ...; Request ID: ...; Proxy: null)", must be as recorded.
			c.Expected.Output = wildcardServiceMessage(c.Expected.Output)
			c.Expected.Placeholders[serviceMessageToken] = conformance.Placeholder{Kind: "reference"}
		}

		// Nothing is registered locally: every function goes to moto's Lambda.
		registry := function.NewRegistry(conformance.Scope())
		router := task.NewRouter()
		lambda := caseInv.Lambda(registry)
		router.HandleLambda(lambda)
		router.HandleService("lambda", lambda)
		res := conformance.RunWithInvoker(context.Background(), c, router)
		if !res.Pass && strings.Contains(res.Reason, "Lambda.ServiceException") && strings.Contains(res.Reason, "500 Internal Server Error") {
			// moto 5.2's Lambda without Docker fails with HTTP 500 on a payload that is not
			// a JSON object (0, [], true: "'float' object is not subscriptable").
			skipped["a payload that is not an object (moto answers 500)"]++
			continue
		}
		ran++
		if !res.Pass {
			t.Errorf("%s: %s", c.Name, res.Reason)
		}
	}
	t.Logf("recorded Lambda cases run against moto: %d; skipped (moto cannot serve them): %v", ran, skipped)
	if ran < 15 {
		t.Fatalf("only %d recorded Lambda cases were run", ran)
	}
}

// unservableOnMoto says why moto's Lambda without Docker cannot play a case's functions,
// or "" when it can.
func unservableOnMoto(c *conformance.Case) string {
	constants := 0
	for _, b := range c.Lambdas {
		switch b.Kind {
		case "raise":
			return "a function that raises (function errors need a runtime)"
		case "constant":
			constants++
		}
	}
	if constants > 1 {
		return "several constant functions (moto queues results for all functions at once)"
	}
	return ""
}

// lambda:invoke's InvocationType, LogType, ClientContext and Qualifier go to Lambda (moto):
// Event answers 202 and DryRun 204 with an empty Payload (moto's Lambda without Docker
// ignores qualifiers and sends no log tail, so those are checked against a recording server
// in task/function).
func TestLambdaInvokeOptionsOnLambda(t *testing.T) {
	t.Parallel()
	base := motoLambda(t)
	createMotoFunction(t, base, "options-fn")
	inv := newInvoker(t, awsint.Config{Endpoints: []string{"*=" + base}, Allow: []string{"lambda"}})
	definition := `{"StartAt": "Event", "States": {
	  "Event": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
	    "Parameters": {"FunctionName": "options-fn", "Payload": {"n": 1}, "InvocationType": "Event"}, "ResultPath": "$.event", "Next": "DryRun"},
	  "DryRun": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
	    "Parameters": {"FunctionName": "options-fn", "InvocationType": "DryRun"}, "ResultPath": "$.dryRun", "Next": "Sync"},
	  "Sync": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
	    "Parameters": {"FunctionName": "options-fn", "Payload": {"n": 3}, "Qualifier": "$LATEST", "LogType": "Tail", "ClientContext": "e30="},
	    "ResultPath": "$.sync", "End": true}}}`
	res, _ := run(t, newRouter(inv, nil), definition, nil)
	out := mustSucceed(t, res)
	for _, step := range []struct {
		key    string
		status float64
	}{{"event", 202}, {"dryRun", 204}} {
		got := out[step.key]
		if get(got, "StatusCode") != step.status || get(got, "Payload") != "" || get(got, "SdkHttpMetadata", "HttpStatusCode") != step.status || get(got, "ExecutedVersion") != nil {
			t.Errorf("%s: %s, want StatusCode %v, Payload \"\" and no ExecutedVersion", step.key, jsonvalue.MarshalString(got), step.status)
		}
	}
	if get(out, "sync", "StatusCode") != 200.0 || get(out, "sync", "Payload", "n") != 3.0 || get(out, "sync", "ExecutedVersion") != "$LATEST" {
		t.Errorf("sync: %s", jsonvalue.MarshalString(out["sync"]))
	}
}
