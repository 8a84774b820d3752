// Package jsonvalue is the engine's JSON value form and its encoding: values are nil, bool,
// float64, json.Number (an integer a float64 cannot hold exactly, kept as its digits, as AWS
// keeps it), string, []any and *Object (an object that keeps its key order, as AWS does).
// Plain decoded JSON from encoding/json (map[string]any) is accepted wherever a value is read,
// with its keys in sorted order. The package also compares values and writes compact JSON
// text without HTML escaping, as Step Functions shows it.
package jsonvalue

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/big"
	"os"
)

// Equal reports JSON value equality: objects by keys and values in any order, arrays in
// order, numbers by value (an exact integer equals a float64 of the same value).
func Equal(a, b any) bool { return equal(a, b, false) }

// EqualOrdered is Equal that also requires objects to list their keys in the same order.
func EqualOrdered(a, b any) bool { return equal(a, b, true) }

func equal(a, b any, ordered bool) bool {
	switch a := a.(type) {
	case nil:
		return b == nil
	case bool:
		bb, ok := b.(bool)
		return ok && a == bb
	case float64, json.Number:
		c, ok := CompareNumbers(a, b)
		return ok && c == 0
	case string:
		bb, ok := b.(string)
		return ok && a == bb
	case []any:
		bb, ok := b.([]any)
		if !ok || len(a) != len(bb) {
			return false
		}
		for i := range a {
			if !equal(a[i], bb[i], ordered) {
				return false
			}
		}
		return true
	case *Object, map[string]any:
		ao, _ := AsObject(a)
		bo, ok := AsObject(b)
		if !ok || ao.Len() != bo.Len() {
			return false
		}
		for i, k := range ao.keys {
			if ordered {
				if bo.keys[i] != k || !equal(ao.vals[i], bo.vals[i], ordered) {
					return false
				}
				continue
			}
			w, ok := bo.Get(k)
			if !ok || !equal(ao.vals[i], w, ordered) {
				return false
			}
		}
		return true
	}
	return false
}

// IsNumber reports whether v is a JSON number (float64 or an exact json.Number).
func IsNumber(v any) bool {
	switch v.(type) {
	case float64, json.Number:
		return true
	}
	return false
}

// Float is the float64 nearest to a number (ok false when v is not a number).
func Float(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case json.Number:
		f, err := x.Float64()
		if err != nil && !math.IsInf(f, 0) {
			return 0, false
		}
		return f, true
	}
	return 0, false
}

// BigInt is the exact integer value of a number, when it is an integer.
func BigInt(v any) (*big.Int, bool) {
	switch x := v.(type) {
	case float64:
		if x != math.Trunc(x) || math.IsInf(x, 0) {
			return nil, false
		}
		n, _ := big.NewFloat(x).Int(nil)
		return n, true
	case json.Number:
		if n, ok := new(big.Int).SetString(string(x), 10); ok {
			return n, true
		}
		// a decimal kept for its rendering, such as 10.0
		if f, err := x.Float64(); err == nil && f == math.Trunc(f) && math.Abs(f) <= maxExactInteger {
			return big.NewInt(int64(f)), true
		}
	}
	return nil, false
}

// Integer is the number value of an exact integer: a float64 when that holds it exactly,
// else a json.Number with its digits.
func Integer(n *big.Int) any {
	if n.IsInt64() {
		if i := n.Int64(); i <= maxExactInteger && i >= -maxExactInteger {
			return float64(i)
		}
	}
	return json.Number(n.String())
}

// CompareNumbers compares two numbers exactly (-1, 0, +1): an integer by its digits, a
// decimal by the double it is (as Jackson holds it), so that 9007199254740993 is above
// 9007199254740992 and the decimal 1.23456789E7 equals the float64 12345678.9. ok is false
// when either is not a number.
func CompareNumbers(a, b any) (int, bool) {
	fa, aok := a.(float64)
	fb, bok := b.(float64)
	if aok && bok {
		switch {
		case fa < fb:
			return -1, true
		case fa > fb:
			return 1, true
		}
		return 0, true
	}
	if !IsNumber(a) || !IsNumber(b) {
		return 0, false
	}
	return toBigFloat(a).Cmp(toBigFloat(b)), true
}

func toBigFloat(v any) *big.Float {
	switch x := v.(type) {
	case float64:
		return new(big.Float).SetFloat64(x)
	case json.Number:
		if !isIntegerText(string(x)) {
			// a decimal is a double, as Jackson reads it, kept as text only for its rendering
			// (1.0, 1.23456789E7): its value is the float64, not the decimal the text spells
			if f, err := x.Float64(); err == nil {
				return new(big.Float).SetFloat64(f)
			}
		}
		f, _, err := big.ParseFloat(string(x), 10, 1024, big.ToNearestEven)
		if err == nil {
			return f
		}
	}
	return new(big.Float)
}

// FromPlain converts a value built by other code (encoding/json's map[string]any and
// float64, Go ints, json.RawMessage, json.Number) to the engine's form. Maps get their keys
// sorted; RawMessage text is decoded in document order.
func FromPlain(v any) any {
	switch x := v.(type) {
	case map[string]any:
		o := fromMap(x)
		for i := range o.vals {
			o.vals[i] = FromPlain(o.vals[i])
		}
		return o
	case *Object:
		var c *Object
		for i, it := range x.vals {
			if n := FromPlain(it); !sameValue(n, it) {
				if c == nil {
					c = x.Clone(0)
				}
				c.vals[i] = n
			}
		}
		if c != nil {
			return c
		}
		return x
	case []any:
		var out []any
		for i, it := range x {
			if n := FromPlain(it); !sameValue(n, it) {
				if out == nil {
					out = make([]any, len(x))
					copy(out, x)
				}
				out[i] = n
			}
		}
		if out != nil {
			return out
		}
		return x
	case json.RawMessage:
		if d, err := Decode(x); err == nil {
			return d
		}
	case json.Number:
		if n, err := ParseNumber(string(x), isIntegerText(string(x))); err == nil {
			return n
		}
	case int:
		return Integer(big.NewInt(int64(x)))
	case int64:
		return Integer(big.NewInt(x))
	case float32:
		return float64(x)
	}
	return v
}

// sameValue reports whether FromPlain left a scalar or container as it was.
func sameValue(a, b any) bool {
	switch x := a.(type) {
	case *Object:
		y, ok := b.(*Object)
		return ok && x == y
	case []any:
		y, ok := b.([]any)
		return ok && len(x) == len(y) && (len(x) == 0 || &x[0] == &y[0])
	case map[string]any:
		return false
	}
	switch b.(type) {
	case map[string]any, []any, *Object, json.RawMessage, int, int64, float32:
		return false
	}
	return true
}

func isIntegerText(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '.' || c == 'e' || c == 'E' {
			return false
		}
	}
	return true
}

// Plain converts an engine value to what encoding/json decodes (map[string]any, float64 and
// json.Number for exact integers), for code outside the engine that type-switches on maps.
func Plain(v any) any {
	switch x := v.(type) {
	case *Object:
		m := make(map[string]any, len(x.keys))
		for i, k := range x.keys {
			m[k] = Plain(x.vals[i])
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, it := range x {
			out[i] = Plain(it)
		}
		return out
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, it := range x {
			m[k] = Plain(it)
		}
		return m
	}
	return v
}

// Marshal encodes v as compact JSON text without escaping <, > and &, as AWS does.
func Marshal(v any) ([]byte, error) {
	switch v.(type) {
	case nil, bool, float64, json.Number, string, []any, *Object, map[string]any:
		return Append(nil, v), nil
	}
	return marshalHTMLUnescaped(v)
}

func marshalHTMLUnescaped(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// MarshalString is Marshal for values known to be encodable (decoded JSON).
func MarshalString(v any) string {
	b, err := Marshal(v)
	if err != nil {
		return fmt.Sprintf("%q", err.Error())
	}
	return string(b)
}

// Unmarshal decodes one JSON document as encoding/json does (map[string]any, float64),
// rejecting trailing data. The engine decodes with Decode instead.
func Unmarshal(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("invalid JSON: unexpected data after the document")
	}
	return v, nil
}

// ReadFile decodes the JSON document in a file in the engine's form (Decode).
func ReadFile(path string) (any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	v, err := Decode(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}
