package graph_test

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/asl"
	"github.com/stepflow/stepflow/graph"
)

// bigDefinition generates a definition of about 130 states: a chain of tasks with retries,
// a Choice every ten states that loops back or skips ahead, catches into shared Fail states,
// and a Parallel and a Map with their own chains.
func bigDefinition(chain int) string {
	states := map[string]any{}
	name := func(i int) string { return fmt.Sprintf("Step%03d", i) }
	for i := 0; i < chain; i++ {
		next := name(i + 1)
		if i == chain-1 {
			next = "Done"
		}
		switch {
		case i%10 == 9:
			states[name(i)] = map[string]any{"Type": "Choice",
				"Choices": []any{
					map[string]any{"Variable": "$.again", "BooleanEquals": true, "Next": name(i - 5)},
					map[string]any{"Variable": "$.skip", "NumericGreaterThan": float64(i), "Next": name(min(i+4, chain-1))},
				},
				"Default": next}
		case i == 40:
			states[name(i)] = map[string]any{"Type": "Parallel", "Next": next, "Branches": []any{
				subChain("Left", 6), subChain("Right", 4)},
				"Catch": []any{map[string]any{"ErrorEquals": []any{"States.ALL"}, "Next": "Failed0"}}}
		case i == 70:
			states[name(i)] = map[string]any{"Type": "Map", "Next": next, "ItemProcessor": subChain("Item", 5)}
		default:
			st := map[string]any{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": next}
			if i%7 == 3 {
				st["Retry"] = []any{map[string]any{"ErrorEquals": []any{"States.Timeout"}, "MaxAttempts": 2}}
			}
			if i%6 == 1 {
				st["Catch"] = []any{map[string]any{"ErrorEquals": []any{"Err" + fmt.Sprint(i)}, "Next": fmt.Sprintf("Failed%d", (i/6)%3)}}
			}
			states[name(i)] = st
		}
	}
	for i := 0; i < 3; i++ {
		states[fmt.Sprintf("Failed%d", i)] = map[string]any{"Type": "Fail", "Error": "Failed"}
	}
	states["Done"] = map[string]any{"Type": "Succeed"}
	b, _ := json.Marshal(map[string]any{"StartAt": name(0), "States": states})
	return string(b)
}

func subChain(prefix string, n int) map[string]any {
	states := map[string]any{}
	for i := 0; i < n; i++ {
		st := map[string]any{"Type": "Pass", "Next": fmt.Sprintf("%s%d", prefix, i+1)}
		if i == n-1 {
			delete(st, "Next")
			st["End"] = true
		}
		states[fmt.Sprintf("%s%d", prefix, i)] = st
	}
	return map[string]any{"StartAt": prefix + "0", "States": states}
}

func TestLargeDefinitionLayout(t *testing.T) {
	t.Parallel()
	g := mustBuild(t, bigDefinition(120))
	states := 0
	for _, n := range g.Nodes {
		if n.Kind == graph.KindState {
			states++
		}
	}
	if states < 120 {
		t.Fatalf("generated %d states, want at least 120", states)
	}
	l := graph.Arrange(g)

	// No two boxes overlap unless one is a compound state holding the other.
	inside := func(inner, outer *graph.Node) bool {
		for m := inner.Machine; m.Parent != nil; m = m.Parent.Machine {
			if m.Parent == outer {
				return true
			}
		}
		return false
	}
	for i, a := range g.Nodes {
		for _, b := range g.Nodes[i+1:] {
			if inside(a, b) || inside(b, a) {
				if !l.Boxes[b].Contains(l.Boxes[a]) && !l.Boxes[a].Contains(l.Boxes[b]) {
					t.Errorf("%s is not drawn inside %s", a.Name, b.Name)
				}
				continue
			}
			if l.Boxes[a].Overlaps(l.Boxes[b]) {
				t.Errorf("boxes of %s %v and %s %v overlap", a.Name, l.Boxes[a], b.Name, l.Boxes[b])
			}
		}
	}
	// Edge labels sit clear of every state's box.
	for _, r := range l.Routes {
		if r.Edge.Label == "" || r.Edge.Kind == graph.EdgeRetry {
			continue
		}
		label := graph.Rect{X: r.Label.X - 20, Y: r.Label.Y - 8, W: 40, H: 16}
		for _, n := range g.Nodes {
			if !n.Compound() && l.Boxes[n].Overlaps(label) {
				t.Errorf("label %q at %v overlaps %s %v", r.Edge.Label, r.Label, n.Name, l.Boxes[n])
			}
		}
	}
}

func TestSVGWellFormed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, definition string
	}{
		{"choice", choiceDefinition},
		{"nested", nestedDefinition},
		{"120 states", bigDefinition(120)},
		{"names to escape", `{"StartAt": "a<b & \"c\"", "States": {"a<b & \"c\"": {"Type": "Choice",
		  "Choices": [{"Variable": "$.x", "StringEquals": "<&>", "Next": "d'e"}], "Default": "d'e"}, "d'e": {"Type": "Succeed"}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := mustBuild(t, tt.definition)
			svg := g.SVG()
			ids := map[string]bool{}
			dec := xml.NewDecoder(strings.NewReader(svg))
			for {
				tok, err := dec.Token()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatalf("SVG is not well-formed XML: %v", err)
				}
				if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "g" {
					for _, a := range se.Attr {
						if a.Name.Local == "data-id" {
							ids[a.Value] = true
						}
					}
				}
				if se, ok := tok.(xml.StartElement); ok && (se.Name.Local == "script" || se.Name.Local == "image") {
					t.Errorf("SVG has a <%s> element; it must be self-contained", se.Name.Local)
				}
			}
			for _, n := range g.Nodes {
				if !ids[n.ID] {
					t.Errorf("SVG has no group for node %s (%s)", n.ID, n.Name)
				}
			}
			if strings.Contains(svg, "http://") && strings.Count(svg, "http://") != 1 {
				t.Errorf("SVG links to something besides its namespace")
			}
		})
	}
}

func BenchmarkSVG(b *testing.B) {
	for _, n := range []int{120, 500} {
		b.Run(fmt.Sprintf("%d states", n), func(b *testing.B) {
			sm, diags := asl.Parse([]byte(bigDefinition(n)), asl.ParseOptions{})
			if diags.HasErrors() {
				b.Fatal(diags)
			}
			for b.Loop() {
				_ = graph.Build(sm).SVG()
			}
		})
	}
}
