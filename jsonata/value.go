package jsonata

import (
	"encoding/json"
	"sort"

	"github.com/stepflow/stepflow/internal/jsonvalue"
)

// undefinedType is the type of Undefined; a pointer so that comparisons are cheap.
type undefinedType struct{ _ byte }

// Undefined is JSONata's "no value": the result of a path that matched nothing. Pass it as
// input to evaluate without input; Eval returns it when the result is undefined.
var Undefined any = &undefinedType{}

// seq is an array produced during evaluation. JSONata tracks, per array, whether it is a
// result sequence (collapsed to its single item, flattened by paths) or an array built by a
// constructor (never flattened by a path step), plus a few bookkeeping flags. Arrays that
// come from the input document stay plain []any.
type seq struct {
	items         []any
	sequence      bool
	cons          bool
	keepSingleton bool
	outerWrapper  bool
	tupleStream   bool
}

func newSeq(items ...any) *seq { return &seq{items: items, sequence: true} }

// tuple is one binding of a tuple stream: "@" is the context item, other keys are the
// focus, index and ancestor variables bound along the path.
type tuple map[string]any

// object is an object built by the expression; unlike a Go map it remembers key order,
// which JSONata exposes through $keys, $string, $each and friends.
type object struct {
	keys []string
	vals map[string]any
	// hasIndexKeys is set when a key is a canonical array index ("0", "42"): JavaScript
	// lists those first, in numeric order, and JSONata inherits that order.
	hasIndexKeys bool
}

func newObject() *object { return &object{vals: map[string]any{}} }

func (o *object) set(k string, v any) {
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
		if isArrayIndex(k) {
			o.hasIndexKeys = true
		}
	}
	o.vals[k] = v
}

func isArrayIndex(k string) bool {
	if k == "" || len(k) > 10 || (len(k) > 1 && k[0] == '0') {
		return false
	}
	n := 0
	for i := 0; i < len(k); i++ {
		if k[i] < '0' || k[i] > '9' {
			return false
		}
		n = n*10 + int(k[i]-'0')
	}
	return n < 1<<32-1
}

// orderedKeys is the key order JavaScript gives: array indexes ascending, then the other
// keys in insertion order.
func (o *object) orderedKeys() []string {
	if !o.hasIndexKeys {
		return o.keys
	}
	var idx, rest []string
	for _, k := range o.keys {
		if isArrayIndex(k) {
			idx = append(idx, k)
		} else {
			rest = append(rest, k)
		}
	}
	sort.Slice(idx, func(i, j int) bool {
		if len(idx[i]) != len(idx[j]) {
			return len(idx[i]) < len(idx[j])
		}
		return idx[i] < idx[j]
	})
	return append(idx, rest...)
}

func (o *object) del(k string) {
	if _, ok := o.vals[k]; !ok {
		return
	}
	delete(o.vals, k)
	for i, key := range o.keys {
		if key == k {
			o.keys = append(o.keys[:i:i], o.keys[i+1:]...)
			break
		}
	}
}

// asArray reports whether v is an array (input or constructed) and returns its items.
func asArray(v any) ([]any, bool) {
	switch a := v.(type) {
	case []any:
		return a, true
	case *seq:
		return a.items, true
	}
	return nil, false
}

func isSequence(v any) bool {
	s, ok := v.(*seq)
	return ok && s.sequence
}

func isObject(v any) bool {
	switch v.(type) {
	case map[string]any, *jsonvalue.Object, *object:
		return true
	}
	return false
}

// objectKeys lists the keys of an object in order: insertion order for constructed objects,
// sorted order for input maps (Go maps have none, and a stable order keeps results stable).
func objectKeys(v any) []string {
	switch o := v.(type) {
	case *object:
		return o.orderedKeys()
	case *jsonvalue.Object:
		return o.Keys()
	case map[string]any:
		keys := make([]string, 0, len(o))
		for k := range o {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return keys
	}
	return nil
}

func objectGet(v any, key string) (any, bool) {
	switch o := v.(type) {
	case *object:
		x, ok := o.vals[key]
		return x, ok
	case *jsonvalue.Object:
		return o.Get(key)
	case map[string]any:
		x, ok := o[key]
		return x, ok
	}
	return nil, false
}

func objectLen(v any) int {
	switch o := v.(type) {
	case *object:
		return len(o.keys)
	case *jsonvalue.Object:
		return o.Len()
	case map[string]any:
		return len(o)
	}
	return 0
}

func isFunction(v any) bool {
	_, ok := v.(callable)
	return ok
}

// isNumber reports whether v is a JSONata number: a float64, or a json.Number the input
// holds exactly (see asNumber).
func isNumber(v any) bool {
	switch v.(type) {
	case float64, json.Number:
		return true
	}
	return false
}

// asNumber reads v as the double JSONata computes with. A json.Number is a number the
// engine's input holds exactly (an integer beyond 2^53, or a decimal with Java's rendering
// such as 1.0): JSONata keeps it as it is while it only moves the value (paths, variables,
// constructors, functions that return their arguments' items), so that the output shows the
// same text, and reads it as its nearest double where an operator or function computes
// with it, as jsonata-js computes with JavaScript numbers.
func asNumber(v any) (float64, bool) { return jsonvalue.Float(v) }

func isString(v any) bool {
	_, ok := v.(string)
	return ok
}

// FunctionValue is what Eval returns when the result is a function (a lambda, a built-in,
// a partial application): functions are JSONata values but have no JSON form. Inside a
// result, functions are dropped as JSON.stringify does (null in arrays, omitted in objects).
type FunctionValue struct{}

// toPublic converts an internal value to the engine's values (internal/jsonvalue):
// sequences and constructed arrays become []any, built objects *jsonvalue.Object in the
// order JavaScript gives their keys.
// Copies count against b (nil: not counted), since a value shared many times inside a result
// becomes that many copies.
func toPublic(b *budget, v any) any {
	return toPublicAt(b, 0, v)
}

func toPublicAt(b *budget, depth int, v any) any {
	checkValueDepth(depth)
	switch x := v.(type) {
	case *seq:
		b.spend(len(x.items))
		out := make([]any, 0, len(x.items))
		for _, it := range x.items {
			if it == Undefined {
				continue
			}
			if isFunction(it) {
				// no JSON form: as JSON.stringify, null in an array, left out of an object
				out = append(out, nil)
				continue
			}
			out = append(out, toPublicAt(b, depth+1, it))
		}
		return out
	case []any:
		changed := false
		for _, it := range x {
			if needsConversion(it) {
				changed = true
				break
			}
		}
		if !changed {
			return x
		}
		b.spend(len(x))
		out := make([]any, len(x))
		for i, it := range x {
			if !isFunction(it) {
				out[i] = toPublicAt(b, depth+1, it)
			}
		}
		return out
	case *object:
		b.spend(objectCost + len(x.keys))
		out := jsonvalue.NewObject(len(x.keys))
		for _, k := range x.orderedKeys() {
			val := x.vals[k]
			if val == Undefined || isFunction(val) {
				continue
			}
			out.Set(k, toPublicAt(b, depth+1, val))
		}
		return out
	case *jsonvalue.Object:
		changed := false
		for i := range x.Len() {
			if needsConversion(x.ValueAt(i)) {
				changed = true
				break
			}
		}
		if !changed {
			return x
		}
		b.spend(objectCost + x.Len())
		out := jsonvalue.NewObject(x.Len())
		for i := range x.Len() {
			if it := x.ValueAt(i); !isFunction(it) {
				out.Set(x.KeyAt(i), toPublicAt(b, depth+1, it))
			}
		}
		return out
	case map[string]any:
		changed := false
		for _, it := range x {
			if needsConversion(it) {
				changed = true
				break
			}
		}
		if !changed {
			return x
		}
		b.spend(objectCost + len(x))
		out := make(map[string]any, len(x))
		for k, it := range x {
			if !isFunction(it) {
				out[k] = toPublicAt(b, depth+1, it)
			}
		}
		return out
	case callable:
		return FunctionValue{}
	case float64:
		if x == 0 {
			return 0.0 // JSON has no negative zero
		}
	}
	return v
}

func needsConversion(v any) bool {
	return needsConversionAt(0, v)
}

func needsConversionAt(depth int, v any) bool {
	checkValueDepth(depth)
	switch x := v.(type) {
	case *seq, *object, callable:
		return true
	case []any:
		for _, it := range x {
			if needsConversionAt(depth+1, it) {
				return true
			}
		}
	case map[string]any:
		for _, it := range x {
			if needsConversionAt(depth+1, it) {
				return true
			}
		}
	case *jsonvalue.Object:
		for i := range x.Len() {
			if needsConversionAt(depth+1, x.ValueAt(i)) {
				return true
			}
		}
	}
	return false
}

// maxValueDepth bounds the nesting of values the engine walks recursively. Deeper values
// (built by a loop, or cyclic) would exhaust the Go stack, which is fatal; the walk panics
// with errValueTooDeep instead and Eval reports error U1001. Real documents nest a few dozen
// levels; Step Functions payloads are refused past 1,000 levels before they get here.
const maxValueDepth = 10000

var errValueTooDeep = &limitExceeded{&Error{Code: "U1001", Message: "Value nesting is too deep"}}

func checkValueDepth(depth int) {
	if depth > maxValueDepth {
		panic(errValueTooDeep)
	}
}
