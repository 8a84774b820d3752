package api

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// hostileCase is one request body and whether the API must refuse it (4xx) rather than may
// accept it (an unknown member, an empty body).
type hostileCase struct {
	name    string
	body    string
	refused bool
}

// deepArray is JSON nested depth levels deep.
func deepArray(depth int) string { return strings.Repeat("[", depth) + strings.Repeat("]", depth) }

func deepObject(depth int) string {
	return strings.Repeat(`{"a":`, depth) + "1" + strings.Repeat("}", depth)
}

// hostileBodies are the bodies every action gets, whatever its members.
func hostileBodies() []hostileCase {
	return []hostileCase{
		{"empty body", "", false},
		{"empty object", "{}", false},
		{"unknown members", `{"zzUnknown":1,"alsoUnknown":{"x":[1,{"y":null}]}}`, false},
		{"truncated object", `{`, true},
		{"truncated member", `{"name":`, true},
		{"array", `[]`, true},
		{"string", `"x"`, true},
		{"number", `123`, true},
		{"true", `true`, true},
		{"two documents", `{}{}`, true},
		{"garbage", "\x00\x01\x02", true},
		{"invalid UTF-8", "{\"name\":\"\xff\xfe\"}", false},
		{"arrays 100,000 deep", deepArray(100_000), true},
		{"objects 100,000 deep", deepObject(100_000), true},
		{"unknown member 100,000 deep", `{"zz":` + deepArray(100_000) + `}`, true},
		{"huge unknown string", `{"zz":"` + strings.Repeat("a", 3<<20) + `"}`, false},
	}
}

// memberCases are the bodies for one member of an action's input, by the member's kind:
// values of every wrong type, values nested 100,000 deep, and hostile values of the right type.
func memberCases(member string, typ reflect.Type) []hostileCase {
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	set := func(value string) string { return `{"` + member + `":` + value + `}` }
	wrong := func(values ...string) []hostileCase {
		var cases []hostileCase
		for _, v := range values {
			cases = append(cases, hostileCase{fmt.Sprintf("%s = %.20s", member, v), set(v), true})
		}
		return cases
	}
	cases := []hostileCase{
		{member + " 100,000 deep", set(deepArray(100_000)), true},
		{member + " null", set("null"), false},
	}
	switch typ.Kind() {
	case reflect.String:
		cases = append(cases, wrong(`123`, `true`, `{}`, `[]`, `1e400`)...)
		cases = append(cases,
			hostileCase{member + " huge", set(`"` + strings.Repeat("a", 3<<20) + `"`), false},
			hostileCase{member + " empty", set(`""`), false},
			hostileCase{member + " control characters", set(`"\u0000\u0001\n\t\"\\"`), false},
			hostileCase{member + " not JSON inside", set(`"{\"a\":"`), false},
			hostileCase{member + " deep JSON inside", set(`"` + strings.Repeat("[", 100_000) + `"`), false},
			hostileCase{member + " ARN-shaped", set(`"arn:aws:states:us-east-1:123456789012:stateMachine:x:1:2#T"`), false},
		)
	case reflect.Int, reflect.Int32, reflect.Int64, reflect.Float64:
		cases = append(cases, wrong(`"1"`, `true`, `{}`, `[]`, `1e400`, `-1e400`, `99999999999999999999999`)...)
		cases = append(cases,
			hostileCase{member + " negative", set(`-1`), false},
			hostileCase{member + " fraction", set(`0.5`), false},
			hostileCase{member + " huge", set(`9223372036854775807`), false},
		)
	case reflect.Bool:
		cases = append(cases, wrong(`"true"`, `1`, `{}`, `[]`)...)
	case reflect.Struct:
		cases = append(cases, wrong(`"x"`, `1`, `[]`, `true`)...)
		cases = append(cases, hostileCase{member + " empty object", set(`{}`), false})
		for i := range typ.NumField() {
			f := typ.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			for _, c := range memberCases(name, f.Type) {
				cases = append(cases, hostileCase{member + "." + c.name, set(c.body), c.refused})
			}
		}
	case reflect.Slice:
		cases = append(cases, wrong(`"x"`, `1`, `{}`, `true`)...)
		cases = append(cases,
			hostileCase{member + " empty", set(`[]`), false},
			hostileCase{member + " of nulls", set(`[null,null]`), false},
			hostileCase{member + " long", set(`[` + strings.TrimSuffix(strings.Repeat(`{},`, 100_000), ",") + `]`), false},
		)
	case reflect.Map:
		cases = append(cases, wrong(`"x"`, `1`, `[]`, `true`)...)
	}
	return cases
}

// TestHostileRequests: every action answers malformed, mistyped, oversized and deeply nested
// requests with AWS's error shape and a 4xx, never a 5xx, a panic or a dropped connection.
func TestHostileRequests(t *testing.T) {
	t.Parallel()
	srv := startEdgeServer(t, nil)
	// Resources for the requests to find, so that they get past "does not exist".
	srv.post(t, "CreateStateMachine", `{"name":"x","roleArn":"`+edgeRoleARN+`","definition":"{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\",\"End\":true}}}"}`)
	srv.post(t, "CreateActivity", `{"name":"x"}`)
	names := srv.api.Actions()
	if len(names) < 37 {
		t.Fatalf("only %d actions", len(names))
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			act := srv.api.actions[name]
			cases := hostileBodies()
			for i := range act.input.NumField() {
				f := act.input.Field(i)
				member, _, _ := strings.Cut(f.Tag.Get("json"), ",")
				if member == "" || member == "-" {
					continue
				}
				cases = append(cases, memberCases(member, f.Type)...)
			}
			for _, c := range cases {
				req, err := http.NewRequest("POST", srv.url+"/", strings.NewReader(c.body))
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("X-Amz-Target", targetPrefix+name)
				req.Header.Set("Content-Type", "application/x-amz-json-1.0")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatalf("%s: no answer: %v", c.name, err)
				}
				a := readEdgeAnswer(t, resp)
				resp.Body.Close()
				switch {
				case a.status >= 500:
					t.Errorf("%s: %d %.300s", c.name, a.status, a.raw)
				case a.status >= 400:
					if msg, _ := a.body["message"].(string); a.errType == "" || a.body["__type"] != a.errType || msg == "" {
						t.Errorf("%s: %d not in AWS's error shape: %.300s", c.name, a.status, a.raw)
					}
				case c.refused:
					t.Errorf("%s: accepted (%d %.200s), want a 4xx", c.name, a.status, a.raw)
				}
			}
		})
	}
}
