package events_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"github.com/stepflow/stepflow/internal/repotestdata"
)

// TestEventPatternCorpus sends every public case recorded on AWS
// (testdata/conformance/eventbridge-patterns) through TestEventPattern over the wire with the
// AWS SDK: the result AWS gave, or AWS's error code; for events AWS refused, its message.
func TestEventPatternCorpus(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	dir := repotestdata.MustDir(t, "conformance", "eventbridge-patterns")
	entries, err := os.ReadDir(dir)
	check(t, "read corpus", err)
	cases := 0
	for _, ent := range entries {
		if !ent.IsDir() {
			continue
		}
		name := ent.Name()
		read := func(f string) string {
			b, err := os.ReadFile(filepath.Join(dir, name, f))
			check(t, "read case", err)
			return string(b)
		}
		var want struct {
			Result *bool `json:"result"`
			Error  *struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		check(t, "expected.json", json.Unmarshal([]byte(read("expected.json")), &want))
		cases++
		t.Run(name, func(t *testing.T) {
			out, err := srv.events.TestEventPattern(ctx, &eventbridge.TestEventPatternInput{
				EventPattern: aws.String(read("pattern.json")), Event: aws.String(read("event.json"))})
			if want.Error != nil {
				msg := ""
				switch {
				case want.Error.Code == "ValidationException":
					msg = want.Error.Message
				case !strings.Contains(want.Error.Message, "Reason: Unexpected character") && !strings.Contains(want.Error.Message, "Reason: Unrecognized token"):
					// AWS's message is the reason, then where its JSON parser stopped.
					msg = strings.SplitN(want.Error.Message, "\n", 2)[0]
				}
				wantError(t, err, want.Error.Code, msg)
				return
			}
			check(t, "TestEventPattern", err)
			if out.Result != *want.Result {
				t.Fatalf("Result = %v, AWS says %v", out.Result, *want.Result)
			}
		})
	}
	if cases < 140 {
		t.Fatalf("only %d cases found", cases)
	}
}
