package httpinvoke

import (
	"github.com/stepflow/stepflow/internal/jsonvalue"

	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/task"
)

// echoServer answers /echo with what it received, /missing with 404, /text with plain text
// and /away with a redirect to target.
func echoServer(t *testing.T, target string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/echo":
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Echo", "yes")
			_ = json.NewEncoder(w).Encode(map[string]any{
				"method": r.Method, "query": r.URL.RawQuery, "token": r.Header.Get("X-Token"),
				"contentType": r.Header.Get("Content-Type"), "body": string(body),
			})
		case "/missing":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"message":"no such order"}`)
		case "/text":
			w.Header().Set("Content-Type", "text/plain")
			_, _ = io.WriteString(w, "plain words")
		case "/away":
			http.Redirect(w, r, target, http.StatusFound)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func hostOf(t *testing.T, raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

func TestInvoke(t *testing.T) {
	t.Parallel()
	outside := echoServer(t, "")
	srv := echoServer(t, outside.URL+"/echo")
	inv, err := New(Config{AllowedHosts: []string{hostOf(t, srv.URL)}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		params    map[string]any
		want      map[string]any // fields of the echoed request, or of the result when wantResult
		wantError string
		wantCause string
	}{
		{name: "GET with query and headers", params: map[string]any{
			"ApiEndpoint": srv.URL + "/echo?fixed=1", "Method": "get",
			"QueryParameters": map[string]any{"q": "a b", "n": 2.0, "list": []any{"x", "y"}},
			"Headers":         map[string]any{"X-Token": "t0k"},
			"Authentication":  map[string]any{"ConnectionArn": "arn:aws:events:us-east-1:123456789012:connection/c/1"},
		}, want: map[string]any{"method": "GET", "query": "fixed=1&list[0]=x&list[1]=y&n=2&q=a+b", "token": "t0k", "contentType": "", "body": ""}},
		{name: "POST JSON body", params: map[string]any{
			"ApiEndpoint": srv.URL + "/echo", "Method": "POST", "RequestBody": map[string]any{"id": 7.0},
		}, want: map[string]any{"method": "POST", "query": "", "token": "", "contentType": "application/json", "body": `{"id":7}`}},
		{name: "POST text body with its own content type", params: map[string]any{
			"ApiEndpoint": srv.URL + "/echo", "Method": "PUT", "RequestBody": "<a/>", "Headers": map[string]any{"Content-Type": "application/xml"},
		}, want: map[string]any{"method": "PUT", "query": "", "token": "", "contentType": "application/xml", "body": "<a/>"}},
		{name: "URL_ENCODED default INDICES", params: formParams(srv.URL, nil),
			want: formEcho("a[0]=x&a[1]=y&m[k]=v&s=hi+there")},
		{name: "URL_ENCODED BRACKETS", params: formParams(srv.URL, "BRACKETS"), want: formEcho("a[]=x&a[]=y&m[k]=v&s=hi+there")},
		{name: "URL_ENCODED REPEAT", params: formParams(srv.URL, "REPEAT"), want: formEcho("a=x&a=y&m[k]=v&s=hi+there")},
		{name: "URL_ENCODED COMMAS", params: formParams(srv.URL, "COMMAS"), want: formEcho("a=x%2Cy&m[k]=v&s=hi+there")},
		{name: "404", params: map[string]any{"ApiEndpoint": srv.URL + "/missing", "Method": "GET"},
			wantError: "States.Http.StatusCode.404", wantCause: `"ResponseBody":{"message":"no such order"},"StatusCode":404,"StatusText":"Not Found"}`},
		{name: "host not allowed", params: map[string]any{"ApiEndpoint": outside.URL + "/echo", "Method": "GET"},
			wantError: "States.Runtime", wantCause: "HTTP Task refused: host " + hostOf(t, outside.URL) + " is not on the allow-list of hosts HTTP Tasks may call; the operator must allow it"},
		{name: "redirect to a host not allowed", params: map[string]any{"ApiEndpoint": srv.URL + "/away", "Method": "GET"},
			wantError: "States.Runtime", wantCause: "HTTP Task refused: host " + hostOf(t, outside.URL) + " is not on the allow-list of hosts HTTP Tasks may call; the operator must allow it"},
		{name: "bad method", params: map[string]any{"ApiEndpoint": srv.URL, "Method": "TRACE"},
			wantError: "States.Runtime", wantCause: `HTTP Task parameters: Method must be one of GET, POST, PUT, DELETE, PATCH, OPTIONS, HEAD, not "TRACE"`},
		{name: "missing endpoint", params: map[string]any{"Method": "GET"},
			wantError: "States.Runtime", wantCause: "HTTP Task parameters: ApiEndpoint must be an absolute http:// or https:// URL, not null (missing)"},
		{name: "unknown field", params: map[string]any{"ApiEndpoint": srv.URL, "Method": "GET", "Body": "x"},
			wantError: "States.Runtime", wantCause: "HTTP Task parameters: unknown field Body (known: ApiEndpoint, Method, Headers, QueryParameters, RequestBody, Transform, Authentication)"},
		{name: "form body not an object", params: map[string]any{"ApiEndpoint": srv.URL, "Method": "POST", "RequestBody": "x", "Transform": map[string]any{"RequestBodyEncoding": "URL_ENCODED"}},
			wantError: "States.Runtime", wantCause: `HTTP Task parameters: RequestBody must be an object when Transform.RequestBodyEncoding is URL_ENCODED, not "x"`},
		{name: "bad array format", params: map[string]any{"ApiEndpoint": srv.URL, "Method": "POST", "Transform": map[string]any{"RequestEncodingOptions": map[string]any{"ArrayFormat": "JSON"}}},
			wantError: "States.Runtime", wantCause: `HTTP Task parameters: Transform.RequestEncodingOptions.ArrayFormat must be BRACKETS, COMMAS, INDICES or REPEAT, not "JSON"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, err := inv.Invoke(context.Background(), &task.Request{Resource: sfn.ParseResource("arn:aws:states:::http:invoke"), Input: tt.params})
			if tt.wantError != "" {
				var te *task.Error
				if !errors.As(err, &te) || te.Name != tt.wantError || !strings.HasSuffix(te.Cause, tt.wantCause) {
					t.Fatalf("error = %#v\nwant %s / ...%s", err, tt.wantError, tt.wantCause)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			res := out.(map[string]any)
			if res["StatusCode"] != 200.0 || res["StatusText"] != "OK" || !reflect.DeepEqual(res["Headers"].(map[string]any)["x-echo"], []any{"yes"}) {
				t.Fatalf("result %#v", res)
			}
			if !reflect.DeepEqual(jsonvalue.Plain(res["ResponseBody"]), tt.want) {
				t.Fatalf("server got %#v\nwant %#v", res["ResponseBody"], tt.want)
			}
		})
	}
}

func formParams(base string, arrayFormat any) map[string]any {
	transform := map[string]any{"RequestBodyEncoding": "URL_ENCODED"}
	if arrayFormat != nil {
		transform["RequestEncodingOptions"] = map[string]any{"ArrayFormat": arrayFormat}
	}
	return map[string]any{
		"ApiEndpoint": base + "/echo", "Method": "POST", "Transform": transform,
		"RequestBody": map[string]any{"s": "hi there", "a": []any{"x", "y"}, "m": map[string]any{"k": "v"}},
	}
}

func formEcho(body string) map[string]any {
	return map[string]any{"method": "POST", "query": "", "token": "", "contentType": "application/x-www-form-urlencoded", "body": body}
}

func TestInvokeTextResponseAndWildcardHost(t *testing.T) {
	t.Parallel()
	srv := echoServer(t, "")
	// "localhost" resolves to the loopback server; the pattern allows any of its ports.
	inv, err := New(Config{AllowedHosts: []string{"*.example.com", "LocalHost"}})
	if err != nil {
		t.Fatal(err)
	}
	endpoint := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1) + "/text"
	out, err := inv.Invoke(context.Background(), &task.Request{Resource: sfn.ParseResource("arn:aws:states:::http:invoke"), Input: map[string]any{"ApiEndpoint": endpoint, "Method": "GET"}})
	if err != nil {
		t.Fatal(err)
	}
	if body := out.(map[string]any)["ResponseBody"]; body != "plain words" {
		t.Fatalf("ResponseBody = %#v", body)
	}
}

func TestInvokeUnreachableIsSocketError(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	endpoint := srv.URL
	srv.Close()
	inv, err := New(Config{AllowedHosts: []string{hostOf(t, endpoint)}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = inv.Invoke(context.Background(), &task.Request{Resource: sfn.ParseResource("arn:aws:states:::http:invoke"), Input: map[string]any{"ApiEndpoint": endpoint, "Method": "GET"}})
	var te *task.Error
	if !errors.As(err, &te) || te.Name != "States.Http.Socket" || !strings.HasPrefix(te.Cause, `Get "`+endpoint+`": dial tcp`) {
		t.Fatalf("error = %#v", err)
	}
}

func TestAllowList(t *testing.T) {
	t.Parallel()
	list, err := parseAllowList([]string{"api.example.com", "127.0.0.1:9000", "*.corp.test", "[::1]:8080"})
	if err != nil {
		t.Fatal(err)
	}
	tests := map[string]bool{
		"https://api.example.com/x":        true,
		"http://API.example.com:8080/x":    true,
		"https://evil.com/api.example.com": false,
		"https://api.example.com.evil.com": false,
		"http://127.0.0.1:9000/":           true,
		"http://127.0.0.1:9001/":           false,
		"http://127.0.0.1/":                false,
		"https://a.b.corp.test/":           true,
		"https://corp.test/":               false,
		"http://[::1]:8080/":               true,
		"http://[::1]:8081/":               false,
	}
	for raw, want := range tests {
		u, _ := url.Parse(raw)
		if got := list.check(u) == nil; got != want {
			t.Errorf("%s allowed = %v, want %v", raw, got, want)
		}
	}
	if _, err := parseAllowList([]string{"http://x.com/"}); err == nil || err.Error() != `allowed host 1 ("http://x.com/") must be a host name or address, optionally with :PORT, e.g. api.example.com or 127.0.0.1:9000` {
		t.Fatalf("err = %v", err)
	}
}

func TestInvokeRecordsExchange(t *testing.T) {
	t.Parallel()
	srv := echoServer(t, "")
	inv, err := New(Config{AllowedHosts: []string{hostOf(t, srv.URL)}})
	if err != nil {
		t.Fatal(err)
	}
	var x Exchange
	ctx := WithExchange(context.Background(), &x)
	req := &task.Request{Resource: sfn.ParseResource("arn:aws:states:::http:invoke"), Input: map[string]any{
		"ApiEndpoint": srv.URL + "/missing", "Method": "PUT", "Headers": map[string]any{"X-Token": "t"}, "RequestBody": map[string]any{"a": 1.0},
	}}
	if _, err := inv.Invoke(ctx, req); err == nil {
		t.Fatal("a 404 answer succeeded")
	}
	if x.Method != "PUT" || x.URL != srv.URL+"/missing" || x.Scheme != "http" || string(x.RequestBody) != `{"a":1}` ||
		x.RequestHeader.Get("X-Token") != "t" || x.RequestHeader.Get("Content-Type") != "application/json" {
		t.Errorf("request recorded as %+v", x)
	}
	if !x.Responded || x.Protocol != "HTTP/1.1" || x.StatusCode != 404 || x.StatusText != "Not Found" ||
		string(x.ResponseBody) != `{"message":"no such order"}` || x.ResponseHeader.Get("Content-Type") != "application/json" {
		t.Errorf("response recorded as %+v", x)
	}

	// Without WithExchange nothing is recorded, and a refused host sends no request.
	var refused Exchange
	req.Input = map[string]any{"ApiEndpoint": "http://elsewhere.invalid/x", "Method": "GET"}
	if _, err := inv.Invoke(WithExchange(context.Background(), &refused), req); err == nil || refused.Method != "" {
		t.Errorf("refused host: err %v, recorded %+v", err, refused)
	}
}

// The engine's runs of an HTTP Task carry the task's idempotency key; a header of that name
// the definition sets itself wins.
func TestInvokeSendsIdempotencyKey(t *testing.T) {
	t.Parallel()
	got := make(chan string, 2)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get(IdempotencyKeyHeader)
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	inv, err := New(Config{AllowedHosts: []string{hostOf(t, srv.URL)}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		headers map[string]any
		want    string
	}{{nil, "arn:x#task-3"}, {map[string]any{IdempotencyKeyHeader: "mine"}, "mine"}} {
		params := map[string]any{"ApiEndpoint": srv.URL, "Method": "GET"}
		if tc.headers != nil {
			params["Headers"] = tc.headers
		}
		if _, err := inv.Invoke(context.Background(), &task.Request{Resource: sfn.ParseResource("arn:aws:states:::http:invoke"),
			Input: params, IdempotencyKey: "arn:x#task-3"}); err != nil {
			t.Fatal(err)
		}
		if h := <-got; h != tc.want {
			t.Fatalf("header %q, want %q", h, tc.want)
		}
	}
}
