package conformance

import "testing"

func TestMatcherPlaceholders(t *testing.T) {
	t.Parallel()
	m := newMatcher(map[string]Placeholder{
		"<uuid:1>":               {Kind: "uuid"},
		"<ArnPart_0idx>":         {Kind: "state_machine_name"},
		"<lambda_function_name>": {Kind: "literal", Value: "fn"},
		"date":                   {Kind: "any_value"},
	}, Identity{StateMachineName: "M"})
	tests := []struct {
		want, got any
		ok        bool
	}{
		{"id <uuid:1> end", "id 1234-abcd end", true},
		{"id <uuid:1> end", "id 1234-abcd END", false},
		{"arn:stateMachine:<ArnPart_0idx>", "arn:stateMachine:M", true},
		{"arn:stateMachine:<ArnPart_0idx>", "arn:stateMachine:X", false},
		{"<lambda_function_name>", "fn", true},
		{map[string]any{"Date": "date", "n": 1.0}, map[string]any{"Date": []any{"Mon"}, "n": 1.0}, true},
		{map[string]any{"n": 1.0}, map[string]any{"n": 1.0, "extra": true}, false},
		{[]any{"a.b"}, []any{"aXb"}, false},
		{map[string]any{"RequestId": "RequestId"}, map[string]any{"RequestId": "5f2c"}, true},
		{map[string]any{"RequestId": "RequestId"}, map[string]any{}, false},
		{`{"requestId": "<request-id>"}`, `{"requestId": "00000000-0000-4000-8000-000000000001"}`, true},
		{`{"requestId":<request-id>"}`, `{"requestId":"00000000-0000-4000-8000-000000000001"}`, true},
		{`{"requestId": "<request-id>"}`, `{"requestId": "not-a-request-id"}`, false},
	}
	for _, tt := range tests {
		if ok, why := m.value(tt.want, tt.got, "$"); ok != tt.ok {
			t.Errorf("value(%v, %v) = %v (%s), want %v", tt.want, tt.got, ok, why, tt.ok)
		}
	}
}

func TestPythonDumps(t *testing.T) {
	t.Parallel()
	got := pythonDumps(map[string]any{"a": []any{1.0, 0.5, "é\n"}})
	if want := `{"a": [1, 0.5, "\u00e9\n"]}`; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}
