package jsonvalue

import (
	"sort"
	"unicode/utf16"
)

// JavaHashMapOrder returns the order, as indexes into keys, in which a java.util.HashMap
// that had keys put into it in this order iterates them: by bucket (the key's
// String.hashCode spread as HashMap spreads it, modulo the table size, which starts at 16 and
// doubles past a load of 0.75), in insertion order within a bucket.
//
// AWS builds some objects in such a map, and its output shows that order: a JSONPath
// Parameters or ResultSelector template's result, States.JsonMerge's result (recorded in
// testdata/conformance/localstack: base--test_base--test_query_context_object_values,
// intrinsic_functions--test_json_manipulation--test_json_merge).
func JavaHashMapOrder(keys []string) []int {
	n := len(keys)
	table := 16
	for float64(n) > 0.75*float64(table) {
		table *= 2
	}
	buckets := make([]int, n)
	order := make([]int, n)
	for i, k := range keys {
		order[i] = i
		buckets[i] = int(spreadHash(javaStringHash(k)) & uint32(table-1))
	}
	sort.SliceStable(order, func(a, b int) bool { return buckets[order[a]] < buckets[order[b]] })
	return order
}

// javaStringHash is java.lang.String.hashCode: over UTF-16 code units.
func javaStringHash(s string) int32 {
	var h int32
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			h = 0
			for _, u := range utf16.Encode([]rune(s)) {
				h = 31*h + int32(u)
			}
			return h
		}
		h = 31*h + int32(s[i])
	}
	return h
}

func spreadHash(h int32) uint32 { return uint32(h) ^ uint32(h)>>16 }

// InJavaHashMapOrder is a copy of o with its keys in JavaHashMapOrder.
func InJavaHashMapOrder(o *Object) *Object {
	order := JavaHashMapOrder(o.keys)
	out := NewObject(len(order))
	for _, i := range order {
		out.Set(o.keys[i], o.vals[i])
	}
	return out
}
