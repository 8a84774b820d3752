// Package pattern parses and matches Amazon EventBridge event patterns: exact values, prefix,
// suffix, equals-ignore-case, wildcard, anything-but (values, prefix, suffix, wildcard,
// equals-ignore-case), numeric ranges, exists, cidr, $or and nested fields, with the
// semantics EventBridge documents and its error texts for invalid patterns.
//
// Matching follows EventBridge's model: an event is flattened into leaf values named by
// their dot-joined path ({"a":{"b":1}} and {"a.b":1} both have a leaf "a.b"); a pattern is a
// set of branches (one per $or alternative), each a conjunction of fields; a field matches
// when one of its leaf values matches one of its matchers; and the fields matched inside
// arrays of objects must come from the same array elements. A Set holds many compiled
// patterns and indexes them by exact values, so matching an event against thousands of
// rules costs little more than against a few.
//
// The package is pure: no I/O, no clock.
package pattern
