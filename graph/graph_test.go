package graph_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/asl"
	"github.com/stepflow/stepflow/graph"
)

func mustBuild(t *testing.T, definition string) *graph.Graph {
	t.Helper()
	sm, diags := asl.Parse([]byte(definition), asl.ParseOptions{})
	if diags.HasErrors() {
		t.Fatalf("parse: %v", diags)
	}
	return graph.Build(sm)
}

const choiceDefinition = `{
  "StartAt": "FirstStep",
  "States": {
    "FirstStep": {"Type": "Pass", "Next": "SampleChoice"},
    "SampleChoice": {
      "Type": "Choice",
      "Choices": [{"Variable": "$.ok", "BooleanEquals": true, "Next": "TrueStep"}],
      "Default": "FalseStep"
    },
    "TrueStep": {"Type": "Pass", "End": true},
    "FalseStep": {"Type": "Fail", "Error": "ConditionNotMet"}
  }
}`

const nestedDefinition = `{
  "StartAt": "Fan",
  "States": {
    "Fan": {
      "Type": "Parallel",
      "Branches": [
        {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}},
        {"StartAt": "B", "States": {"B": {"Type": "Wait", "Seconds": 1, "End": true}}}
      ],
      "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Oops"}],
      "Next": "Each"
    },
    "Each": {
      "Type": "Map",
      "ItemProcessor": {"StartAt": "Work", "States": {
        "Work": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
          "Retry": [{"ErrorEquals": ["States.Timeout", "Busy"], "MaxAttempts": 2}], "End": true}
      }},
      "End": true
    },
    "Oops": {"Type": "Fail"}
  }
}`

func TestDOT(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, definition, want string
	}{
		{"choice", choiceDefinition, `digraph stateMachine {
  compound=true;
  node [fontname="Helvetica", fontsize=12, shape=box, style=rounded];
  edge [fontname="Helvetica", fontsize=10];
  start [label="Start", shape=oval, style=filled, fillcolor="#eceff1"];
  s0 [label="FirstStep"];
  s1 [label="SampleChoice", shape=diamond, style=""];
  s2 [label="TrueStep"];
  s3 [label="FalseStep", style="rounded,filled", fillcolor="#ffebee"];
  end [label="End", shape=oval, style=filled, fillcolor="#eceff1"];
  start -> s0;
  s0 -> s1;
  s1 -> s2 [label="$.ok == true"];
  s1 -> s3 [label="Default"];
  s2 -> end;
  s3 -> end;
}
`},
		{"parallel, map, catch and retry", nestedDefinition, `digraph stateMachine {
  compound=true;
  node [fontname="Helvetica", fontsize=12, shape=box, style=rounded];
  edge [fontname="Helvetica", fontsize=10];
  start [label="Start", shape=oval, style=filled, fillcolor="#eceff1"];
  subgraph cluster_s0 {
    label="Fan (Parallel)";
    s0_in [shape=point, style=invis, width=0, height=0];
    s0_out [shape=point, style=invis, width=0, height=0];
    subgraph cluster_s0_b0 {
      label="Branch 1";
      s1 [label="A"];
    }
    subgraph cluster_s0_b1 {
      label="Branch 2";
      s2 [label="B"];
    }
    s0_in -> s1 [style=invis];
    s1 -> s0_out [style=invis];
    s0_in -> s2 [style=invis];
    s2 -> s0_out [style=invis];
  }
  subgraph cluster_s3 {
    label="Each (Map)";
    s3_in [shape=point, style=invis, width=0, height=0];
    s3_out [shape=point, style=invis, width=0, height=0];
    subgraph cluster_s3_b0 {
      label="Item processor";
      s4 [label="Work"];
    }
    s3_in -> s4 [style=invis];
    s4 -> s3_out [style=invis];
  }
  s5 [label="Oops", style="rounded,filled", fillcolor="#ffebee"];
  end [label="End", shape=oval, style=filled, fillcolor="#eceff1"];
  start -> s0_in [lhead=cluster_s0];
  s0_out -> s3_in [ltail=cluster_s0, lhead=cluster_s3];
  s0_out -> s5 [label="States.ALL", style=dashed, ltail=cluster_s0];
  s3_out -> end [ltail=cluster_s3];
  s5 -> end;
  s4 -> s4 [label="retry States.Timeout, Busy ×2", style=dotted];
}
`},
		{"retry on a parallel state", `{"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true,
		  "Retry": [{"ErrorEquals": ["States.ALL"]}],
		  "Branches": [{"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}]}}}`, `digraph stateMachine {
  compound=true;
  node [fontname="Helvetica", fontsize=12, shape=box, style=rounded];
  edge [fontname="Helvetica", fontsize=10];
  start [label="Start", shape=oval, style=filled, fillcolor="#eceff1"];
  subgraph cluster_s0 {
    label="P (Parallel)\nretry States.ALL ×3";
    s0_in [shape=point, style=invis, width=0, height=0];
    s0_out [shape=point, style=invis, width=0, height=0];
    subgraph cluster_s0_b0 {
      label="Branch 1";
      s1 [label="A", style="rounded,filled", fillcolor="#e8f5e9"];
    }
    s0_in -> s1 [style=invis];
    s1 -> s0_out [style=invis];
  }
  end [label="End", shape=oval, style=filled, fillcolor="#eceff1"];
  start -> s0_in [lhead=cluster_s0];
  s0_out -> end [ltail=cluster_s0];
}
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := mustBuild(t, tt.definition).DOT(); got != tt.want {
				t.Errorf("DOT() =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestMermaid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, definition, want string
	}{
		{"choice", choiceDefinition, `flowchart TD
  start(("Start"))
  s0["FirstStep"]
  s1{"SampleChoice"}
  s2["TrueStep"]
  s3(["FalseStep"])
  End(("End"))
  start --> s0
  s0 --> s1
  s1 -->|"$.ok == true"| s2
  s1 -->|"Default"| s3
  s2 --> End
  s3 --> End
  classDef fail fill:#ffebee,stroke:#c62828
  class s3 fail
`},
		{"parallel, map, catch and retry", nestedDefinition, `flowchart TD
  start(("Start"))
  subgraph s0 ["Fan (Parallel)"]
    subgraph s0_b0 ["Branch 1"]
      s1["A"]
    end
    subgraph s0_b1 ["Branch 2"]
      s2["B"]
    end
  end
  subgraph s3 ["Each (Map)"]
    subgraph s3_b0 ["Item processor"]
      s4["Work"]
    end
  end
  s5(["Oops"])
  End(("End"))
  start --> s0
  s0 --> s3
  s0 -.->|"States.ALL"| s5
  s3 --> End
  s5 --> End
  s4 -.->|"retry States.Timeout, Busy ×2"| s4
  classDef fail fill:#ffebee,stroke:#c62828
  class s5 fail
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := mustBuild(t, tt.definition).Mermaid(); got != tt.want {
				t.Errorf("Mermaid() =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestRuleText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rule, want string
	}{
		{`{"Variable": "$.x", "BooleanEquals": true, "Next": "N"}`, `$.x == true`},
		{`{"Variable": "$.n", "NumericGreaterThanEquals": 10.5, "Next": "N"}`, `$.n >= 10.5`},
		{`{"Variable": "$.n", "NumericLessThanPath": "$.limit", "Next": "N"}`, `$.n < $.limit`},
		{`{"Variable": "$.s", "StringMatches": "log-*.txt", "Next": "N"}`, `$.s matches "log-*.txt"`},
		{`{"Variable": "$.s", "StringEquals": "a\"b", "Next": "N"}`, `$.s == "a\"b"`},
		{`{"Variable": "$.v", "IsNull": false, "Next": "N"}`, `$.v is not null`},
		{`{"Variable": "$.v", "IsPresent": true, "Next": "N"}`, `$.v is present`},
		{`{"Variable": "$.t", "TimestampLessThan": "2026-01-01T00:00:00Z", "Next": "N"}`, `$.t < "2026-01-01T00:00:00Z"`},
		{`{"Not": {"Variable": "$.x", "StringEquals": "y"}, "Next": "N"}`, `!($.x == "y")`},
		{`{"Or": [{"Variable": "$.a", "NumericEquals": 1}, {"And": [{"Variable": "$.b", "BooleanEquals": true}, {"Variable": "$.c", "IsString": true}]}], "Next": "N"}`,
			`$.a == 1 || ($.b == true && $.c is string)`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			g := mustBuild(t, `{"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [`+tt.rule+`]}, "N": {"Type": "Succeed"}}}`)
			got := ""
			for _, e := range g.Root.Edges {
				if e.Kind == graph.EdgeChoice {
					got = e.Label
				}
			}
			if got != tt.want {
				t.Errorf("rule label = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRuleTextJSONata(t *testing.T) {
	t.Parallel()
	g := mustBuild(t, `{"QueryLanguage": "JSONata", "StartAt": "C", "States": {
	  "C": {"Type": "Choice", "Choices": [{"Condition": "{% $states.input.n > 3 %}", "Next": "N"}], "Default": "N"},
	  "N": {"Type": "Succeed"}}}`)
	if got, want := g.Root.Edges[1].Label, "$states.input.n > 3"; got != want {
		t.Errorf("rule label = %q, want %q", got, want)
	}
}

// TestDOTAcceptedByGraphviz feeds the DOT output to Graphviz when it is installed (it is
// optional: apt-get install graphviz).
func TestDOTAcceptedByGraphviz(t *testing.T) {
	t.Parallel()
	dot, err := exec.LookPath("dot")
	if err != nil {
		t.Skip("Graphviz is not installed; skipping the check of the DOT output with dot")
	}
	for name, def := range map[string]string{"choice": choiceDefinition, "nested": nestedDefinition, "120 states": bigDefinition(120)} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(dot, "-Tsvg", "-o", os.DevNull)
			cmd.Stdin = strings.NewReader(mustBuild(t, def).DOT())
			if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
				t.Errorf("dot: %v\n%s", err, out)
			}
		})
	}
}
