package jsonata

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/stepflow/stepflow/internal/jsonvalue"
)

func defineArrayFunctions() {
	define("count", "<a:n>", 1, func(ev *evaluator, args []any, _ *callContext) (any, error) {
		items, _ := asArray(args[0])
		return float64(len(items)), nil
	})
	define("append", "<xx:a>", 2, func(ev *evaluator, args []any, _ *callContext) (any, error) {
		return appendValues(&ev.budget, args[0], args[1]), nil
	})
	define("reverse", "<a:a>", 1, func(ev *evaluator, args []any, _ *callContext) (any, error) {
		items, ok := asArray(args[0])
		if !ok {
			return Undefined, nil
		}
		if len(items) <= 1 {
			return args[0], nil
		}
		ev.budget.spend(len(items))
		out := make([]any, len(items))
		for i, x := range items {
			out[len(items)-1-i] = x
		}
		return &seq{items: out}, nil
	})
	define("shuffle", "<a:a>", 1, func(ev *evaluator, args []any, _ *callContext) (any, error) {
		items, ok := asArray(args[0])
		if !ok {
			return Undefined, nil
		}
		if len(items) <= 1 {
			return args[0], nil
		}
		ev.budget.spend(len(items))
		out := append([]any(nil), items...)
		for i := len(out) - 1; i > 0; i-- {
			j := int(ev.random() * float64(i+1))
			out[i], out[j] = out[j], out[i]
		}
		return &seq{items: out}, nil
	})
	define("distinct", "<x:x>", 1, func(ev *evaluator, args []any, _ *callContext) (any, error) {
		items, ok := asArray(args[0])
		if !ok {
			return args[0], nil
		}
		if len(items) <= 1 {
			return args[0], nil
		}
		out := newSeq()
		for _, x := range items {
			dup := false
			for _, y := range out.items {
				if deepEqual(x, y) {
					dup = true
					break
				}
			}
			if !dup {
				ev.budget.spend(1)
				out.items = append(out.items, x)
			}
		}
		return out, nil
	})
	define("zip", "<a+>", 1, func(ev *evaluator, args []any, _ *callContext) (any, error) {
		var arrays [][]any
		length := -1
		for _, a := range args {
			items, _ := asArray(a)
			if a == Undefined {
				items = nil
			}
			arrays = append(arrays, items)
			if length < 0 || len(items) < length {
				length = len(items)
			}
		}
		if length < 0 {
			length = 0
		}
		ev.budget.spend(length * (1 + len(arrays)))
		out := make([]any, length)
		for i := 0; i < length; i++ {
			tuple := make([]any, len(arrays))
			for j, arr := range arrays {
				tuple[j] = arr[i]
			}
			out[i] = &seq{items: tuple}
		}
		return &seq{items: out}, nil
	})
	define("sort", "<af?:a>", 2, func(ev *evaluator, args []any, call *callContext) (any, error) {
		items, ok := asArray(args[0])
		if !ok {
			return Undefined, nil
		}
		if len(items) <= 1 {
			return args[0], nil
		}
		var greater func(a, b any) (bool, error)
		if args[1] != Undefined {
			fn := args[1]
			greater = func(a, b any) (bool, error) {
				v, err := ev.apply(fn, []any{a, b}, Undefined, call.env)
				if err != nil {
					return false, err
				}
				return v == true, nil
			}
		} else {
			allNum, allStr := true, true
			for _, x := range items {
				n := isNumber(x)
				_, s := x.(string)
				allNum = allNum && n
				allStr = allStr && s
			}
			if !allNum && !allStr {
				return nil, newError("D3070", 0, "sort", nil)
			}
			greater = func(a, b any) (bool, error) {
				if allNum {
					c, _ := compareNumbers(a, b)
					return c > 0, nil
				}
				return jsonvalue.CompareUTF16(a.(string), b.(string)) > 0, nil
			}
		}
		ev.budget.spend(len(items))
		out, err := mergeSort(items, greater)
		if err != nil {
			return nil, err
		}
		return &seq{items: out}, nil
	})
}

// mergeSort is a stable sort where greater(a, b) says a must come after b.
func mergeSort(items []any, greater func(a, b any) (bool, error)) ([]any, error) {
	if len(items) <= 1 {
		return append([]any(nil), items...), nil
	}
	mid := len(items) / 2
	left, err := mergeSort(items[:mid], greater)
	if err != nil {
		return nil, err
	}
	right, err := mergeSort(items[mid:], greater)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(items))
	i, j := 0, 0
	for i < len(left) && j < len(right) {
		g, err := greater(left[i], right[j])
		if err != nil {
			return nil, err
		}
		if g {
			out = append(out, right[j])
			j++
		} else {
			out = append(out, left[i])
			i++
		}
	}
	out = append(out, left[i:]...)
	return append(out, right[j:]...), nil
}

func defineObjectFunctions() {
	define("keys", "<x-:a<s>>", 1, func(ev *evaluator, args []any, _ *callContext) (any, error) {
		return keysOf(&ev.budget, args[0]), nil
	})
	define("lookup", "<x-s:x>", 2, func(ev *evaluator, args []any, _ *callContext) (any, error) {
		key, _ := args[1].(string)
		return lookupField(&ev.budget, args[0], key), nil
	})
	define("spread", "<x-:a<o>>", 1, func(ev *evaluator, args []any, _ *callContext) (any, error) {
		return spread(&ev.budget, args[0]), nil
	})
	define("merge", "<a<o>:o>", 1, func(ev *evaluator, args []any, _ *callContext) (any, error) {
		items, ok := asArray(args[0])
		if !ok {
			return Undefined, nil
		}
		ev.budget.spend(objectCost)
		out := newObject()
		for _, o := range items {
			ev.budget.spend(objectLen(o))
			for _, k := range objectKeys(o) {
				v, _ := objectGet(o, k)
				out.set(k, v)
			}
		}
		return out, nil
	})
	define("type", "<x:s>", 1, func(ev *evaluator, args []any, _ *callContext) (any, error) {
		switch x := args[0].(type) {
		case nil:
			return "null", nil
		case float64:
			if math.IsNaN(x) {
				return "object", nil // jsonata-js: NaN (from $toMillis) is not numeric
			}
			return "number", nil
		case json.Number:
			return "number", nil
		case string:
			return "string", nil
		case bool:
			return "boolean", nil
		case []any, *seq:
			return "array", nil
		case callable:
			return "function", nil
		case map[string]any, *jsonvalue.Object, *object:
			return "object", nil
		}
		return Undefined, nil
	})
	define("error", "<s?:x>", 1, func(ev *evaluator, args []any, _ *callContext) (any, error) {
		msg, ok := args[0].(string)
		if !ok {
			msg = "$error() function evaluated"
		}
		return nil, &Error{Code: "D3137", Message: msg}
	})
	define("assert", "<bs?:x>", 2, func(ev *evaluator, args []any, _ *callContext) (any, error) {
		if args[0] == true {
			return Undefined, nil
		}
		msg, ok := args[1].(string)
		if !ok {
			msg = "$assert() statement failed"
		}
		return nil, &Error{Code: "D3141", Message: msg}
	})
	define("clone", "<(oa)-:o>", 1, func(ev *evaluator, args []any, _ *callContext) (any, error) {
		return deepClone(&ev.budget, args[0]), nil
	})
}

func keysOf(b *budget, v any) any {
	return keysOfAt(b, 0, v)
}

func keysOfAt(b *budget, depth int, v any) any {
	checkValueDepth(depth)
	out := newSeq()
	if items, ok := asArray(v); ok {
		seen := map[string]bool{}
		for _, it := range items {
			itemKeys, _ := asArray(keysOfAt(b, depth+1, it))
			for _, kv := range itemKeys {
				k := kv.(string)
				if !seen[k] {
					seen[k] = true
					b.spend(1)
					out.items = append(out.items, k)
				}
			}
		}
		return out
	}
	b.spend(objectLen(v))
	for _, k := range objectKeys(v) {
		out.items = append(out.items, k)
	}
	return out
}

func spread(b *budget, v any) any {
	if items, ok := asArray(v); ok {
		result := newSeq()
		result.items = spreadInto(b, 0, v, result.items)
		// as the $append that JSONata uses: a concatenation is an array, not a sequence
		result.sequence = len(items) == 0
		return result
	}
	return spreadOne(b, v)
}

// spreadInto appends the spread of each item of v, flattened, as $append would.
func spreadInto(b *budget, depth int, v any, out []any) []any {
	checkValueDepth(depth)
	items, _ := asArray(v)
	for _, it := range items {
		if _, ok := asArray(it); ok {
			out = spreadInto(b, depth+1, it, out)
			continue
		}
		if one := spreadOne(b, it); one != Undefined {
			out = appendFlat(b, out, one)
		}
	}
	return out
}

// spreadOne is $spread of a value that is not an array.
func spreadOne(b *budget, v any) any {
	if isObject(v) {
		out := newSeq()
		b.spend((objectCost + 2) * objectLen(v))
		for _, k := range objectKeys(v) {
			val, _ := objectGet(v, k)
			o := newObject()
			o.set(k, val)
			out.items = append(out.items, o)
		}
		return out
	}
	return v
}

// deepClone copies a value so that a transform can modify the copy in place; the copy
// counts against b.
func deepClone(b *budget, v any) any {
	return deepCloneAt(b, 0, v)
}

func deepCloneAt(b *budget, depth int, v any) any {
	checkValueDepth(depth)
	switch x := v.(type) {
	case []any, *seq:
		items, _ := asArray(x)
		b.spend(len(items))
		out := make([]any, len(items))
		for i, it := range items {
			out[i] = deepCloneAt(b, depth+1, it)
		}
		return &seq{items: out}
	case map[string]any, *jsonvalue.Object, *object:
		o := newObject()
		b.spend(objectCost + objectLen(x))
		for _, k := range objectKeys(x) {
			val, _ := objectGet(x, k)
			o.set(k, deepCloneAt(b, depth+1, val))
		}
		return o
	}
	return v
}

func defineHigherOrderFunctions() {
	define("map", "<af>", 2, func(ev *evaluator, args []any, call *callContext) (any, error) {
		items, ok := asArray(args[0])
		if !ok {
			return Undefined, nil
		}
		out := newSeq()
		for i, x := range items {
			v, err := ev.apply(args[1], hofArgs(args[1], x, i, args[0]), Undefined, call.env)
			if err != nil {
				return nil, err
			}
			if v != Undefined {
				ev.budget.spend(1)
				out.items = append(out.items, v)
			}
		}
		return out, nil
	})
	define("filter", "<af>", 2, func(ev *evaluator, args []any, call *callContext) (any, error) {
		items, ok := asArray(args[0])
		if !ok {
			return Undefined, nil
		}
		out := newSeq()
		for i, x := range items {
			v, err := ev.apply(args[1], hofArgs(args[1], x, i, args[0]), Undefined, call.env)
			if err != nil {
				return nil, err
			}
			if truthy(v) {
				ev.budget.spend(1)
				out.items = append(out.items, x)
			}
		}
		return out, nil
	})
	define("single", "<af?>", 2, func(ev *evaluator, args []any, call *callContext) (any, error) {
		items, ok := asArray(args[0])
		if !ok {
			return Undefined, nil
		}
		found := false
		var result any = Undefined
		for i, x := range items {
			match := true
			if args[1] != Undefined {
				v, err := ev.apply(args[1], hofArgs(args[1], x, i, args[0]), Undefined, call.env)
				if err != nil {
					return nil, err
				}
				match = truthy(v)
			}
			if match {
				if found {
					return nil, newError("D3138", 0, "single", nil)
				}
				found = true
				result = x
			}
		}
		if !found {
			return nil, newError("D3139", 0, "single", nil)
		}
		return result, nil
	})
	define("reduce", "<afj?:j>", 3, func(ev *evaluator, args []any, call *callContext) (any, error) {
		items, ok := asArray(args[0])
		if !ok {
			return Undefined, nil
		}
		fn := args[1]
		n := arityOf(fn)
		if n < 2 {
			return nil, newError("D3050", 0, "reduce", nil).withIndex(1)
		}
		result := args[2]
		index := 0
		if result == Undefined && len(items) > 0 {
			result = items[0]
			index = 1
		}
		for ; index < len(items); index++ {
			callArgs := []any{result, items[index]}
			if n >= 3 {
				callArgs = append(callArgs, float64(index))
			}
			if n >= 4 {
				callArgs = append(callArgs, args[0])
			}
			v, err := ev.apply(fn, callArgs, Undefined, call.env)
			if err != nil {
				return nil, err
			}
			result = v
		}
		return result, nil
	})
	define("each", "<o-f:a>", 2, func(ev *evaluator, args []any, call *callContext) (any, error) {
		obj := args[0]
		if obj == Undefined {
			return Undefined, nil
		}
		out := newSeq()
		for _, k := range objectKeys(obj) {
			v, _ := objectGet(obj, k)
			callArgs := hofArgs(args[1], v, 0, obj)
			if len(callArgs) >= 2 {
				callArgs[1] = k
			}
			r, err := ev.apply(args[1], callArgs, Undefined, call.env)
			if err != nil {
				return nil, err
			}
			if r != Undefined {
				ev.budget.spend(1)
				out.items = append(out.items, r)
			}
		}
		return out, nil
	})
	define("sift", "<o-f?:o>", 2, func(ev *evaluator, args []any, call *callContext) (any, error) {
		obj := args[0]
		if obj == Undefined {
			return Undefined, nil
		}
		ev.budget.spend(objectCost)
		out := newObject()
		for _, k := range objectKeys(obj) {
			v, _ := objectGet(obj, k)
			callArgs := hofArgs(args[1], v, 0, obj)
			if len(callArgs) >= 2 {
				callArgs[1] = k
			}
			r, err := ev.apply(args[1], callArgs, Undefined, call.env)
			if err != nil {
				return nil, err
			}
			if truthy(r) {
				ev.budget.spend(1)
				out.set(k, v)
			}
		}
		if len(out.keys) == 0 {
			return Undefined, nil
		}
		return out, nil
	})
}

// evalSort implements the order-by operator ^( ... ) over a sequence (or tuple stream).
func (ev *evaluator) evalSort(expr *node, input *seq, env *frame) (any, error) {
	isTuple := input.tupleStream
	key := func(item any, term sortTerm) (any, error) {
		if isTuple {
			t := item.(tuple)
			return ev.eval(term.expr, t["@"], frameFromTuple(env, t))
		}
		return ev.eval(term.expr, item, env)
	}
	greater := func(a, b any) (bool, error) {
		comp := 0
		for _, term := range expr.terms {
			if comp != 0 {
				break
			}
			aa, err := key(a, term)
			if err != nil {
				return false, err
			}
			bb, err := key(b, term)
			if err != nil {
				return false, err
			}
			if aa == Undefined {
				if bb == Undefined {
					comp = 0
				} else {
					comp = 1
				}
				continue
			}
			if bb == Undefined {
				comp = -1
				continue
			}
			if !(isNumber(aa) || isString(aa)) || !(isNumber(bb) || isString(bb)) {
				bad := aa
				if isNumber(aa) || isString(aa) {
					bad = bb
				}
				return false, newError("T2008", expr.pos, "", bad)
			}
			if isNumber(aa) != isNumber(bb) {
				e := newError("T2007", expr.pos, "", aa)
				e.value2 = bb
				return false, e
			}
			if isNumber(aa) {
				comp, _ = compareNumbers(aa, bb)
			} else {
				comp = jsonvalue.CompareUTF16(aa.(string), bb.(string))
			}
			if term.descending {
				comp = -comp
			}
		}
		return comp == 1, nil
	}
	ev.budget.spend(len(input.items))
	out, err := mergeSort(input.items, greater)
	if err != nil {
		return nil, err
	}
	return &seq{items: out, sequence: true, tupleStream: isTuple}, nil
}

// transform applies a |pattern|update,delete| expression to a deep copy of v.
func (ev *evaluator) transform(t *transformer, v any) (any, error) {
	if v == Undefined {
		return Undefined, nil
	}
	if !isObject(v) {
		if _, ok := asArray(v); !ok {
			return nil, newError("T0410", 0, "", v).withIndex(1)
		}
	}
	clone, ok := t.env.lookup("clone")
	if !ok || !isFunction(clone) {
		return nil, newError("T2013", t.node.pos, "", nil)
	}
	result, err := ev.apply(clone, []any{v}, Undefined, t.env)
	if err != nil {
		return nil, err
	}
	matches, err := ev.eval(t.node.pattern, result, t.env)
	if err != nil {
		return nil, err
	}
	if matches == Undefined {
		return result, nil
	}
	items, isArr := asArray(matches)
	if !isArr {
		items = []any{matches}
	}
	for _, match := range items {
		update, err := ev.eval(t.node.update, match, t.env)
		if err != nil {
			return nil, err
		}
		if update != Undefined {
			if !isObject(update) {
				return nil, newError("T2011", t.node.update.pos, "", update)
			}
			if m, ok := match.(*object); ok {
				for _, k := range objectKeys(update) {
					uv, _ := objectGet(update, k)
					// a copy: the update may hold the matched object itself ({"self": $}),
					// which would make the result contain itself
					m.set(k, deepClone(&ev.budget, uv))
				}
			}
		}
		if t.node.del != nil {
			dels, err := ev.eval(t.node.del, match, t.env)
			if err != nil {
				return nil, err
			}
			if dels == Undefined {
				continue
			}
			names, isArr := asArray(dels)
			if !isArr {
				names = []any{dels}
			}
			for _, n := range names {
				if _, ok := n.(string); !ok {
					return nil, newError("T2012", t.node.del.pos, "", dels)
				}
			}
			if m, ok := match.(*object); ok {
				for _, n := range names {
					m.del(n.(string))
				}
			}
		}
	}
	return result, nil
}

var _ = fmt.Sprint
var _ = strings.Join
