package pattern

import (
	"errors"
	"testing"
)

// Semantics EventBridge documents beyond the recorded cases.
func TestMatchSemantics(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, pattern, event string
		want                 bool
	}{
		{"array intersects", `{"r":["a","b"]}`, `{"r":["x","b"]}`, true},
		{"array disjoint", `{"r":["a"]}`, `{"r":["x","y"]}`, false},
		{"same element of an array of objects", `{"o":{"k":["1"],"v":["2"]}}`, `{"o":[{"k":"1","v":"2"},{"k":"3","v":"4"}]}`, true},
		{"fields from different elements", `{"o":{"k":["1"],"v":["4"]}}`, `{"o":[{"k":"1","v":"2"},{"k":"3","v":"4"}]}`, false},
		{"numeric range", `{"n":[{"numeric":[">",0,"<=",5]}]}`, `{"n":5}`, true},
		{"numeric open top", `{"n":[{"numeric":[">",0,"<",5]}]}`, `{"n":5}`, false},
		{"numeric equals float", `{"n":[{"numeric":["=",3.0e2]}]}`, `{"n":300}`, true},
		{"number exact by value", `{"n":[5]}`, `{"n":5.0}`, true},
		{"number is not a string", `{"n":[5]}`, `{"n":"5"}`, false},
		{"wildcard", `{"f":[{"wildcard":"dir/*.png"}]}`, `{"f":"dir/a/b.png"}`, true},
		{"wildcard no match", `{"f":[{"wildcard":"dir/*.png"}]}`, `{"f":"dir/a/b.jpg"}`, false},
		{"wildcard escaped star", `{"f":[{"wildcard":"a\\*b*"}]}`, `{"f":"a*bc"}`, true},
		{"wildcard escaped star literal", `{"f":[{"wildcard":"a\\*b*"}]}`, `{"f":"axbc"}`, false},
		{"exists false on missing", `{"f":[{"exists":false}]}`, `{"g":1}`, true},
		{"exists false on present", `{"f":[{"exists":false}]}`, `{"f":1}`, false},
		{"exists true on an object", `{"f":[{"exists":true}]}`, `{"f":{"g":1}}`, false},
		{"exists true on null", `{"f":[{"exists":true}]}`, `{"f":null}`, true},
		{"cidr v4", `{"ip":[{"cidr":"10.0.0.0/24"}]}`, `{"ip":"10.0.0.255"}`, true},
		{"cidr v4 outside", `{"ip":[{"cidr":"10.0.0.0/24"}]}`, `{"ip":"10.0.1.0"}`, false},
		{"cidr v6", `{"ip":[{"cidr":"2001:db8::/32"}]}`, `{"ip":"2001:db8:1::1"}`, true},
		{"ip exact in another form", `{"ip":["2001:db8::1"]}`, `{"ip":"2001:0db8:0:0:0:0:0:1"}`, true},
		{"anything-but numbers", `{"n":[{"anything-but":[1,2]}]}`, `{"n":2.0}`, false},
		{"anything-but prefix", `{"s":[{"anything-but":{"prefix":"init"}}]}`, `{"s":"running"}`, true},
		{"anything-but prefix hit", `{"s":[{"anything-but":{"prefix":"init"}}]}`, `{"s":"initializing"}`, false},
		{"anything-but on missing", `{"s":[{"anything-but":"x"}]}`, `{"t":"y"}`, false},
		{"suffix ignore case", `{"f":[{"suffix":{"equals-ignore-case":".PNG"}}]}`, `{"f":"a.png"}`, true},
		{"or nested", `{"d":{"$or":[{"a":["1"]},{"b":["2"]}]}}`, `{"d":{"b":"2"}}`, true},
		{"or nested none", `{"d":{"$or":[{"a":["1"]},{"b":["2"]}]}}`, `{"d":{"b":"3"}}`, false},
		{"dot-joined names", `{"a.b":["x"]}`, `{"a":{"b":"x"}}`, true},
		{"empty string", `{"s":[""]}`, `{"s":""}`, true},
		{"case sensitive keys", `{"S":["x"]}`, `{"s":"x"}`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := mustParse(t, tc.pattern).Match(mustEvent(t, tc.event)); got != tc.want {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// Invalid patterns are refused with EventBridge's reason.
func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ pattern, reason string }{
		{`[]`, "Filter is not an object"},
		{`{}`, "Empty objects are not allowed"},
		{`{"a":{}}`, "Empty objects are not allowed"},
		{`{"a":"x"}`, `"a" must be an object or an array`},
		{`{"a":[]}`, "Empty arrays are not allowed"},
		{`{"a":[["x"]]}`, "Match value must be String, number, true, false, or null"},
		{`{"a":[{"numeric":5}]}`, "Value of numeric must be an array."},
		{`{"a":[{"numeric":["<",1,">",0]}]}`, "Too many elements in numeric expression"},
		{`{"a":[{"numeric":[">",5,"<",1]}]}`, "Bottom must be less than top"},
		{`{"a":[{"numeric":["!=",1]}]}`, "Unrecognized numeric range operator: !="},
		{`{"a":[{"numeric":[">","x"]}]}`, "Value of > must be numeric"},
		{`{"a":[{"exists":"yes"}]}`, "exists match pattern must be either true or false."},
		{`{"a":[{"prefix":"x","suffix":"y"}]}`, "Only one key allowed in match expression"},
		{`{"a":[{"anything-but":{"contains":"x"}}]}`, "Unsupported anything-but pattern: contains"},
		{`{"a":[{"anything-but":["x",1]}]}`, "Inside anything but list, either all values are number or string, mixed type is not supported"},
		{`{"$or":[{"a":["1"]}]}`, "There must have at least 2 Objects in $or relationship."},
		{`{"$or":{"a":["1"]}}`, "It must be an Array followed with $or."},
		{`{"$or":[{"a":["1"]},"b"]}`, "Only JSON object is allowed in array of $or relationship."},
		{`{"a":[{"wildcard":"a**"}]}`, "Consecutive wildcard characters at pos 2"},
		{`{"a":[{"cidr":"10.0.0.0/99"}]}`, "Malformed CIDR, one '/' required: 10.0.0.0/99"},
	}
	for _, tc := range tests {
		_, err := Parse(tc.pattern)
		var pe *Error
		if !errors.As(err, &pe) || pe.Reason != tc.reason {
			t.Errorf("%s: got %v, want reason %q", tc.pattern, err, tc.reason)
		}
	}
}

// A hostile pattern is bounded: $or combinations, nesting and size.
func TestParseBounds(t *testing.T) {
	t.Parallel()
	or := `{"$or":[{"a":["1"]},{"b":["2"]},{"c":["3"]},{"d":["4"]}]}`
	p := `{`
	for i := range 6 {
		if i > 0 {
			p += ","
		}
		p += `"f` + string(rune('a'+i)) + `":` + or
	}
	p += `}`
	if _, err := Parse(p); err == nil {
		t.Fatal("4^6 $or combinations accepted")
	}
	deep := ""
	for range 100 {
		deep += `{"a":`
	}
	deep += `["x"]`
	for range 100 {
		deep += `}`
	}
	if _, err := Parse(deep); err == nil {
		t.Fatal("100 levels accepted")
	}
}
