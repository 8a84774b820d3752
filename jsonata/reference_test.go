package jsonata

import (
	"encoding/json"
	"testing"
	"time"
)

// referenceCase is one expression with the result jsonata-js 2.2.2 gives for it: a JSON
// value, "undefined", or an error code.
type referenceCase struct {
	expr string
	data string // JSON input; empty: undefined
	want string // JSON result or "undefined"; empty when code is set
	code string
}

// referenceClock fixes $now() so that date results that default to today are stable.
var referenceClock = func() time.Time { return time.Date(2024, 3, 14, 15, 9, 26, 535_000_000, time.UTC) }

func runReferenceCases(t *testing.T, cases []referenceCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.expr, func(t *testing.T) {
			t.Parallel()
			var input any = Undefined
			if tc.data != "" {
				v, err := DecodeJSON([]byte(tc.data))
				if err != nil {
					t.Fatal(err)
				}
				input = v
			}
			e, err := Compile(tc.expr)
			if err != nil {
				checkReferenceError(t, tc, err)
				return
			}
			got, err := e.EvalJSON(input, &EvalOptions{Now: referenceClock, TimeLimit: 10 * time.Second}, "")
			if err != nil {
				checkReferenceError(t, tc, err)
				return
			}
			if tc.code != "" {
				t.Fatalf("got %s, want error %s", got, tc.code)
			}
			if got == nil {
				if tc.want != "undefined" {
					t.Fatalf("got undefined, want %s", tc.want)
				}
				return
			}
			var gotV, wantV any
			if err := json.Unmarshal(got, &gotV); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(tc.want), &wantV); err != nil {
				t.Fatalf("bad want %q: %v", tc.want, err)
			}
			g, _ := json.Marshal(gotV)
			w, _ := json.Marshal(wantV)
			if string(g) != string(w) {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func checkReferenceError(t *testing.T, tc referenceCase, err error) {
	t.Helper()
	e, ok := err.(*Error)
	if !ok {
		t.Fatalf("got %T %v, want *Error", err, err)
	}
	if tc.code == "" {
		t.Fatalf("got error %s %s, want %s", e.Code, e.Message, tc.want)
	}
	if e.Code != tc.code {
		t.Fatalf("got error %s (%s), want %s", e.Code, e.Message, tc.code)
	}
}

// finder is a custom matcher written in JSONata: $find($s, needle, 0) returns the first
// occurrence of needle from 0 on, with a next() that continues after it.
const finder = `$find := function($str, $needle, $from) {(
	$rest := $substring($str, $from);
	$contains($rest, $needle) ? (
		$start := $from + $length($substringBefore($rest, $needle));
		{"match": $needle, "start": $start, "end": $start + $length($needle), "groups": [$uppercase($needle)],
		 "next": function() { $find($str, $needle, $start + $length($needle)) }}
	)
)};
$ab := function($s) { $find($s, "ab", 0) };
`

func withFinder(expr string) string { return "(" + finder + expr + ")" }

func TestCustomMatchers(t *testing.T) {
	t.Parallel()
	runReferenceCases(t, []referenceCase{
		{expr: withFinder(`$match("xxabyyabzz", $ab)`), want: `[{"match":"ab","index":2,"groups":["AB"]},{"match":"ab","index":6,"groups":["AB"]}]`},
		{expr: withFinder(`$match("xxabyyabzz", $ab, 1)`), want: `{"match":"ab","index":2,"groups":["AB"]}`},
		{expr: withFinder(`$match("xxabyyabzz", $ab, 0)`), want: `undefined`},
		{expr: withFinder(`$match("xyz", $ab)`), want: `undefined`},
		{expr: withFinder(`$match("xyz", $ab, -1)`), code: "D3040"},
		{expr: withFinder(`$contains("xxabyyabzz", $ab)`), want: `true`},
		{expr: withFinder(`$contains("xyz", $ab)`), want: `false`},
		{expr: withFinder(`$split("xxabyyabzz", $ab)`), want: `["xx","yy","zz"]`},
		{expr: withFinder(`$split("xxabyyabzz", $ab, 1)`), want: `["xx"]`},
		{expr: withFinder(`$split("xxabyyabzz", $ab, 2)`), want: `["xx","yy"]`},
		{expr: withFinder(`$split("xxabyyabzz", $ab, 3)`), want: `["xx","yy","zz"]`},
		{expr: withFinder(`$split("xxabyyabzz", $ab, 0)`), want: `[]`},
		{expr: withFinder(`$split("abab", $ab)`), want: `["","",""]`},
		{expr: withFinder(`$split("xyz", $ab)`), want: `["xyz"]`},
		{expr: withFinder(`$split("xyz", $ab, -1)`), code: "D3020"},
		{expr: withFinder(`$replace("xxabyyabzz", $ab, "[$0|$1]")`), want: `"xx[ab|AB]yy[ab|AB]zz"`},
		{expr: withFinder(`$replace("xxabyyabzz", $ab, "[$0|$1]", 1)`), want: `"xx[ab|AB]yyabzz"`},
		{expr: withFinder(`$replace("xxabyyabzz", $ab, "[$0|$1]", 0)`), want: `"xxabyyabzz"`},
		{expr: withFinder(`$replace("xyz", $ab, "Q")`), want: `"xyz"`},
		// a replacement function receives the matcher's object itself, next() included
		{expr: withFinder(`$replace("xxabyyabzz", $ab, function($m){ $string($m.start) & "-" & $string($m.end) & ":" & $join($keys($m), ",") })`),
			want: `"xx2-4:match,start,end,groups,nextyy6-8:match,start,end,groups,nextzz"`},
		{expr: withFinder(`$replace("xxabyyabzz", $ab, function($m){ 5 })`), code: "D3012"},
		// offsets are JavaScript string offsets (UTF-16 code units)
		{expr: withFinder(`$match("é€abé€ab!", $ab)`), want: `[{"match":"ab","index":2,"groups":["AB"]},{"match":"ab","index":6,"groups":["AB"]}]`},
		{expr: withFinder(`$replace("é€abé€ab!", $ab, "<$0>")`), want: `"é€<ab>é€<ab>!"`},
		// what the matcher returns is checked as jsonata-js checks it
		{expr: `$match("abc", function($s){ 5 })`, code: "T1010"},
		{expr: `$match("abc", function($s){ "x" })`, code: "T1010"},
		{expr: `$match("abc", function($s){ {"foo": 1} })`, code: "T1010"},
		{expr: `$replace("abc", function($s){ 5 }, "X")`, code: "T1010"},
		{expr: `$split("abc", function($s){ true })`, code: "T1010"},
		{expr: `$contains("abc", function($s){ "x" })`, code: "T1010"},
		{expr: `$contains("abc", function($s){ {"start": 1} })`, want: `true`},
		{expr: `$contains("abc", function($s){ undefined })`, want: `false`},
		{expr: `$contains("abc", function($s){ null })`, want: `true`},
		{expr: `$contains("abc", function($s){ 0 })`, want: `true`},
		{expr: `$split("abc", function($s){ undefined })`, want: `["abc"]`},
		{expr: `$replace("abc", function($s){ undefined }, "x")`, want: `"abc"`},
		{expr: `$match("abc", function($s){ undefined })`, want: `undefined`},
		{expr: `$match("abc", function($s){ $error("boom") })`, code: "D3137"},
		{expr: `$match("ab", function($s){ {"match": "ab", "start": 0, "end": 2, "groups": [], "next": function(){ undefined }} })`,
			want: `{"match":"ab","index":0,"groups":[]}`},
		// jsonata-js fails with a JavaScript TypeError when a match has no next(); here T1010
		{expr: `$match("abc", function($s){ {"match": "b", "start": 1, "end": 2, "groups": []} })`, code: "T1010"},
		{expr: `$match("abc", "b")`, code: "T0410"},
	})
}

func TestRegexMatcherObjects(t *testing.T) {
	t.Parallel()
	runReferenceCases(t, []referenceCase{
		{expr: `$keys(/b/("abcb"))`, want: `["match","start","end","groups","next"]`},
		{expr: `/b/("abcb").next().start`, want: `3`},
		{expr: `/(b)/("abcb").next().next()`, want: `undefined`},
		{expr: `/x*/("abc")`, want: `{"match":"","start":0,"end":0,"groups":[]}`},
		{expr: `/x*/("abc").next()`, code: "D1004"},
		{expr: `$replace("abcb", /b/, function($m){ $join($keys($m), ",") })`, want: `"amatch,start,end,groups,nextcmatch,start,end,groups,next"`},
		{expr: `$match("😀ab", /a/)`, want: `{"match":"a","index":2,"groups":[]}`},
		// the first match may be empty; only a later empty match fails
		{expr: `$match("", /x*/)`, want: `{"match":"","index":0,"groups":[]}`},
		{expr: `$replace("", /x*/, "q")`, want: `"q"`},
		{expr: `$split("", /x*/)`, want: `["",""]`},
		{expr: `$match("abc", /x*/)`, code: "D1004"},
		{expr: `$match("abc", /x*/, 1)`, code: "D1004"},
		{expr: `$match("aa", /a*/)`, want: `{"match":"aa","index":0,"groups":[]}`},
		{expr: `$match("aab", /a*/)`, code: "D1004"},
		{expr: `$replace("aa", /a*/, "q")`, want: `"q"`},
		{expr: `$contains("abc", /x*/)`, want: `true`},
		{expr: `$match("abc", $match)`, code: "T0410"}, // $match called with one argument
	})
}

func TestWildcardAndDescendants(t *testing.T) {
	t.Parallel()
	runReferenceCases(t, []referenceCase{
		// * yields an array's members (its keys are indexes), flattened
		{expr: `*`, data: `[1,2,[3,4]]`, want: `[1,2,3,4]`},
		{expr: `*`, data: `[[]]`, want: `[]`},
		{expr: `*`, data: `[[1],[[2]]]`, want: `[1,2]`},
		// once an array value is flattened in, the result is a plain array: not collapsed
		{expr: `*`, data: `{"a":[1]}`, want: `[1]`},
		{expr: `*`, data: `{"b":2,"a":[]}`, want: `[2]`},
		{expr: `*`, data: `{"b":2}`, want: `2`},
		{expr: `a.*`, data: `{"a":{"b":[1]}}`, want: `[1]`},
		{expr: `x.*`, data: `{"x":{"y":[]}}`, want: `[]`},
		{expr: `$type(x.*)`, data: `{"x":{"y":[]}}`, want: `"array"`},
		{expr: `x.*`, data: `[{"x":{"y":[]}},{"x":{"y":[]}}]`, want: `undefined`},
		{expr: `a.*`, data: `{"a":[{"b":[1]},{"c":[]}]}`, want: `1`},
		{expr: `{"k": *}`, data: `[[]]`, want: `{"k":[]}`},
		{expr: `*.*.*`, data: `{"x":{"y":{"z":[]}}}`, want: `[]`},
		{expr: `*`, data: `"str"`, want: `undefined`},
		{expr: `$.*`, data: `5`, want: `undefined`},
		// ** visits every value that is not an array, depth first in key order
		{expr: `**`, data: `[1,2,[3,{"a":[5]}]]`, want: `[1,2,3,{"a":[5]},5]`},
		{expr: `**`, data: `{"a":[]}`, want: `{"a":[]}`},
		{expr: `**`, data: `[[]]`, want: `undefined`},
		{expr: `**`, data: `"str"`, want: `"str"`},
		{expr: `**.a`, data: `{"a":1,"b":{"a":[2,3]}}`, want: `[1,2,3]`},
		{expr: `a.**`, data: `{"a":[{"b":1},{"c":{"d":2}}]}`, want: `[{"b":1},1,{"c":{"d":2}},{"d":2},2]`},
		{expr: `**[0]`, data: `{"a":[1,2],"b":{"c":3}}`, want: `{"a":[1,2],"b":{"c":3}}`},
		{expr: `**`, data: `{"a":null,"b":{"c":null}}`, want: `[{"a":null,"b":{"c":null}},null,{"c":null},null]`},
		{expr: `**`, want: `undefined`},
	})
}

// Tail calls run in constant stack: far deeper than the depth limit (DefaultMaxDepth), yet
// still bounded by the time limit and the allocation budget.
func TestTailCalls(t *testing.T) {
	t.Parallel()
	runReferenceCases(t, []referenceCase{
		{expr: `($f := function($n, $acc){ $n = 0 ? $acc : $f($n-1, $acc+1) }; $f(200000, 0))`, want: `200000`},
		{expr: `($f := function($n){ $n = 0 ? "done" : $g($n-1) }; $g := function($n){ $f($n) }; $f(100000))`, want: `"done"`},
		{expr: `($f := function($n){ $n = 0 ? "done" : ($x := $n - 1; $f($x)) }; $f(100000))`, want: `"done"`},
		{expr: `($f := function($n){ $n = 0 ? "done" : $n > 0 ? $f($n-1) }; $f(100000))`, want: `"done"`},
		// not tail calls: the depth limit applies (jsonata-js, whose stack is the heap, goes on)
		{expr: `($f := function($n){ $n = 0 ? 0 : 1 + $f($n-1) }; $f(100000))`, code: "U1001"},
		{expr: `($f := function($n){ $n = 0 ? "done" : [$f($n-1)] }; $f(100000))`, code: "U1001"},
	})
	for _, tc := range []struct {
		name, expr string
		opts       *EvalOptions
		code       string
	}{
		{"endless tail recursion meets the time limit", `($f := function($n){ $f($n + 1) }; $f(0))`, &EvalOptions{TimeLimit: 200 * time.Millisecond}, "U1001"},
		{"growing tail recursion meets the budget", `($f := function($a){ $f($append($a, $a)) }; $f([1]))`, nil, "U1003"},
		{"string-growing tail recursion meets the budget", `($f := function($s){ $f($s & $s) }; $f("ab"))`, nil, "U1003"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, err := Compile(tc.expr)
			if err != nil {
				t.Fatal(err)
			}
			_, err = e.Eval(Undefined, tc.opts)
			if e, ok := err.(*Error); !ok || e.Code != tc.code {
				t.Fatalf("got %v, want %s", err, tc.code)
			}
		})
	}
}

func TestToMillis(t *testing.T) {
	t.Parallel()
	runReferenceCases(t, []referenceCase{
		// without a picture: jsonata-js's ISO 8601 check (D3110), then Date.parse
		{expr: `$toMillis("2018")`, want: `1514764800000`},
		{expr: `$toMillis("2018-02-03T12:00:00.5+01:00")`, want: `1517655600500`},
		{expr: `$toMillis("2018-02-03T12:00:00-1200")`, want: `1517702400000`},
		{expr: `$toMillis("2018-02T12:00:00")`, want: `1517486400000`},
		{expr: `$toMillis("2018T12:00:00Z")`, want: `1514808000000`},
		{expr: `$toMillis("2018-02-03Z")`, want: `1517616000000`},
		{expr: `$toMillis("2018-02-30")`, want: `1519948800000`},
		{expr: `$toMillis("2018-02-03T24:00:00")`, want: `1517702400000`},
		{expr: `$toMillis("2018-02-03T12:00:00.1234Z")`, want: `1517659200123`},
		{expr: `$toMillis("2018-13-01")`, want: `null`},
		{expr: `$toMillis("2018-00-01")`, want: `null`},
		{expr: `$toMillis("2018-02-32")`, want: `null`},
		{expr: `$toMillis("2018-25")`, want: `null`},
		{expr: `$toMillis("2018-02-03T25:00:00")`, want: `null`},
		{expr: `$toMillis("2018-02-03T24:00:01")`, want: `null`},
		{expr: `$toMillis("2018-02-03T12:00:00+24:00")`, want: `null`},
		{expr: `$toMillis("2018-02-03+01:00")`, want: `null`},
		{expr: `$type($toMillis("2018-13-01"))`, want: `"object"`},
		{expr: `$toMillis("2018-02-03 12:00:00")`, code: "D3110"},
		{expr: `$toMillis("2018-02-03T12:00:00+01:60")`, code: "D3110"},
		{expr: `$toMillis("2018-02-03T12:00")`, code: "D3110"},
		{expr: `$toMillis("foo")`, code: "D3110"},
		{expr: `$toMillis("")`, code: "D3110"},
		// with a picture
		{expr: `$toMillis("2018", "[Yz]")`, code: "D3130"},
		{expr: `$toMillis("2018", "[Y#]")`, code: "D3130"},
		{expr: `$toMillis("2018 AD", "[Y] [E]")`, code: "D3133"},
		{expr: `$toMillis("2018-01-01 99", "[Y]-[M]-[D] [C]")`, code: "D3133"},
		{expr: `$toMillis("2018", "[Yn]")`, code: "D3133"},
		{expr: `$toMillis("2018w3", "[X]w[W]")`, code: "D3136"},
		{expr: `$toMillis("2018 30", "[Y] [m]")`, code: "D3136"},
		{expr: `$toMillis("2018", "[Y,2-3]")`, want: `1514764800000`},
		{expr: `$toMillis("18", "[Y,2]")`, want: `-1640995200000`},    // Date.UTC reads year 18 as 1918
		{expr: `$toMillis("2018", "[Y][M]")`, want: `-2101334400000`}, // Y takes one digit, M is 18
		{expr: `$toMillis("201802", "[Y,*-4][M01]")`, want: `1517443200000`},
		{expr: `$toMillis("2018-366", "[Y]-[d]")`, want: `1514764800000`}, // day 366 wraps into the same year
		{expr: `$toMillis("2018-032", "[Y]-[d]")`, want: `1517443200000`},
		{expr: `$toMillis("12", "[h]") % 86400000`, want: `0`},        // no am/pm: 12 is midnight
		{expr: `$toMillis("pm", "[P]") % 86400000`, want: `43200000`}, // the hour defaults to 0, pm adds 12
		{expr: `$toMillis("3 pm", "[h] [P]") % 86400000`, want: `54000000`},
		{expr: `$toMillis("Monday", "[F]")`, want: `1710428966535`}, // only a day of the week: now
		{expr: `$toMillis("2018-02-03 GMT-05:00", "[Y]-[M]-[D] [z]")`, want: `1517634000000`},
		{expr: `$toMillis("2018-02-03 +0130", "[Y]-[M]-[D] [Z0101]")`, want: `1517610600000`},
		{expr: `$toMillis("abc", "[Y]")`, want: `undefined`},
		{expr: `$toMillis("2018abc", "[Y]abc")`, want: `1514764800000`},
	})
}

// $formatNumber checks its picture as jsonata-js does: every check runs, and the code of
// the last one that fails is reported.
func TestFormatNumberPictureChecks(t *testing.T) {
	t.Parallel()
	runReferenceCases(t, []referenceCase{
		{expr: `$formatNumber(1234.5, "#,##0.00")`, want: `"1,234.50"`},
		{expr: `$formatNumber(1234.5, "#0#.00")`, want: `"1234.50"`}, // only digits before the first # count
		{expr: `$formatNumber(1234.5, "0#.00")`, code: "D3090"},
		{expr: `$formatNumber(1234.5, "0.#0")`, code: "D3091"},
		{expr: `$formatNumber(1234.5, "abc")`, code: "D3086"},
		{expr: `$formatNumber(1234.5, " ")`, code: "D3086"},
		{expr: `$formatNumber(1234.5, "")`, code: "D3085"},
		{expr: `$formatNumber(1234.5, "0%0")`, code: "D3086"},
		{expr: `$formatNumber(1234.5, "#,##0.0.0")`, code: "D3081"},
		{expr: `$formatNumber(1234.5, "#,##0.00%%")`, code: "D3082"},
		{expr: `$formatNumber(1234.5, "#,##0.00‰‰")`, code: "D3083"},
		{expr: `$formatNumber(1234.5, "#,##0.00%‰")`, code: "D3084"},
		{expr: `$formatNumber(1234.5, " #‰‰#;%.")`, code: "D3086"},
		{expr: `$formatNumber(1234.5, "  0%.,")`, code: "D3087"},
		{expr: `$formatNumber(1234.5, " # ,‰")`, code: "D3088"},
		{expr: `$formatNumber(1234.5, "#,,##0.00")`, code: "D3089"},
		{expr: `$formatNumber(1234.5, "0.0e0%")`, code: "D3092"},
		{expr: `$formatNumber(1234.5, " #,.,e")`, code: "D3093"},
		{expr: `$formatNumber(1234.5, "#e0e0")`, code: "D3093"},
		{expr: `$formatNumber(1234.5, "0.00;a;b")`, code: "D3080"},
		{expr: `$formatNumber(1234.5, "0.0e00")`, want: `"1.2e03"`},
		{expr: `$formatNumber(-1234.5, "0.00;(0.00)")`, want: `"(1234.50)"`},
	})
}
