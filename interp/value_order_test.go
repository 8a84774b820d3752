package interp

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/sfn"
)

// TestKeyOrder checks the key order of outputs through each field that builds or changes an
// object, as AWS orders them: input in document order, JSONPath templates with their plain
// fields first (definition order) and their "key.$" fields in java.util.HashMap order,
// ResultPath replacing a key in place or appending a new one, JSONata in the order the
// expression builds. The expected texts are compared byte for byte.
func TestKeyOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, states, input, want string
	}{
		{"input in document order",
			`"A":{"Type":"Pass","End":true}`,
			`{"z":1,"a":{"y":2,"b":3}}`, `{"z":1,"a":{"y":2,"b":3}}`},
		{"Parameters: plain fields first, then key.$ fields in HashMap order",
			`"A":{"Type":"Pass","Parameters":{"x.$":"$.z","b":"lit","a.$":"$.a.y","c":{"k":1}},"End":true}`,
			`{"z":1,"a":{"y":2,"b":3}}`, `{"b":"lit","c":{"k":1},"a":2,"x":1}`},
		{"nested template objects follow the same rule",
			`"A":{"Type":"Pass","Parameters":{"outer":{"z.$":"$.z","m.$":"$.z","lit":true}},"End":true}`,
			`{"z":1}`, `{"outer":{"lit":true,"z":1,"m":1}}`},
		{"ResultSelector",
			`"A":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","ResultSelector":{"q.$":"$.z","p":"lit"},"End":true}`,
			`{"z":1}`, `{"p":"lit","q":1}`},
		{"ResultPath at the root replaces the input",
			`"A":{"Type":"Pass","Result":{"r":1,"a":0},"ResultPath":"$","End":true}`,
			`{"z":1,"a":2}`, `{"r":1,"a":0}`},
		{"ResultPath with a new key appends it",
			`"A":{"Type":"Pass","Result":{"r":1},"ResultPath":"$.new","End":true}`,
			`{"z":1,"a":2}`, `{"z":1,"a":2,"new":{"r":1}}`},
		{"ResultPath with an existing key replaces it in place",
			`"A":{"Type":"Pass","Result":{"r":1},"ResultPath":"$.z","End":true}`,
			`{"z":1,"a":2}`, `{"z":{"r":1},"a":2}`},
		{"ResultPath with a new nested key",
			`"A":{"Type":"Pass","Result":0,"ResultPath":"$.a.m","End":true}`,
			`{"z":1,"a":{"y":2,"b":3}}`, `{"z":1,"a":{"y":2,"b":3,"m":0}}`},
		{"ResultPath with an existing nested key",
			`"A":{"Type":"Pass","Result":0,"ResultPath":"$.a.y","End":true}`,
			`{"z":1,"a":{"y":2,"b":3}}`, `{"z":1,"a":{"y":0,"b":3}}`},
		{"ResultPath creates missing objects",
			`"A":{"Type":"Pass","Result":0,"ResultPath":"$.n.m","End":true}`,
			`{"z":1}`, `{"z":1,"n":{"m":0}}`},
		{"OutputPath",
			`"A":{"Type":"Pass","OutputPath":"$.a","End":true}`,
			`{"z":1,"a":{"y":2,"b":3}}`, `{"y":2,"b":3}`},
		{"Result literal in definition order",
			`"A":{"Type":"Pass","Result":{"z":1,"a":[{"y":1,"b":2}]},"End":true}`,
			`{}`, `{"z":1,"a":[{"y":1,"b":2}]}`},
		{"JSONPath multi-name selector in the order named",
			`"A":{"Type":"Pass","InputPath":"$['b','z']","End":true}`,
			`{"z":1,"a":2,"b":3}`, `{"b":3,"z":1}`},
		{"States.JsonMerge in HashMap order",
			`"A":{"Type":"Pass","Parameters":{"m.$":"States.JsonMerge($.l, $.r, false)"},"End":true}`,
			`{"l":{"d":1,"a":2},"r":{"c":3,"d":4}}`, `{"m":{"a":2,"c":3,"d":4}}`},
		{"States.StringToJson in document order",
			`"A":{"Type":"Pass","Parameters":{"j.$":"States.StringToJson($.s)"},"End":true}`,
			`{"s":"{\"z\":1,\"a\":2}"}`, `{"j":{"z":1,"a":2}}`},
		{"States.JsonToString in order",
			`"A":{"Type":"Pass","Parameters":{"s.$":"States.JsonToString($.o)"},"End":true}`,
			`{"o":{"z":1,"a":2}}`, `{"s":"{\"z\":1,\"a\":2}"}`},
		{"Map: items and results in order, ItemSelector keys in HashMap order",
			`"A":{"Type":"Map","ItemsPath":"$.items","ItemSelector":{"v.$":"$$.Map.Item.Value","i.$":"$$.Map.Item.Index"},
				"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}`,
			`{"items":[{"z":1,"a":2},{"b":1}]}`, `[{"v":{"z":1,"a":2},"i":0},{"v":{"b":1},"i":1}]`},
		{"Parallel: branch results in order",
			`"A":{"Type":"Parallel","Branches":[
				{"StartAt":"P","States":{"P":{"Type":"Pass","Result":{"z":1,"a":2},"End":true}}},
				{"StartAt":"Q","States":{"Q":{"Type":"Pass","End":true}}}],"End":true}`,
			`{"y":0,"b":1}`, `[{"z":1,"a":2},{"y":0,"b":1}]`},
		{"JSONata Output object built by the expression",
			`"A":{"Type":"Pass","QueryLanguage":"JSONata","Output":"{% {'z': 1, 'a': $states.input.a} %}","End":true}`,
			`{"a":{"y":2,"b":3}}`, `{"z":1,"a":{"y":2,"b":3}}`},
		{"JSONata Output template in definition order",
			`"A":{"Type":"Pass","QueryLanguage":"JSONata","Output":{"z":"{% 1 %}","a":"{% $states.input.a %}","m":2},"End":true}`,
			`{"a":{"y":2,"b":3}}`, `{"z":1,"a":{"y":2,"b":3},"m":2}`},
		{"Context object in AWS's order",
			`"A":{"Type":"Pass","Parameters":{"e.$":"$$.Execution","s.$":"$$.State"},"End":true}`,
			`{"k":1}`, `{"s":{"Name":"A","EnteredTime":"2024-01-01T00:00:00.000Z"},"e":{"Id":"arn:aws:states:us-east-1:123456789012:execution:machine:exec","Input":{"k":1},"StartTime":"2024-01-01T00:00:00.000Z","Name":"exec","RoleArn":"arn:aws:iam::123456789012:role/role","RedriveCount":0}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := compile(t, `{"StartAt":"A","States":{`+tt.states+`}}`, Options{History: true})
			d := &driver{tasks: echoTasks, t: t}
			e := d.run(p, decode(t, tt.input))
			r := e.Result()
			if r.Status != sfn.StatusSucceeded {
				t.Fatalf("status %s: %s: %s", r.Status, r.Error, r.Cause)
			}
			if got := encodeJSON(r.Output); got != tt.want {
				t.Errorf("output %s\nwant   %s", got, tt.want)
			}
			// The history shows the same text.
			last := d.events[len(d.events)-1]
			if got := last.ExecutionSucceededEventDetails.Output; got == nil || encodeJSON(got.Value) != tt.want {
				t.Errorf("ExecutionSucceeded output %v, want %s", got, tt.want)
			}
		})
	}
}

// TestCatchErrorOutputOrder checks a Catcher's error output: Error, then Cause, as recorded.
func TestCatchErrorOutputOrder(t *testing.T) {
	t.Parallel()
	p := compile(t, `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f",
		"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.err","Next":"B"}],"End":true},"B":{"Type":"Pass","End":true}}}`, Options{})
	d := &driver{tasks: func(inv InvokeTask) Event { return TaskFailed{TaskID: inv.TaskID, Error: "E", Cause: "C"} }, t: t}
	r := d.run(p, decode(t, `{"z":1}`)).Result()
	if got, want := encodeJSON(r.Output), `{"z":1,"err":{"Error":"E","Cause":"C"}}`; got != want {
		t.Fatalf("output %s, want %s", got, want)
	}
}

// TestExactNumbers checks that integers beyond 2^53 keep their digits, and decimals AWS's
// rendering, through paths, templates, Choice rules, intrinsics, history and snapshots.
func TestExactNumbers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, states, input, want string
	}{
		{"passed through",
			`"A":{"Type":"Pass","End":true}`,
			`{"n":9007199254740993,"m":-123456789012345678901234567890}`, `{"n":9007199254740993,"m":-123456789012345678901234567890}`},
		{"through InputPath, Parameters and ResultPath",
			`"A":{"Type":"Pass","InputPath":"$.a","Parameters":{"n.$":"$.n"},"ResultPath":"$.r","End":true}`,
			`{"a":{"n":12345678901234567891}}`, `{"a":{"n":12345678901234567891},"r":{"n":12345678901234567891}}`},
		{"literal in the definition",
			`"A":{"Type":"Pass","Result":{"n":12345678901234567891,"d":1.0},"End":true}`,
			`{}`, `{"n":12345678901234567891,"d":1.0}`},
		{"Choice compares exactly: 2^53+1 > 2^53",
			`"A":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThan":9007199254740992,"Next":"Big"}],"Default":"Small"},
			 "Big":{"Type":"Pass","Result":"big","End":true},"Small":{"Type":"Pass","Result":"small","End":true}`,
			`{"n":9007199254740993}`, `"big"`},
		{"Choice: 2^53 is not 2^53+1",
			`"A":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericEquals":9007199254740993,"Next":"Same"}],"Default":"Other"},
			 "Same":{"Type":"Pass","Result":"same","End":true},"Other":{"Type":"Pass","Result":"other","End":true}`,
			`{"n":9007199254740992}`, `"other"`},
		{"Choice NumericEqualsPath between big integers",
			`"A":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericEqualsPath":"$.m","Next":"Same"}],"Default":"Other"},
			 "Same":{"Type":"Pass","Result":"same","End":true},"Other":{"Type":"Pass","Result":"other","End":true}`,
			`{"n":12345678901234567891,"m":12345678901234567891}`, `"same"`},
		{"JSONPath filter compares exactly",
			`"A":{"Type":"Pass","InputPath":"$.items[?(@.id == 9007199254740993)].id","End":true}`,
			`{"items":[{"id":9007199254740992},{"id":9007199254740993}]}`, `[9007199254740993]`},
		{"States.MathAdd adds exactly",
			`"A":{"Type":"Pass","Parameters":{"n.$":"States.MathAdd($.n, 1)"},"End":true}`,
			`{"n":9007199254740993}`, `{"n":9007199254740994}`},
		{"States.JsonToString and States.StringToJson keep the digits",
			`"A":{"Type":"Pass","Parameters":{"s.$":"States.JsonToString($)","j.$":"States.StringToJson('{\"n\":12345678901234567891}')"},"End":true}`,
			`{"n":12345678901234567891}`, `{"s":"{\"n\":12345678901234567891}","j":{"n":12345678901234567891}}`},
		{"decimals as Java writes them",
			`"A":{"Type":"Pass","End":true}`,
			`[1.0,0.0,1e2,1e21,1.5,0.1,-0,12345678.9]`, `[1.0,0.0,100.0,1.0E21,1.5,0.1,0,1.23456789E7]`},
		{"JSONata arithmetic reads exact numbers as doubles, as JavaScript does",
			`"A":{"Type":"Pass","QueryLanguage":"JSONata","Output":"{% $states.input.n + 0 %}","End":true}`,
			`{"n":9007199254740993}`, `9007199254740992`},
		{"JSONata moves exact numbers unchanged",
			`"A":{"Type":"Pass","QueryLanguage":"JSONata","Output":{"n":"{% $states.input.n %}","d":"{% $states.input.d %}","both":"{% [$states.input.n, $states.input.d] %}","all":"{% $states.input %}","lit":1.0,"s":"{% $string($states.input.n) %}"},"End":true}`,
			`{"n":9007199254740993,"d":1.0}`, `{"n":9007199254740993,"d":1.0,"both":[9007199254740993,1.0],"all":{"n":9007199254740993,"d":1.0},"lit":1.0,"s":"9007199254740993"}`},
		{"JSONata variables keep exact numbers from state to state",
			`"A":{"Type":"Pass","QueryLanguage":"JSONata","Assign":{"v":"{% $states.input.n %}","w":{"d":"{% $states.input.d %}"}},"Next":"B"},
			 "B":{"Type":"Pass","QueryLanguage":"JSONata","Output":"{% [$v, $w.d] %}","End":true}`,
			`{"n":-123456789012345678901234567890,"d":0.0}`, `[-123456789012345678901234567890,0.0]`},
		{"JSONata task arguments and $states.result keep exact numbers",
			`"A":{"Type":"Task","QueryLanguage":"JSONata","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","Arguments":{"n":"{% $states.input.n %}"},"Output":"{% $states.result.n %}","End":true}`,
			`{"n":12345678901234567891}`, `12345678901234567891`},
		{"JSONata Choice compares exactly: 2^53+1 > 2^53",
			`"A":{"Type":"Choice","QueryLanguage":"JSONata","Choices":[{"Condition":"{% $states.input.n > $states.input.m %}","Next":"Big"}],"Default":"Small"},
			 "Big":{"Type":"Pass","QueryLanguage":"JSONata","Output":"{% $states.input.n %}","End":true},"Small":{"Type":"Pass","QueryLanguage":"JSONata","Output":"small","End":true}`,
			`{"n":9007199254740993,"m":9007199254740992}`, `9007199254740993`},
		{"JSONata Map items keep exact numbers",
			`"A":{"Type":"Map","QueryLanguage":"JSONata","Items":"{% $states.input.items %}","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","QueryLanguage":"JSONata","Output":"{% $states.input.id %}","End":true}}},"End":true}`,
			`{"items":[{"id":9007199254740993},{"id":1.0}]}`, `[9007199254740993,1.0]`},
		{"JSONata $parse keeps exact numbers",
			`"A":{"Type":"Pass","QueryLanguage":"JSONata","Output":"{% $parse('{\"n\":9007199254740993,\"d\":2.0}') %}","End":true}`,
			`{}`, `{"n":9007199254740993,"d":2.0}`},
		{"JSONata MaxConcurrency and TimeoutSeconds given as 2.0 and 30.0",
			`"A":{"Type":"Map","QueryLanguage":"JSONata","Items":"{% $states.input.items %}","MaxConcurrency":"{% $states.input.c %}","ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task","QueryLanguage":"JSONata","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","TimeoutSeconds":"{% $states.input.t %}","Output":"{% $states.result.t %}","End":true}}},"End":true}`,
			`{"items":[{"t":30.0},{"t":60}],"c":2.0}`, `[30.0,60]`},
		{"JSONata Wait Seconds given as 1.0",
			`"A":{"Type":"Wait","QueryLanguage":"JSONata","Seconds":"{% $states.input.s %}","Next":"B"},"B":{"Type":"Pass","QueryLanguage":"JSONata","Output":"{% $states.input.s %}","End":true}`,
			`{"s":1.0}`, `1.0`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := compile(t, `{"StartAt":"A","States":{`+tt.states+`}}`, Options{History: true})
			d := &driver{tasks: echoTasks, t: t, restoreAfter: 1}
			e := d.run(p, decode(t, tt.input))
			r := e.Result()
			if r.Status != sfn.StatusSucceeded {
				t.Fatalf("status %s: %s: %s", r.Status, r.Error, r.Cause)
			}
			if got := encodeJSON(r.Output); got != tt.want {
				t.Errorf("output %s\nwant   %s", got, tt.want)
			}
			// The history, as the API sends it, has the same digits.
			events, err := json.Marshal(d.events)
			if err != nil {
				t.Fatal(err)
			}
			if quoted, _ := json.Marshal(tt.want); !strings.Contains(string(events), strings.Trim(string(quoted), `"`)) {
				t.Errorf("history lacks %s:\n%s", tt.want, events)
			}
		})
	}
}

// TestSnapshotKeepsOrderAndDigits restores an execution from its snapshot while it waits in
// V: the restored values keep their key order and exact numbers.
func TestSnapshotKeepsOrderAndDigits(t *testing.T) {
	t.Parallel()
	p := compile(t, `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"Next":"V"},"V":{"Type":"Wait","Seconds":1,"Next":"A"},
		"A":{"Type":"Pass","Result":{"r":1.0},"ResultPath":"$.new","End":true}}}`, Options{History: true})
	d := &driver{t: t, restoreAfter: 1}
	r := d.run(p, decode(t, `{"z":9007199254740993,"a":{"y":2.50,"b":1e2}}`)).Result()
	if got, want := encodeJSON(r.Output), `{"z":9007199254740993,"a":{"y":2.5,"b":100.0},"new":{"r":1.0}}`; got != want {
		t.Fatalf("output %s, want %s", got, want)
	}
	if d.handled == 0 {
		t.Fatal("the execution was never restored")
	}
}
