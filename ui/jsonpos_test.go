package ui

import (
	"strings"
	"testing"
)

func TestLocateAll(t *testing.T) {
	t.Parallel()
	text := strings.Join([]string{
		`{`,
		`  "StartAt": "Fan",`,
		`  "States": {`,
		`    "Fan": {"Type": "Parallel", "End": true,`,
		`      "Branches": [`,
		`        {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}},`,
		`        {"StartAt": "B", "States": {`,
		`          "B": {"Type": "Task", "Next": "Gone"},`,
		`          "we\"ird\u00e9": {"Type": "Pass", "End": true}`,
		`        }}`,
		`      ]`,
		`    }`,
		`  }`,
		`}`,
	}, "\n")
	tests := []struct {
		location  string
		want      textPosition
		wantState string
	}{
		{"/States/Fan/Branches[1]/States/B/Next", textPosition{8, 33}, "B"},
		// A missing field points at the nearest member that exists: the state.
		{"/States/Fan/Branches[1]/States/B/Resource", textPosition{8, 11}, "B"},
		{"/States/Fan/Branches[0]", textPosition{6, 9}, "Fan"}, // a branch belongs to its state
		{"/States/Fan", textPosition{4, 5}, "Fan"},
		{"/StartAt", textPosition{2, 3}, ""},
		{"", textPosition{1, 1}, ""},
		{`/States/Fan/Branches[1]/States/we"irdé`, textPosition{9, 11}, `we"irdé`}, // a key with escapes
		{"[Source: (String)\"{...}\"; line: 7, column: 32]", textPosition{7, 32}, ""},
	}
	locations := make([]string, len(tests))
	for i, tt := range tests {
		locations[i] = tt.location
	}
	got := locateAll([]byte(text), locations)
	for i, tt := range tests {
		if got[i] != tt.want {
			t.Errorf("%q: at %+v, want %+v", tt.location, got[i], tt.want)
		}
		if i < len(tests)-1 {
			if state := stateOfLocation(locationSegments(tt.location)); state != tt.wantState {
				t.Errorf("%q: state %q, want %q", tt.location, state, tt.wantState)
			}
		}
	}
}

func TestLocateAllInvalidText(t *testing.T) {
	t.Parallel()
	// Text that is not JSON (the caller reports its parse error) must not hang or panic.
	for _, text := range []string{"", "{", `{"a": [1, 2`, `{"a" 1}`, `"unterminated`, "]]]"} {
		got := locateAll([]byte(text), []string{"/a/0", "/States/X"})
		if len(got) != 2 || got[0].Line != 1 {
			t.Errorf("%q: %+v", text, got)
		}
	}
}
