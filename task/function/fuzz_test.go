package function

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// FuzzParseConfig parses fuzzed functions files. It checks that a refused file gets a
// *ConfigError naming the file, a field and what is wrong; that an accepted file is one
// JSON document (nothing after it is silently ignored); that printing the accepted
// configuration and parsing it again gives the same configuration; and that every function
// it builds means what the file says: a positive timeoutSeconds is a positive time limit
// (not none), and each env entry sets the variable it names.
func FuzzParseConfig(f *testing.F) {
	for _, seed := range []string{
		`{"functions": {}}`,
		`{"functions": {"local": {"command": ["python3", "handler.py"], "dir": "fns", "env": {"K": "V"}}}}`,
		`{"functions": {"remote": {"http": {"url": "http://127.0.0.1:9000/fn", "headers": {"K": "V"}, "timeoutSeconds": 30}}}}`,
		`{"functions": {"lambda": {"lambdaEndpoint": {"url": "http://127.0.0.1:9001", "functionName": "x", "qualifier": "live", "timeoutSeconds": 0.5}}}}`,
		`{"functions": {"f": {"command": ["x"], "http": {"url": "http://h"}}}}`,
		`{"functions": {"f": {"http": {"url": "file:///etc/passwd"}}}}`,
		`{"functions": {"f": {"http": {"url": "http://h", "timeoutSeconds": -1}}}}`,
		`{"functions": {"f": {"cmd": ["x"]}}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConfig(data, "functions.json")
		if err != nil {
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.File != "functions.json" || ce.Field == "" || ce.Msg == "" {
				t.Fatalf("error %T %v, want a *ConfigError naming the file and field", err, err)
			}
			return
		}
		if !json.Valid(data) {
			t.Fatalf("accepted a file that is not one JSON document: %q", data)
		}
		printed, err := json.Marshal(c)
		if err != nil {
			t.Fatalf("print the accepted configuration: %v", err)
		}
		c2, err := ParseConfig(printed, "printed.json")
		if err != nil {
			t.Fatalf("the printed configuration is refused: %v\n%s", err, printed)
		}
		if again, _ := json.Marshal(c2); string(again) != string(printed) {
			t.Fatalf("printing and parsing changed the configuration:\n%s\n%s", printed, again)
		}
		for name, fc := range c.Functions {
			switch fn := fc.function().(type) {
			case HTTP:
				if fc.HTTP.TimeoutSeconds > 0 && fn.Timeout <= 0 {
					t.Fatalf("%s: timeoutSeconds %v became no time limit (%v)", name, fc.HTTP.TimeoutSeconds, fn.Timeout)
				}
			case LambdaEndpoint:
				if fc.LambdaEndpoint.TimeoutSeconds > 0 && fn.Timeout <= 0 {
					t.Fatalf("%s: timeoutSeconds %v became no time limit (%v)", name, fc.LambdaEndpoint.TimeoutSeconds, fn.Timeout)
				}
			case Command:
				for _, kv := range fn.Env {
					k, v, _ := strings.Cut(kv, "=")
					if got, ok := fc.Env[k]; !ok || got != v || strings.ContainsRune(kv, 0) {
						t.Fatalf("%s: env entry %q does not set what the file says (%q)", name, kv, fc.Env)
					}
				}
			}
		}
	})
}
