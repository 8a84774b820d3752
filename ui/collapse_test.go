package ui_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// wideMachine has parallels Parallel states of four branches of length Pass states each.
func wideMachine(parallels, length int) string {
	states := map[string]any{}
	for p := range parallels {
		var branches []any
		for b := range 4 {
			inner := map[string]any{}
			for k := range length {
				name := fmt.Sprintf("P%dB%dS%d", p, b, k)
				st := map[string]any{"Type": "Pass", "Comment": fmt.Sprintf("step %d", k)}
				if k+1 < length {
					st["Next"] = fmt.Sprintf("P%dB%dS%d", p, b, k+1)
				} else {
					st["End"] = true
				}
				inner[name] = st
			}
			branches = append(branches, map[string]any{"StartAt": fmt.Sprintf("P%dB%dS0", p, b), "States": inner})
		}
		st := map[string]any{"Type": "Parallel", "Branches": branches}
		if p+1 < parallels {
			st["Next"] = fmt.Sprintf("P%d", p+1)
		} else {
			st["End"] = true
		}
		states[fmt.Sprintf("P%d", p)] = st
	}
	b, _ := json.Marshal(map[string]any{"StartAt": "P0", "States": states})
	return string(b)
}

func TestValidateCollapsesLargeGraphs(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	type answer struct {
		Result        string            `json:"result"`
		Graph         string            `json:"graph"`
		States        int               `json:"states"`
		Collapsed     bool              `json:"collapsed"`
		CollapsedInto map[string]string `json:"collapsedInto"`
	}
	tests := []struct {
		name          string
		definition    string
		expand        bool
		states        int
		collapsed     bool
		drawn, hidden string
	}{
		{"small", wideMachine(2, 3), false, 26, false, `data-state="P1B3S2"`, ""},
		{"large", wideMachine(5, 10), false, 205, true, `data-state="P4"`, `data-state="P4B3S9"`},
		{"large, expanded", wideMachine(5, 10), true, 205, false, `data-state="P4B3S9"`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got answer
			body := map[string]any{"definition": tt.definition, "expand": tt.expand}
			if status := s.postJSON(t, "/ui/api/validate", body, &got); status != 200 {
				t.Fatalf("status %d", status)
			}
			if got.Result != "OK" || got.States != tt.states || got.Collapsed != tt.collapsed {
				t.Errorf("result %s, states %d, collapsed %v; want OK, %d, %v", got.Result, got.States, got.Collapsed, tt.states, tt.collapsed)
			}
			if !strings.Contains(got.Graph, tt.drawn) {
				t.Errorf("the graph lacks %s", tt.drawn)
			}
			if tt.hidden != "" && strings.Contains(got.Graph, tt.hidden) {
				t.Errorf("the collapsed graph draws %s", tt.hidden)
			}
			if tt.collapsed && (len(got.CollapsedInto) != 200 || got.CollapsedInto["P4B3S9"] != "P4") {
				t.Errorf("collapsedInto has %d states, P4B3S9 → %q", len(got.CollapsedInto), got.CollapsedInto["P4B3S9"])
			}
		})
	}
}
