package jsonata

import (
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stepflow/stepflow/internal/jsonvalue"
)

// exactInput holds the numbers the engine keeps exactly (json.Number): integers beyond 2^53
// and decimals with Java's rendering, beside ordinary doubles.
const exactInput = `{
	"big": 9007199254740993, "big2": 9007199254740995, "small": 9007199254740992,
	"dec": 1.0, "zero": 0.0, "e21": 1e21, "dbl": 12345678.9, "neg": -123456789012345678901234567890,
	"arr": [9007199254740993, 1.0, 3],
	"obj": {"n": 9007199254740993},
	"items": [{"id": 9007199254740993, "v": 1.0}, {"id": 9007199254740995, "v": 2.5}]
}`

type exactNumberCase struct{ expr, want string }

// movedExactNumbers are expressions that only move numbers: the numbers come out with the
// text they came in with.
var movedExactNumbers = []exactNumberCase{
	// paths, variables and bindings
	{`big`, `9007199254740993`},
	{`dec`, `1.0`},
	{`e21`, `1.0E21`},
	{`dbl`, `1.23456789E7`},
	{`neg`, `-123456789012345678901234567890`},
	{`$.big`, `9007199254740993`},
	{`obj.n`, `9007199254740993`},
	{`items.id`, `[9007199254740993,9007199254740995]`},
	{`items[0].id`, `9007199254740993`},
	{`items[-1].id`, `9007199254740995`},
	{`arr[1]`, `1.0`},
	{`($x := big; $x)`, `9007199254740993`},
	{`$bound`, `9007199254740993`},
	{`$boundObj.d`, `1.0`},
	{`**.n`, `9007199254740993`},
	{`obj.*`, `9007199254740993`},
	// constructors and conditionals
	{`[big, dec]`, `[9007199254740993,1.0]`},
	{`{"a": big, "b": [dec]}`, `{"a":9007199254740993,"b":[1.0]}`},
	{`($x := big; {"a": $x})`, `{"a":9007199254740993}`},
	{`items{"k": id}`, `{"k":[9007199254740993,9007199254740995]}`},
	{`true ? big : 0`, `9007199254740993`},
	{`false ? 0 : dec`, `1.0`},
	{`big ? big : 0`, `9007199254740993`},
	// filters and predicates that select items
	{`items[v = 1].id`, `9007199254740993`},
	{`items[id = $$.big].v`, `1.0`},
	{`items[id > $$.small].id`, `[9007199254740993,9007199254740995]`},
	{`items[id > $$.big].id`, `9007199254740995`},
	{`arr[$ > 2]`, `[9007199254740993,3]`},
	{`arr[$$.dec]`, `1.0`},
	{`items[$$.zero].id`, `9007199254740993`},
	{`items^(>id).id`, `[9007199254740995,9007199254740993]`},
	// functions that return their arguments or their items
	{`$merge([obj, {"b": dec}])`, `{"n":9007199254740993,"b":1.0}`},
	{`$append(arr, big2)`, `[9007199254740993,1.0,3,9007199254740995]`},
	{`$reverse(arr)`, `[3,1.0,9007199254740993]`},
	{`$sort(arr)`, `[1.0,3,9007199254740993]`},
	{`$sort([big2, big, small])`, `[9007199254740992,9007199254740993,9007199254740995]`},
	{`$sort(items, function($a, $b){$a.id < $b.id}).id`, `[9007199254740995,9007199254740993]`},
	{`$distinct([big, big, small, dec, 1])`, `[9007199254740993,9007199254740992,1.0]`},
	{`$lookup(obj, "n")`, `9007199254740993`},
	{`$spread(obj)`, `{"n":9007199254740993}`},
	{`$each(obj, function($v){$v})`, `9007199254740993`},
	{`$map(arr, function($v){$v})`, `[9007199254740993,1.0,3]`},
	{`$filter(arr, function($v){$v > 2})`, `[9007199254740993,3]`},
	{`$single(arr, function($v){$v = 1})`, `1.0`},
	{`$reduce(arr, function($a, $v){$a})`, `9007199254740993`},
	{`$zip(arr)`, `[[9007199254740993],[1.0],[3]]`},
	{`function($v){$v}(big)`, `9007199254740993`},
	{`(function($v){[$v, $v]})(dec)`, `[1.0,1.0]`},
	{`obj ~> |$|{"m": $$.dec}|`, `{"n":9007199254740993,"m":1.0}`},
	// text: $string and & write an exact number's text, as the output would
	{`$string(big)`, `"9007199254740993"`},
	{`$string(dec)`, `"1.0"`},
	{`$string(obj)`, `"{\"n\":9007199254740993}"`},
	{`"id-" & big`, `"id-9007199254740993"`},
	{`$join(["x", $string(e21)], "/")`, `"x/1.0E21"`},
	// type tests
	{`$type(big)`, `"number"`},
	{`$type(dec)`, `"number"`},
	{`$exists(big)`, `true`},
	{`$boolean(dec)`, `true`},
	{`$boolean(zero)`, `false`},
	{`$not(zero)`, `true`},
	{`$count(arr)`, `3`},
}

// computedExactNumbers are expressions that compute with numbers: an exact number is read as
// its nearest double there, and the result is a double.
var computedExactNumbers = []exactNumberCase{
	{`big + 0`, `9007199254740992`},
	{`dec + 0`, `1`},
	{`dec * 1`, `1`},
	{`big - 1`, `9007199254740991`},
	{`-big`, `-9007199254740992`},
	{`-dec`, `-1`},
	{`big % 10`, `2`},
	{`e21 / 1`, `1e+21`},
	{`$sum([dec, dec, 0.5])`, `2.5`},
	{`$sum(items.v)`, `3.5`},
	{`$max(arr)`, `9007199254740992`},
	{`$min(arr)`, `1`},
	{`$average([dec, 3])`, `2`},
	{`$abs(neg)`, `1.2345678901234568e+29`},
	{`$floor(dec)`, `1`},
	{`$ceil(dec)`, `1`},
	{`$round(e21)`, `1e+21`},
	{`$round(dec, 2)`, `1`},
	{`$power(dec, 2)`, `1`},
	{`$sqrt(dec)`, `1`},
	{`$number(dec)`, `1`},
	{`$number(big)`, `9007199254740992`},
	{`$formatNumber(big, "#,##0")`, `"9,007,199,254,740,992"`},
	{`$formatNumber(dec, "0.00")`, `"1.00"`},
	{`$formatInteger(dec, "w")`, `"one"`},
	{`$formatBase(dec, 2)`, `"1"`},
	{`$fromMillis(zero)`, `"1970-01-01T00:00:00.000Z"`},
	{`$substring("abcdef", dec)`, `"bcdef"`},
	{`$substring("abcdef", 0, dec)`, `"a"`},
	{`$pad("x", dec + 2, "-")`, `"x--"`},
	{`$split("a,b,c", ",", dec)`, `["a"]`},
	{`[dec..3]`, `[1,2,3]`},
	{`[0..dec]`, `[0,1]`},
	{`items#$i[$i = $$.dec].v`, `2.5`},
	{`arr.($ * 1)`, `[9007199254740992,1,3]`},
	// comparisons give booleans, exact when a side is exact
	{`big = small`, `false`},
	{`big != small`, `true`},
	{`big = $bound`, `true`},
	{`big > small`, `true`},
	{`big < big2`, `true`},
	{`small >= big`, `false`},
	{`big <= big`, `true`},
	{`dec = 1`, `true`},
	{`dec < 1.5`, `true`},
	{`zero = 0`, `true`},
	{`big in [small]`, `false`},
	{`big in arr`, `true`},
	{`dec in [1]`, `true`},
	{`obj = {"n": $$.big}`, `true`},
	{`obj = {"n": $$.small}`, `false`},
	{`[dec] = [1]`, `true`},
	// a decimal is the double it reads as: equal to the same double computed
	{`dbl = 12345678.9`, `true`},
	{`dbl = $max([dbl])`, `true`},
	{`dbl + 0`, `12345678.9`},
	{`dbl in [12345678.9]`, `true`},
}

func TestExactNumbers(t *testing.T) {
	t.Parallel()
	input, err := jsonvalue.Decode([]byte(exactInput))
	if err != nil {
		t.Fatal(err)
	}
	bindings := map[string]any{
		"bound":    json.Number("9007199254740993"),
		"boundObj": jsonvalue.ObjectOf("d", json.Number("1.0")),
	}
	for _, compat206 := range []bool{false, true} {
		for _, group := range []struct {
			name  string
			cases []exactNumberCase
		}{{"moved", movedExactNumbers}, {"computed", computedExactNumbers}} {
			for _, tt := range group.cases {
				e, err := CompileWithOptions(tt.expr, CompileOptions{Compat206: compat206})
				if err != nil {
					t.Fatalf("%s: %v", tt.expr, err)
				}
				got, err := e.Eval(input, &EvalOptions{Bindings: bindings})
				if err != nil {
					t.Errorf("%s (compat206 %v): %v", tt.expr, compat206, err)
					continue
				}
				if text := jsonvalue.MarshalString(got); text != tt.want {
					t.Errorf("%s %s (compat206 %v) = %s, want %s", group.name, tt.expr, compat206, text, tt.want)
				}
				data, err := e.EvalJSON(input, &EvalOptions{Bindings: bindings}, "")
				if err != nil {
					t.Fatalf("%s: %v", tt.expr, err)
				}
				if string(data) != tt.want {
					t.Errorf("%s %s (compat206 %v) as JSON = %s, want %s", group.name, tt.expr, compat206, data, tt.want)
				}
			}
		}
	}
}

// TestExactNumberTypes checks the Go types Eval returns: a number moved through the
// expression is the json.Number it came in as, a computed one a float64.
func TestExactNumberTypes(t *testing.T) {
	t.Parallel()
	input, err := jsonvalue.Decode([]byte(exactInput))
	if err != nil {
		t.Fatal(err)
	}
	for expr, want := range map[string]any{
		`big`:               json.Number("9007199254740993"),
		`dec`:               json.Number("1.0"),
		`$lookup(obj, "n")`: json.Number("9007199254740993"),
		`big + 0`:           float64(9007199254740992),
		`$number(dec)`:      1.0,
		`$max([dec])`:       1.0,
		`$abs(dec)`:         1.0,
	} {
		e, err := Compile(expr)
		if err != nil {
			t.Fatal(err)
		}
		got, err := e.Eval(input, nil)
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		if got != want {
			t.Errorf("%s = %#v, want %#v", expr, got, want)
		}
	}
}

// TestExactNumberErrors checks that an exact number is a number to the type checks: the
// errors name it by its text.
func TestExactNumberErrors(t *testing.T) {
	t.Parallel()
	input, err := jsonvalue.Decode([]byte(exactInput))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ expr, code, message string }{
		{`big + "a"`, "T2002", `The right side of the "+" operator must evaluate to a number`},
		{`big < "a"`, "T2009", `The values 9007199254740993 and "a" either side of operator "<" must be of the same data type`},
		{`$substring(big, 1)`, "T0411", `Context value is not a compatible type with argument 1 of function "substring"`},
		{`$uppercase(big)`, "T0410", `Argument 1 of function "uppercase" does not match function signature`},
		{`$sort([big, "a"])`, "D3070", `The single argument form of the sort function can only be applied to an array of strings or an array of numbers.  Use the second argument to specify a comparison function`},
	} {
		e, err := Compile(tt.expr)
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.Eval(input, nil)
		jerr, ok := err.(*Error)
		if !ok {
			t.Errorf("%s: error %v, want %s", tt.expr, err, tt.code)
			continue
		}
		if jerr.Code != tt.code || jerr.Message != tt.message {
			t.Errorf("%s: %s %q, want %s %q", tt.expr, jerr.Code, jerr.Message, tt.code, tt.message)
		}
	}
}

// TestExactNumbersInGoFunctions checks what a Go function receives: a float64 for a
// parameter its signature declares as a number, the json.Number as it is otherwise.
func TestExactNumbersInGoFunctions(t *testing.T) {
	t.Parallel()
	input, err := jsonvalue.Decode([]byte(exactInput))
	if err != nil {
		t.Fatal(err)
	}
	var got []any
	record := func(args []any) (any, error) {
		got = append(got, args...)
		return args[0], nil
	}
	opts := &EvalOptions{Functions: map[string]Function{
		"num":  {Signature: "<n:n>", Call: record},
		"any":  {Signature: "<x:x>", Call: record},
		"bare": {Call: record},
	}}
	for _, expr := range []string{`$num(big)`, `$any(big)`, `$bare(dec)`} {
		e, err := Compile(expr)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.Eval(input, opts); err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
	}
	want := []any{float64(9007199254740992), json.Number("9007199254740993"), json.Number("1.0")}
	if len(got) != len(want) {
		t.Fatalf("arguments %#v, want %#v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("argument %d: %#v, want %#v", i, got[i], want[i])
		}
	}
}

// TestSuiteWithExactNumbers runs the JSONata test suite with every number of every input
// and binding given as a json.Number (its JavaScript text), as the engine gives numbers it
// holds exactly: each operator and function must take them as numbers, and the results
// must be the suite's.
func TestSuiteWithExactNumbers(t *testing.T) {
	t.Parallel()
	dir := suiteDir(t)
	known := loadKnownFailures(t)
	files, err := filepath.Glob(filepath.Join(dir, "groups", "*", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	passed := 0
	for _, file := range files {
		rel, _ := filepath.Rel(filepath.Join(dir, "groups"), file)
		rel = filepath.ToSlash(rel)
		if _, isKnown := known[rel]; isKnown {
			continue
		}
		cases := readSuiteCases(t, file, rel)
		var failures []string
		for i, c := range cases {
			if c.ExprFile != "" {
				if c.Expr, err = readExprFile(file, c.ExprFile); err != nil {
					t.Fatal(err)
				}
			}
			if c.Error != nil && c.Code == "" {
				c.Code = c.Error.Code
			}
			if why := runSuiteCaseWith(dir, c, exactForm); why != "" {
				failures = append(failures, fmt.Sprintf("case %d (%s): %s", i, c.Expr, why))
			}
		}
		if len(failures) > 0 {
			t.Errorf("%s: %s", rel, strings.Join(failures, "; "))
			continue
		}
		passed++
	}
	t.Logf("JSONata suite with exact numbers: %d/%d case files pass", passed, len(files))
}

// exactForm gives every finite number in v as a json.Number holding JavaScript's text for it.
func exactForm(v any) any {
	return mapLeaves(v, func(v any) any {
		if x, ok := v.(float64); ok && !math.IsInf(x, 0) && !math.IsNaN(x) {
			return json.Number(formatNumber(x))
		}
		return v
	})
}

// numbersAsFloats reads every json.Number in a result as its float64.
func numbersAsFloats(v any) any {
	return mapLeaves(v, func(v any) any {
		if x, ok := v.(json.Number); ok {
			f, _ := jsonvalue.Float(x)
			return f
		}
		return v
	})
}

// mapLeaves copies v with f applied to every value that is not an array or an object.
func mapLeaves(v any, f func(any) any) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, it := range x {
			out[i] = mapLeaves(it, f)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, it := range x {
			out[k] = mapLeaves(it, f)
		}
		return out
	case *object:
		out := newObject()
		for _, k := range x.keys {
			out.set(k, mapLeaves(x.vals[k], f))
		}
		return out
	case *jsonvalue.Object:
		out := jsonvalue.NewObject(x.Len())
		for i := range x.Len() {
			out.Set(x.KeyAt(i), mapLeaves(x.ValueAt(i), f))
		}
		return out
	}
	return f(v)
}
