package mock

import (
	"encoding/json"
	"errors"
	"testing"
)

// FuzzParseConfig parses fuzzed mock configuration files. It checks that a refused file
// gets a *ConfigError naming the file, a field and what is wrong; that an accepted file is
// one JSON document (nothing after it is silently ignored); that printing the accepted
// configuration and parsing it again gives the same configuration; and that every mocked
// response answers each invocation from 0 up to its last key with exactly one of its keys.
func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(mockFile))
	for _, seed := range []string{
		`{"StateMachines": {}, "MockedResponses": {}}`,
		`{"StateMachines": {"M": {"TestCases": {"T": {"S": "R"}}}}, "MockedResponses": {"R": {"0-1": {"Return": 1}, "2": {"Throw": {"Error": "E", "Cause": "c"}}}}}`,
		`{"StateMachines": {"M": {"TestCases": {"T": {"S": "Missing"}}}}, "MockedResponses": {}}`,
		`{"StateMachines": {}, "MockedResponses": {"R": {"0": {"Return": 1}, "0-2": {"Return": 2}}}}`,
		`{"StateMachines": {}, "MockedResponses": {"R": {"1": {"Return": 1}}}}`,
		`{"StateMachines": {}, "MockedResponses": {"R": {"0": {"Return": 1, "Throw": {"Error": "E"}}}}}`,
		`{"StateMachines": {}, "MockedResponses": {"R": {"0-9223372036854775807": {"Return": 1}, "5": {"Return": 2}}}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConfig(data, "mocks.json")
		if err != nil {
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.File != "mocks.json" || ce.Field == "" || ce.Msg == "" {
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
		for name, r := range c.MockedResponses {
			steps, err := r.schedule()
			if err != nil {
				t.Fatalf("%s: accepted, but its schedule fails: %v", name, err)
			}
			last := steps[len(steps)-1].last
			for index := 0; index <= last && index < 64; index++ {
				covering := 0
				for key := range r {
					first, last, _ := parseRange(key)
					if index >= first && index <= last {
						covering++
					}
				}
				if covering != 1 {
					t.Fatalf("%s: invocation %d is answered by %d keys of %v", name, index, covering, r)
				}
			}
		}
	})
}
