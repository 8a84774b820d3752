package asl

import (
	"fmt"
	"strings"
	"testing"
)

// largeDefinition builds a chain of n Task states, each with a nested Parameters template,
// a Retry and a Catch, ending in a Succeed state.
func largeDefinition(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"StartAt": "S0", "States": {`)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `"S%d": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
			"Parameters": {"FunctionName": "f", "Payload": {"a.$": "$.x[%d]", "b": {"c": [1, 2, {"d": "e"}]}, "f.$": "States.Format('{}', $.y)"}},
			"Retry": [{"ErrorEquals": ["States.ALL"]}], "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Done"}], "Next": "S%d"},`, i, i, i+1)
	}
	fmt.Fprintf(&b, `"S%d": {"Type": "Pass", "Next": "Done"}, "Done": {"Type": "Succeed"}}}`, n)
	return []byte(b.String())
}

func BenchmarkParse(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		data := largeDefinition(n)
		b.Run(fmt.Sprintf("states=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, diags := Parse(data, ParseOptions{}); len(diags) > 0 {
					b.Fatal(diags)
				}
			}
		})
	}
}
