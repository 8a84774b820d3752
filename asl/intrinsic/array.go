package intrinsic

import (
	"github.com/stepflow/stepflow/internal/jsonvalue"
)

func statesArray(_ *Call, args []any, _ Env) (any, error) {
	out := make([]any, len(args))
	copy(out, args)
	return out, nil
}

func statesArrayPartition(c *Call, args []any, _ Env) (any, error) {
	a, err := wantArray(c, args, 0)
	if err != nil {
		return nil, err
	}
	size, err := wantInteger(c, args, 1)
	if err != nil || size <= 0 {
		return nil, failure("The chunk size of States.ArrayPartition must be a positive integer, but was %s", describe(args[1]))
	}
	out := make([]any, 0, (len(a)+int(size)-1)/int(size))
	for start := 0; start < len(a); start += int(size) {
		end := min(start+int(size), len(a))
		chunk := make([]any, end-start)
		copy(chunk, a[start:end])
		out = append(out, chunk)
	}
	return out, nil
}

func statesArrayContains(c *Call, args []any, _ Env) (any, error) {
	a, err := wantArray(c, args, 0)
	if err != nil {
		return nil, err
	}
	for _, item := range a {
		if jsonvalue.Equal(item, args[1]) {
			return true, nil
		}
	}
	return false, nil
}

func statesArrayRange(c *Call, args []any, _ Env) (any, error) {
	var bounds [3]int64
	for i := range bounds {
		n, err := wantInteger(c, args, i)
		if err != nil {
			return nil, err
		}
		bounds[i] = n
	}
	start, end, step := bounds[0], bounds[1], bounds[2]
	if step == 0 {
		return nil, failure("The step of States.ArrayRange must not be 0")
	}
	// The end is included when the steps reach it: ArrayRange(0, 9, 3) is [0, 3, 6, 9].
	count := int64(0)
	if (step > 0 && end >= start) || (step < 0 && end <= start) {
		count = (end-start)/step + 1
	}
	if count > maxArrayRangeItems {
		return nil, failure("States.ArrayRange would create %d items, more than the limit of %d", count, maxArrayRangeItems)
	}
	out := make([]any, count)
	for i := range out {
		out[i] = float64(start + int64(i)*step)
	}
	return out, nil
}

func statesArrayGetItem(c *Call, args []any, _ Env) (any, error) {
	a, err := wantArray(c, args, 0)
	if err != nil {
		return nil, err
	}
	index, err := wantInteger(c, args, 1)
	if err != nil {
		return nil, err
	}
	if index < 0 || index >= int64(len(a)) {
		return nil, failure("The index %d given to States.ArrayGetItem is out of bounds for an array of length %d", index, len(a))
	}
	return a[index], nil
}

func statesArrayLength(c *Call, args []any, _ Env) (any, error) {
	a, err := wantArray(c, args, 0)
	if err != nil {
		return nil, err
	}
	return float64(len(a)), nil
}

func statesArrayUnique(c *Call, args []any, _ Env) (any, error) {
	a, err := wantArray(c, args, 0)
	if err != nil {
		return nil, err
	}
	// Items are compared by value, objects whatever their key order (as Jackson's
	// ObjectNode.equals): their canonical JSON text, keys sorted, is the key.
	seen := make(map[string]struct{}, len(a))
	out := make([]any, 0, len(a))
	keyBytes := 0
	for _, item := range a {
		key := jsonText(jsonvalue.Plain(item))
		if keyBytes += len(key); keyBytes > maxTextBytes {
			return nil, textLimitFailure(c.Name)
		}
		if _, dup := seen[key]; dup {
			continue
		}
		seen[key] = struct{}{}
		out = append(out, item)
	}
	return out, nil
}
