package pattern

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/internal/repotestdata"
)

// TestRecordedCases runs the EventBridge pattern cases recorded on AWS
// (testdata/conformance/eventbridge-patterns): each pattern must match, not match, or be
// refused with AWS's reason as recorded. Cases whose Event AWS refused before matching
// (not an event object) are the API's to answer and are checked there.
func TestRecordedCases(t *testing.T) {
	t.Parallel()
	dir := repotestdata.MustDir(t, "conformance", "eventbridge-patterns")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	cases := 0
	for _, ent := range entries {
		if !ent.IsDir() {
			continue
		}
		name := ent.Name()
		read := func(f string) []byte {
			b, err := os.ReadFile(filepath.Join(dir, name, f))
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		var want struct {
			Result *bool `json:"result"`
			Error  *struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		if err := json.Unmarshal(read("expected.json"), &want); err != nil {
			t.Fatal(err)
		}
		if want.Error != nil && want.Error.Code == "ValidationException" {
			continue // the event, not the pattern, is refused: the API's check
		}
		cases++
		t.Run(name, func(t *testing.T) {
			p, err := Parse(string(read("pattern.json")))
			if want.Error != nil {
				if err == nil {
					t.Fatalf("parsed; AWS refused it: %s", want.Error.Message)
				}
				// AWS's message is the reason and, from its JSON parser, where it stopped.
				reason := strings.SplitN(want.Error.Message, "\n", 2)[0]
				if !strings.HasPrefix(want.Error.Message, "Event pattern is not valid. Reason: Unexpected character") &&
					!strings.HasPrefix(want.Error.Message, "Event pattern is not valid. Reason: Unrecognized token") &&
					err.Error() != reason {
					t.Fatalf("error %q\nAWS     %q", err.Error(), reason)
				}
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			ev, err := ParseEvent(read("event.json"))
			if err != nil {
				t.Fatalf("event: %v", err)
			}
			if got := p.Match(ev); got != *want.Result {
				t.Fatalf("match = %v, AWS says %v", got, *want.Result)
			}
		})
	}
	if cases < 100 {
		t.Fatalf("only %d cases found", cases)
	}
}
