package jsonvalue

import "sort"

// indexThreshold is the size from which an Object keeps a map from key to position. Below
// it a linear scan over the keys is faster than hashing, and most objects in state machine
// payloads are that small.
const indexThreshold = 12

// Object is a JSON object that remembers the order of its keys, as AWS does: the document
// order of decoded input, the definition's order for templates, and new keys appended at the
// end. Lookups of small objects scan the keys; larger ones use an index.
//
// Objects are shared freely between values, so an Object reachable from a value is never
// changed: build a new one with NewObject and Set, or copy with With/Without.
type Object struct {
	keys  []string
	vals  []any
	index map[string]int
	// Objects of up to inlineKeys keys keep them here: one allocation instead of three.
	inlineKeys [inlineKeys]string
	inlineVals [inlineKeys]any
}

// inlineKeys is how many keys an Object holds without allocating its slices; most objects in
// state machine payloads are that small.
const inlineKeys = 4

// NewObject returns an empty object with room for n keys.
func NewObject(n int) *Object {
	o := &Object{}
	if n <= inlineKeys {
		o.keys, o.vals = o.inlineKeys[:0:inlineKeys], o.inlineVals[:0:inlineKeys]
	} else {
		o.keys, o.vals = make([]string, 0, n), make([]any, 0, n)
	}
	return o
}

// ObjectOf builds an object from alternating keys and values, in that order.
func ObjectOf(kv ...any) *Object {
	o := NewObject(len(kv) / 2)
	for i := 0; i+1 < len(kv); i += 2 {
		o.Set(kv[i].(string), kv[i+1])
	}
	return o
}

// Len is the number of keys.
func (o *Object) Len() int {
	if o == nil {
		return 0
	}
	return len(o.keys)
}

// Keys lists the keys in order. The slice belongs to the object: do not change it.
func (o *Object) Keys() []string {
	if o == nil {
		return nil
	}
	return o.keys
}

// KeyAt is the i-th key.
func (o *Object) KeyAt(i int) string { return o.keys[i] }

// ValueAt is the value of the i-th key.
func (o *Object) ValueAt(i int) any { return o.vals[i] }

func (o *Object) find(key string) int {
	if o == nil {
		return -1
	}
	if o.index != nil {
		if i, ok := o.index[key]; ok {
			return i
		}
		return -1
	}
	for i, k := range o.keys {
		if k == key {
			return i
		}
	}
	return -1
}

// Get returns the value of key and whether the object has it.
func (o *Object) Get(key string) (any, bool) {
	if i := o.find(key); i >= 0 {
		return o.vals[i], true
	}
	return nil, false
}

// Has reports whether the object has key.
func (o *Object) Has(key string) bool { return o.find(key) >= 0 }

// Set replaces the value of an existing key in place or appends a new key at the end. Only
// for objects being built.
func (o *Object) Set(key string, v any) {
	if i := o.find(key); i >= 0 {
		o.vals[i] = v
		return
	}
	if len(o.keys) == inlineKeys && &o.keys[0] == &o.inlineKeys[0] {
		// Outgrowing the inline arrays: move to the heap and clear them, so that no stale
		// copy stays reachable (and equal objects stay reflect.DeepEqual).
		keys, vals := make([]string, inlineKeys, 2*inlineKeys), make([]any, inlineKeys, 2*inlineKeys)
		copy(keys, o.keys)
		copy(vals, o.vals)
		o.keys, o.vals = keys, vals
		o.inlineKeys, o.inlineVals = [inlineKeys]string{}, [inlineKeys]any{}
	}
	o.keys = append(o.keys, key)
	o.vals = append(o.vals, v)
	if o.index != nil {
		o.index[key] = len(o.keys) - 1
	} else if len(o.keys) >= indexThreshold {
		o.index = make(map[string]int, len(o.keys)*2)
		for i, k := range o.keys {
			o.index[k] = i
		}
	}
}

// Clone is a shallow copy with room for extra more keys.
func (o *Object) Clone(extra int) *Object {
	n := o.Len()
	c := NewObject(n + extra)
	c.keys, c.vals = c.keys[:n], c.vals[:n]
	if n > 0 {
		copy(c.keys, o.keys)
		copy(c.vals, o.vals)
	}
	if o != nil && o.index != nil {
		c.index = make(map[string]int, len(o.index)+extra)
		for k, i := range o.index {
			c.index[k] = i
		}
	}
	return c
}

// With returns a copy of o where key has value v: replaced in place when o has the key,
// appended at the end otherwise. o is not changed.
func (o *Object) With(key string, v any) *Object {
	c := o.Clone(1)
	c.Set(key, v)
	return c
}

// Without returns a copy of o without key (o itself when it has no such key).
func (o *Object) Without(key string) *Object {
	i := o.find(key)
	if i < 0 {
		return o
	}
	c := NewObject(o.Len() - 1)
	for j, k := range o.keys {
		if j != i {
			c.Set(k, o.vals[j])
		}
	}
	return c
}

// MarshalJSON encodes the object with its keys in order, so that encoding/json keeps the
// order wherever an Object sits inside a value it encodes.
func (o *Object) MarshalJSON() ([]byte, error) {
	return Append(nil, o), nil
}

// AsObject returns v as an Object. A map[string]any (from code that decodes with
// encoding/json) becomes an Object with its keys sorted, the only stable order a Go map has.
func AsObject(v any) (*Object, bool) {
	switch m := v.(type) {
	case *Object:
		return m, m != nil
	case map[string]any:
		return fromMap(m), true
	}
	return nil, false
}

// IsObject reports whether v is a JSON object in either representation.
func IsObject(v any) bool {
	switch v.(type) {
	case *Object, map[string]any:
		return true
	}
	return false
}

func fromMap(m map[string]any) *Object {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	o := NewObject(len(keys))
	for _, k := range keys {
		o.Set(k, m[k])
	}
	return o
}

// String is the object's JSON text, so that fmt prints an Object as JSON.
func (o *Object) String() string { return string(Append(nil, o)) }
