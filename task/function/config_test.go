package function

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func TestParseConfigNamesBadField(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, config, want string
	}{
		{"no functions", `{}`, "f.json: functions: is required (an object of function name to definition)"},
		{"content after the document", `{"functions": {}} {"functions": {"f": {"command": ["x"]}}}`, "f.json: (file): unexpected content after the end of the JSON document"},
		{"unknown field", `{"functions": {"f": {"cmd": ["x"]}}}`, `f.json: (file): json: unknown field "cmd"`},
		{"no kind", `{"functions": {"f": {}}}`, `f.json: functions.f: needs one of command (e.g. ["python3", "handler.py"]), http ({"url": ...}) or lambdaEndpoint ({"url": ..., "functionName": ...})`},
		{"two kinds", `{"functions": {"f": {"command": ["x"], "http": {"url": "http://h"}}}}`, "f.json: functions.f: sets more than one of command, http and lambdaEndpoint; a function runs one way"},
		{"dir on http", `{"functions": {"f": {"dir": "d", "http": {"url": "http://h"}}}}`, "f.json: functions.f.dir: applies to command functions only"},
		{"env on lambda", `{"functions": {"f": {"env": {"A": "1"}, "lambdaEndpoint": {"url": "http://h", "functionName": "x"}}}}`, "f.json: functions.f.env: applies to command functions only"},
		{"http without url", `{"functions": {"f": {"http": {}}}}`, "f.json: functions.f.http.url: is required: an http:// or https:// URL"},
		{"http relative url", `{"functions": {"f": {"http": {"url": "/fn"}}}}`, `f.json: functions.f.http.url: must be an absolute http:// or https:// URL, not "/fn"`},
		{"http file url", `{"functions": {"f": {"http": {"url": "file:///etc/passwd"}}}}`, `f.json: functions.f.http.url: must be an absolute http:// or https:// URL, not "file:///etc/passwd"`},
		{"http negative timeout", `{"functions": {"f": {"http": {"url": "http://h", "timeoutSeconds": -1}}}}`, "f.json: functions.f.http.timeoutSeconds: must not be negative"},
		{"lambda without name", `{"functions": {"f": {"lambdaEndpoint": {"url": "http://h"}}}}`, "f.json: functions.f.lambdaEndpoint.functionName: is required: the function's name on that server"},
		{"lambda bad url", `{"functions": {"f": {"lambdaEndpoint": {"url": "h:9001", "functionName": "x"}}}}`, `f.json: functions.f.lambdaEndpoint.url: must be an absolute http:// or https:// URL, not "h:9001"`},
		{"lambda negative timeout", `{"functions": {"f": {"lambdaEndpoint": {"url": "http://h", "functionName": "x", "timeoutSeconds": -2}}}}`, "f.json: functions.f.lambdaEndpoint.timeoutSeconds: must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseConfig([]byte(tt.config), "f.json")
			if err == nil || err.Error() != tt.want {
				t.Fatalf("err = %v\nwant %s", err, tt.want)
			}
		})
	}
}

func TestLoadConfigBuildsEachKind(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "f.json")
	if err := writeFile(path, `{"functions": {
		"cmd":    {"command": ["./handler"], "dir": "fns", "env": {"B": "2", "A": "1"}},
		"web":    {"http": {"url": "http://127.0.0.1:9000/fn", "headers": {"X": "y"}, "timeoutSeconds": 1.5}},
		"lambda": {"lambdaEndpoint": {"url": "http://127.0.0.1:9001", "functionName": "x", "qualifier": "7"}}
	}}`); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Function{
		"cmd":    Command{Argv: []string{"./handler"}, Dir: filepath.Join(dir, "fns"), Env: []string{"A=1", "B=2"}},
		"web":    HTTP{URL: "http://127.0.0.1:9000/fn", Headers: map[string]string{"X": "y"}, Timeout: 1500 * time.Millisecond},
		"lambda": LambdaEndpoint{URL: "http://127.0.0.1:9001", FunctionName: "x", Qualifier: "7"},
	}
	for name, f := range want {
		if got := cfg.Functions[name].function(); !reflect.DeepEqual(got, f) {
			t.Errorf("%s: got %#v, want %#v", name, got, f)
		}
	}
	if got := want["lambda"].(LambdaEndpoint).InvokeURL(); got != "http://127.0.0.1:9001/2015-03-31/functions/x/invocations?Qualifier=7" {
		t.Errorf("InvokeURL = %s", got)
	}
}
