package ui

import (
	"fmt"
	"testing"

	"github.com/stepflow/stepflow/asl"
	"github.com/stepflow/stepflow/graph"
)

func shapeOf(t *testing.T, definition string) [32]byte {
	t.Helper()
	sm, diags := asl.Parse([]byte(definition), asl.ParseOptions{})
	if sm == nil {
		t.Fatalf("parse: %v", diags)
	}
	return graphShape(graph.Build(sm))
}

func TestGraphShape(t *testing.T) {
	t.Parallel()
	const base = `{"StartAt": "A", "States": {
		"A": {"Type": "Pass", "Comment": "first", "Result": 1, "Next": "C"},
		"C": {"Type": "Choice", "Choices": [{"Variable": "$.x", "NumericEquals": 1, "Next": "B"}], "Default": "B"},
		"B": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Retry": [{"ErrorEquals": ["States.ALL"]}], "End": true}}}`
	same := []string{
		`"Comment": "second"`, // a comment is not drawn
		`"Result": 2`,         // nor a value
	}
	different := []string{
		`"Type": "Wait", "Seconds": 1`,      // the type is drawn under the name
		`"NumericEquals": 2`,                // a rule's label
		`"ErrorEquals": ["States.Timeout"]`, // the retry note
	}
	want := shapeOf(t, base)
	replace := map[string]string{
		`"Comment": "second"`:               `"Comment": "first"`,
		`"Result": 2`:                       `"Result": 1`,
		`"Type": "Wait", "Seconds": 1`:      `"Type": "Pass", "Comment": "first", "Result": 1`,
		`"NumericEquals": 2`:                `"NumericEquals": 1`,
		`"ErrorEquals": ["States.Timeout"]`: `"ErrorEquals": ["States.ALL"]`,
	}
	edit := func(with string) string {
		old := replace[with]
		out := ""
		for i := 0; i+len(old) <= len(base); i++ {
			if base[i:i+len(old)] == old {
				out = base[:i] + with + base[i+len(old):]
				break
			}
		}
		if out == "" {
			t.Fatalf("no %s in the definition", old)
		}
		return out
	}
	for _, e := range same {
		if shapeOf(t, edit(e)) != want {
			t.Errorf("%s changed the shape", e)
		}
	}
	for _, e := range different {
		if shapeOf(t, edit(e)) == want {
			t.Errorf("%s did not change the shape", e)
		}
	}
}

func TestSVGCacheKeepsTheLatest(t *testing.T) {
	t.Parallel()
	c := newSVGCache()
	draw := func(i int) string {
		sm, _ := asl.Parse([]byte(fmt.Sprintf(`{"StartAt": "S%d", "States": {"S%d": {"Type": "Succeed"}}}`, i, i)), asl.ParseOptions{})
		return c.svg(graph.Build(sm))
	}
	first := draw(0)
	if again := draw(0); again != first {
		t.Fatal("the same shape drew differently")
	}
	for i := 1; i <= svgCacheSize; i++ {
		draw(i)
	}
	if len(c.entries) != svgCacheSize || len(c.order) != svgCacheSize {
		t.Fatalf("cache holds %d entries (%d in order), want %d", len(c.entries), len(c.order), svgCacheSize)
	}
	if _, ok := c.entries[c.order[0]]; !ok || c.order[0] == graphShapeOfFirst(t) {
		t.Errorf("the oldest drawing was not the one left out")
	}
}

func graphShapeOfFirst(t *testing.T) [32]byte {
	return shapeOf(t, `{"StartAt": "S0", "States": {"S0": {"Type": "Succeed"}}}`)
}
