package jsonata

import (
	"encoding/json"
	"math"
	"strings"

	"github.com/stepflow/stepflow/internal/jsonvalue"
)

func (ev *evaluator) evalBinary(expr *node, input any, env *frame) (any, error) {
	lhs, err := ev.eval(expr.lhs, input, env)
	if err != nil {
		return nil, err
	}
	op := expr.value
	if op == "and" || op == "or" {
		l := truthy(lhs)
		if op == "and" && !l {
			return false, nil
		}
		if op == "or" && l {
			return true, nil
		}
		rhs, err := ev.eval(expr.rhs, input, env)
		if err != nil {
			return nil, err
		}
		return truthy(rhs), nil
	}
	rhs, err := ev.eval(expr.rhs, input, env)
	if err != nil {
		return nil, err
	}
	var result any
	switch op {
	case "+", "-", "*", "/", "%":
		result, err = arithmetic(lhs, rhs, op)
	case "=", "!=":
		if lhs == Undefined || rhs == Undefined {
			return false, nil
		}
		eq := deepEqual(lhs, rhs)
		if op == "!=" {
			eq = !eq
		}
		return eq, nil
	case "<", "<=", ">", ">=":
		result, err = compareValues(lhs, rhs, op)
	case "&":
		var ls, rs string
		if lhs != Undefined {
			if ls, err = stringify(&ev.budget, lhs, false, ev.compat206); err != nil {
				break
			}
		}
		if rhs != Undefined {
			if rs, err = stringify(&ev.budget, rhs, false, ev.compat206); err != nil {
				break
			}
		}
		if ls != "" && rs != "" {
			ev.budget.spendString(len(ls) + len(rs))
			if isConcatenation(expr.lhs) {
				// the left side is the string the previous & of a chain built (a & b & c), which
				// nothing else holds and which is garbage now that it is copied
				ev.budget.stringBytes -= len(ls)
			}
		}
		result = ls + rs
	case "..":
		result, err = rangeValues(&ev.budget, lhs, rhs, ev.compat206)
	case "in":
		if lhs == Undefined || rhs == Undefined {
			return false, nil
		}
		arr, ok := asArray(rhs)
		if !ok {
			arr = []any{rhs}
		}
		for _, x := range arr {
			if strictEqual(x, lhs) {
				return true, nil
			}
		}
		return false, nil
	default:
		return nil, newError("S0204", expr.pos, op, nil)
	}
	if err != nil {
		if e, ok := err.(*Error); ok {
			if e.Position == 0 {
				e.Position = expr.pos
			}
			if e.Token == "" {
				e.Token = op
			}
		}
		return nil, err
	}
	return result, nil
}

// isConcatenation reports whether n is a bare a & b, whose result only its parent sees.
func isConcatenation(n *node) bool {
	return n.typ == "binary" && n.value == "&" && len(n.predicate) == 0 && n.group == nil && len(n.stages) == 0 && !n.keepArray
}

func checkNumber(v any) (float64, bool, error) {
	n, ok := asNumber(v)
	if !ok || math.IsNaN(n) {
		return 0, false, nil
	}
	if math.IsInf(n, 0) {
		return 0, false, newError("D1001", 0, "", n)
	}
	return n, true, nil
}

func arithmetic(lhs, rhs any, op string) (any, error) {
	l, lok, err := checkNumber(lhs)
	if err != nil {
		return nil, err
	}
	if lhs != Undefined && !lok {
		return nil, newError("T2001", 0, op, lhs)
	}
	r, rok, err := checkNumber(rhs)
	if err != nil {
		return nil, err
	}
	if rhs != Undefined && !rok {
		return nil, newError("T2002", 0, op, rhs)
	}
	if lhs == Undefined || rhs == Undefined {
		return Undefined, nil
	}
	var res float64
	switch op {
	case "+":
		res = l + r
	case "-":
		res = l - r
	case "*":
		res = l * r
	case "/":
		res = l / r
	case "%":
		res = math.Mod(l, r)
	}
	return res, nil
}

func compareValues(lhs, rhs any, op string) (any, error) {
	lcomparable := lhs == Undefined || isString(lhs) || isNumber(lhs)
	rcomparable := rhs == Undefined || isString(rhs) || isNumber(rhs)
	if !lcomparable || !rcomparable {
		bad := lhs
		if lcomparable {
			bad = rhs
		}
		return nil, newError("T2010", 0, op, bad)
	}
	if lhs == Undefined || rhs == Undefined {
		return Undefined, nil
	}
	if isNumber(lhs) {
		if !isNumber(rhs) {
			e := newError("T2009", 0, op, lhs)
			e.value2 = rhs
			return nil, e
		}
		ln, lok := lhs.(float64)
		rn, rok := rhs.(float64)
		if lok && rok {
			switch op {
			case "<":
				return ln < rn, nil
			case "<=":
				return ln <= rn, nil
			case ">":
				return ln > rn, nil
			default:
				return ln >= rn, nil
			}
		}
		c, ordered := compareNumbers(lhs, rhs)
		if !ordered {
			return false, nil // NaN, as in JavaScript
		}
		switch op {
		case "<":
			return c < 0, nil
		case "<=":
			return c <= 0, nil
		case ">":
			return c > 0, nil
		default:
			return c >= 0, nil
		}
	}
	ls := lhs.(string)
	rs, ok := rhs.(string)
	if !ok {
		e := newError("T2009", 0, op, lhs)
		e.value2 = rhs
		return nil, e
	}
	c := jsonvalue.CompareUTF16(ls, rs)
	switch op {
	case "<":
		return c < 0, nil
	case "<=":
		return c <= 0, nil
	case ">":
		return c > 0, nil
	default:
		return c >= 0, nil
	}
}

const maxRangeSize = 1e7

func rangeValues(b *budget, lhs, rhs any, compat206 bool) (any, error) {
	l, lok := asNumber(lhs)
	if lhs != Undefined && (!lok || l != math.Trunc(l)) {
		return nil, newError("T2003", 0, "..", lhs)
	}
	r, rok := asNumber(rhs)
	if rhs != Undefined && (!rok || r != math.Trunc(r)) {
		return nil, newError("T2004", 0, "..", rhs)
	}
	if lhs == Undefined || rhs == Undefined || l > r {
		return Undefined, nil
	}
	size := r - l + 1
	if size > maxRangeSize {
		err := newError("D2014", 0, "..", size)
		if compat206 {
			// 2.0.6 has the same limit, but its message still names the older 1e6
			err.Message = strings.Replace(err.finish().Message, "1e7", "1e6", 1)
		}
		return nil, err
	}
	b.spend(int(size))
	items := make([]any, int(size))
	for i := range items {
		items[i] = l + float64(i)
	}
	return &seq{items: items, sequence: true}, nil
}

// truthy is JSONata's $boolean with undefined counting as false.
func truthy(v any) bool {
	b := toBoolean(v)
	return b == true
}

// toBoolean is $boolean: Undefined for undefined, else a bool.
func toBoolean(v any) any {
	if v == Undefined {
		return Undefined
	}
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case float64:
		return x != 0
	case json.Number:
		n, _ := asNumber(x)
		return n != 0
	case *seq, []any:
		arr, _ := asArray(x)
		if len(arr) == 1 {
			return toBoolean(arr[0])
		}
		for _, it := range arr {
			if truthy(it) {
				return true
			}
		}
		return false
	case *object, *jsonvalue.Object, map[string]any:
		return objectLen(x) > 0
	}
	return false
}

func strictEqual(a, b any) bool {
	switch x := a.(type) {
	case float64:
		if y, ok := b.(float64); ok {
			return x == y
		}
		return numbersEqual(a, b)
	case json.Number:
		return numbersEqual(a, b)
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case nil:
		return b == nil
	}
	return identical(a, b)
}

// identical compares by reference, without panicking on uncomparable dynamic types.
func identical(a, b any) bool {
	switch a.(type) {
	case []any, map[string]any, tuple:
		return false
	}
	switch b.(type) {
	case []any, map[string]any, tuple:
		return false
	}
	return a == b
}

func deepEqual(a, b any) bool {
	return deepEqualAt(0, a, b)
}

func deepEqualAt(depth int, a, b any) bool {
	checkValueDepth(depth)
	if aa, ok := asArray(a); ok {
		bb, ok := asArray(b)
		if !ok || len(aa) != len(bb) {
			return false
		}
		for i := range aa {
			if !deepEqualAt(depth+1, aa[i], bb[i]) {
				return false
			}
		}
		return true
	}
	if isObject(a) {
		if !isObject(b) || objectLen(a) != objectLen(b) {
			return false
		}
		for _, k := range objectKeys(a) {
			av, _ := objectGet(a, k)
			bv, ok := objectGet(b, k)
			if !ok || !deepEqualAt(depth+1, av, bv) {
				return false
			}
		}
		return true
	}
	switch a.(type) {
	case float64, json.Number, string, bool, nil:
		return strictEqual(a, b)
	}
	return identical(a, b)
}

// compareNumbers orders two numbers: as doubles when both are, exactly when either is a
// json.Number the input holds exactly (9007199254740993 > 9007199254740992, which as
// doubles are equal). ordered is false when either is not a number or is NaN.
func compareNumbers(a, b any) (c int, ordered bool) {
	fa, aok := asNumber(a)
	fb, bok := asNumber(b)
	if !aok || !bok || math.IsNaN(fa) || math.IsNaN(fb) {
		return 0, false
	}
	_, aExact := a.(json.Number)
	_, bExact := b.(json.Number)
	if !aExact && !bExact {
		switch {
		case fa < fb:
			return -1, true
		case fa > fb:
			return 1, true
		}
		return 0, true
	}
	return jsonvalue.CompareNumbers(a, b)
}

// numbersEqual is equality of two numbers, exact as compareNumbers is.
func numbersEqual(a, b any) bool {
	c, ordered := compareNumbers(a, b)
	return ordered && c == 0
}
