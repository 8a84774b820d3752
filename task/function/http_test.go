package function

import (
	"github.com/stepflow/stepflow/internal/jsonvalue"

	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/task"
)

// functionServer plays the remote side of HTTP functions: /echo returns the payload (when the
// configured header arrived), /fail-json and /fail-text fail with and without an error document.
func functionServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch {
		case r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json":
			http.Error(w, "want a JSON POST", http.StatusBadRequest)
		case r.URL.Path == "/echo" && r.Header.Get("X-Token") == "secret":
			_, _ = w.Write(body)
		case r.URL.Path == "/fail-json":
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, `{"errorType":"ValueError","errorMessage":"bad input"}`)
		case r.URL.Path == "/fail-text":
			http.Error(w, "upstream down", http.StatusBadGateway)
		default:
			http.Error(w, "forbidden", http.StatusForbidden)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// lambdaServer plays a Lambda Invoke API server with functions "echo" (qualifier "live"
// only) and "fail"; any other name is not found.
func lambdaServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Header.Get("X-Amz-Invocation-Type") != "RequestResponse" {
			http.Error(w, "want RequestResponse", http.StatusBadRequest)
			return
		}
		switch r.URL.Path {
		case "/2015-03-31/functions/echo/invocations":
			if r.URL.Query().Get("Qualifier") != "live" {
				http.Error(w, "want Qualifier=live", http.StatusBadRequest)
				return
			}
			_, _ = w.Write(body)
		case "/2015-03-31/functions/fail/invocations":
			w.Header().Set("X-Amz-Function-Error", "Unhandled")
			_, _ = io.WriteString(w, `{"errorType":"TypeError","errorMessage":"x is undefined"}`)
		default:
			w.Header().Set("X-Amzn-ErrorType", "ResourceNotFoundException:http://internal.amazon.com/coral/com.amazonaws.awsgirlambda/")
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"Type":"User","message":"Function not found: nope"}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestRemoteFunctions(t *testing.T) {
	t.Parallel()
	fn, lambda := functionServer(t), lambdaServer(t)
	cfg, err := ParseConfig([]byte(`{"functions": {
		"echo":      {"http": {"url": "`+fn.URL+`/echo", "headers": {"X-Token": "secret"}, "timeoutSeconds": 5}},
		"noToken":   {"http": {"url": "`+fn.URL+`/echo"}},
		"failJSON":  {"http": {"url": "`+fn.URL+`/fail-json"}},
		"failText":  {"http": {"url": "`+fn.URL+`/fail-text"}},
		"lambdaEcho":    {"lambdaEndpoint": {"url": "`+lambda.URL+`/", "functionName": "echo", "qualifier": "live"}},
		"lambdaFail":    {"lambdaEndpoint": {"url": "`+lambda.URL+`", "functionName": "fail"}},
		"lambdaMissing": {"lambdaEndpoint": {"url": "`+lambda.URL+`", "functionName": "nope", "timeoutSeconds": 2}}
	}}`), "f.json")
	if err != nil {
		t.Fatal(err)
	}
	reg := newTestRegistry()
	cfg.Register(reg)
	tests := []struct {
		function  string
		want      any
		wantError string
		wantCause string
	}{
		{function: "echo", want: map[string]any{"n": 1.0}},
		{function: "noToken", wantError: "Error", wantCause: `{"errorType":"Error","errorMessage":"` + fn.URL + `/echo returned HTTP 403 Forbidden: forbidden"}`},
		{function: "failJSON", wantError: "ValueError", wantCause: `{"errorType":"ValueError","errorMessage":"bad input"}`},
		{function: "failText", wantError: "Error", wantCause: `{"errorType":"Error","errorMessage":"` + fn.URL + `/fail-text returned HTTP 502 Bad Gateway: upstream down"}`},
		{function: "lambdaEcho", want: map[string]any{"n": 1.0}},
		{function: "lambdaFail", wantError: "TypeError", wantCause: `{"errorType":"TypeError","errorMessage":"x is undefined"}`},
		{function: "lambdaMissing", wantError: "Lambda.ResourceNotFoundException",
			wantCause: "Function not found: nope (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Proxy: null)"},
	}
	for _, tt := range tests {
		t.Run(tt.function, func(t *testing.T) {
			t.Parallel()
			got, err := reg.Invoke(context.Background(), &task.Request{
				Resource: sfn.ParseResource("arn:aws:lambda:us-east-1:111111111111:function:" + tt.function),
				Input:    map[string]any{"n": 1.0},
			})
			if tt.wantError != "" {
				var te *task.Error
				if !errors.As(err, &te) || te.Name != tt.wantError || te.Cause != tt.wantCause {
					t.Fatalf("error = %#v, want %s / %s", err, tt.wantError, tt.wantCause)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(jsonvalue.Plain(got), tt.want) {
				t.Fatalf("got %#v, %v; want %#v", got, err, tt.want)
			}
		})
	}
}

func TestHTTPFunctionUnreachable(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	reg := newTestRegistry()
	reg.Register("gone", HTTP{URL: url})
	_, err := reg.Invoke(context.Background(), &task.Request{Resource: sfn.ParseResource("arn:aws:lambda:us-east-1:111111111111:function:gone")})
	var te *task.Error
	if !errors.As(err, &te) || te.Name != "Lambda.ServiceException" || !strings.HasPrefix(te.Cause, "function gone: call "+url+": ") {
		t.Fatalf("error = %#v", err)
	}
}
