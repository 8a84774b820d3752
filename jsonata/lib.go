package jsonata

import (
	"encoding/json"
	"math"
	"strings"
)

// builtins holds JSONata's standard library, keyed by name without the '$'. It is filled
// in init so that the implementations may call back into the evaluator.
var builtins = map[string]any{}

type implFunc = func(ev *evaluator, args []any, call *callContext) (any, error)

func define(name, sig string, nargs int, impl implFunc) {
	s, err := parseSignature(sig)
	if err != nil {
		panic("jsonata: bad signature for $" + name + ": " + sig)
	}
	builtins[name] = &builtin{name: name, sig: s, nargs: nargs, impl: impl}
}

// hofArgs passes a callback the value, then index and array if it declares them.
func hofArgs(fn any, v any, i int, arr any) []any {
	n := arityOf(fn)
	out := []any{v}
	if n >= 2 {
		out = append(out, float64(i))
	}
	if n >= 3 {
		out = append(out, arr)
	}
	return out
}

func init() {
	defineStringFunctions()
	defineNumericFunctions()
	defineArrayFunctions()
	defineObjectFunctions()
	defineHigherOrderFunctions()
	defineDateTimeFunctions()
}

func defineNumericFunctions() {
	unary := func(name string, f func(float64) float64) {
		define(name, "<n-:n>", 1, func(ev *evaluator, args []any, _ *callContext) (any, error) {
			n, ok := asNumber(args[0])
			if !ok {
				return Undefined, nil
			}
			return f(n), nil
		})
	}
	unary("abs", math.Abs)
	unary("floor", math.Floor)
	unary("ceil", math.Ceil)
	define("sqrt", "<n-:n>", 1, func(ev *evaluator, args []any, _ *callContext) (any, error) {
		n, ok := asNumber(args[0])
		if !ok {
			return Undefined, nil
		}
		if n < 0 {
			return nil, newError("D3060", 0, "sqrt", n)
		}
		return math.Sqrt(n), nil
	})
	define("power", "<n-n:n>", 2, func(ev *evaluator, args []any, _ *callContext) (any, error) {
		b, ok := asNumber(args[0])
		if !ok {
			return Undefined, nil
		}
		e, ok := asNumber(args[1])
		if !ok {
			e = math.NaN() // as JavaScript's Math.pow(b, undefined)
		}
		r := math.Pow(b, e)
		if math.IsInf(r, 0) || math.IsNaN(r) {
			err := newError("D3061", 0, "power", b)
			err.extra = map[string]any{"exp": e}
			return nil, err
		}
		return r, nil
	})
	define("round", "<n-n?:n>", 2, func(ev *evaluator, args []any, _ *callContext) (any, error) {
		n, ok := asNumber(args[0])
		if !ok {
			return Undefined, nil
		}
		p, _ := asNumber(args[1])
		return roundHalfEven(n, int(p)), nil
	})
	define("random", "<:n>", 0, func(ev *evaluator, args []any, _ *callContext) (any, error) {
		return ev.random(), nil
	})
	define("number", "<(nsb)-:n>", 1, func(ev *evaluator, args []any, _ *callContext) (any, error) {
		return toNumber(args[0])
	})
	define("sum", "<a<n>:n>", 1, func(ev *evaluator, args []any, _ *callContext) (any, error) {
		if args[0] == Undefined {
			return Undefined, nil
		}
		items, _ := asArray(args[0])
		total := 0.0
		for _, x := range items {
			n, _ := asNumber(x)
			total += n
		}
		return total, nil
	})
	extreme := func(name string, better func(a, b float64) bool) {
		define(name, "<a<n>:n>", 1, func(ev *evaluator, args []any, _ *callContext) (any, error) {
			items, _ := asArray(args[0])
			if len(items) == 0 {
				return Undefined, nil
			}
			best, _ := asNumber(items[0])
			for _, x := range items[1:] {
				if v, _ := asNumber(x); better(v, best) {
					best = v
				}
			}
			return best, nil
		})
	}
	extreme("max", func(a, b float64) bool { return a > b })
	extreme("min", func(a, b float64) bool { return a < b })
	define("average", "<a<n>:n>", 1, func(ev *evaluator, args []any, _ *callContext) (any, error) {
		items, _ := asArray(args[0])
		if len(items) == 0 {
			return Undefined, nil
		}
		total := 0.0
		for _, x := range items {
			n, _ := asNumber(x)
			total += n
		}
		return total / float64(len(items)), nil
	})
	define("formatBase", "<n-n?:s>", 2, func(ev *evaluator, args []any, _ *callContext) (any, error) {
		n, ok := asNumber(args[0])
		if !ok {
			return Undefined, nil
		}
		radix := 10.0
		if r, ok := asNumber(args[1]); ok {
			radix = r
		}
		if radix < 2 || radix > 36 {
			return nil, newError("D3100", 0, "formatBase", radix)
		}
		return formatRadix(roundHalfEven(n, 0), int(radix)), nil
	})
	define("boolean", "<x-:b>", 1, func(ev *evaluator, args []any, _ *callContext) (any, error) {
		return toBoolean(args[0]), nil
	})
	define("not", "<x-:b>", 1, func(ev *evaluator, args []any, _ *callContext) (any, error) {
		b := toBoolean(args[0])
		if b == Undefined {
			return Undefined, nil
		}
		return !b.(bool), nil
	})
	define("exists", "<x:b>", 1, func(ev *evaluator, args []any, _ *callContext) (any, error) {
		return args[0] != Undefined, nil
	})
}

func formatRadix(n float64, radix int) string {
	neg := n < 0
	if neg {
		n = -n
	}
	const digits = "0123456789abcdefghijklmnopqrstuvwxyz"
	var out []byte
	v := math.Floor(n)
	if v == 0 {
		out = []byte{'0'}
	}
	for v > 0 {
		d := math.Mod(v, float64(radix))
		out = append([]byte{digits[int(d)]}, out...)
		v = math.Floor(v / float64(radix))
	}
	s := string(out)
	if neg {
		s = "-" + s
	}
	return s
}

// roundHalfEven is $round: round half to even at the given number of decimal places,
// shifting the decimal point textually to avoid binary scaling errors.
func roundHalfEven(n float64, precision int) float64 {
	x := n
	if precision != 0 {
		x = shiftDecimal(n, precision)
	}
	r := math.Floor(x + 0.5)
	if math.Abs(r-x) == 0.5 && math.Mod(math.Abs(r), 2) == 1 {
		r--
	}
	if precision != 0 {
		r = shiftDecimal(r, -precision)
	}
	if r == 0 {
		r = 0 // no negative zero
	}
	return r
}

func shiftDecimal(n float64, places int) float64 {
	s := formatNumber(n)
	mant, exp, _ := strings.Cut(s, "e")
	e := 0
	if exp != "" {
		e = atoiSigned(exp)
	}
	v, err := parseFloat(mant + "e" + itoa(e+places))
	if err != nil {
		return n * math.Pow(10, float64(places))
	}
	return v
}

func toNumber(v any) (any, error) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case json.Number:
		n, _ := asNumber(x)
		return n, nil
	case bool:
		if x {
			return 1.0, nil
		}
		return 0.0, nil
	case string:
		if n, ok := parseJSONNumber(x); ok {
			return n, nil
		}
		return nil, newError("D3030", 0, "number", x)
	}
	if v == Undefined {
		return Undefined, nil
	}
	return nil, newError("D3030", 0, "number", v)
}
