package intrinsic

import (
	"strings"

	"github.com/stepflow/stepflow/internal/jsonvalue"
)

func statesStringToJSON(c *Call, args []any, _ Env) (any, error) {
	s, err := wantString(c, args, 0)
	if err != nil {
		return nil, err
	}
	// AWS returns null for an empty or blank string rather than failing.
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	v, err := jsonvalue.Decode([]byte(s))
	if err != nil {
		return nil, failure("The argument of States.StringToJson is not valid JSON: %s", describe(s))
	}
	return normalizeZero(v), nil
}

func normalizeZero(v any) any {
	switch x := v.(type) {
	case float64:
		if x == 0 {
			return 0.0
		}
	case []any:
		for i := range x {
			x[i] = normalizeZero(x[i])
		}
	case *jsonvalue.Object: // freshly decoded: changing it in place is safe
		for i := range x.Len() {
			x.Set(x.KeyAt(i), normalizeZero(x.ValueAt(i)))
		}
	}
	return v
}

func statesJSONToString(c *Call, args []any, _ Env) (any, error) {
	s := jsonText(args[0])
	if len(s) > maxTextBytes {
		return nil, textLimitFailure(c.Name)
	}
	return s, nil
}

func statesJSONMerge(c *Call, args []any, _ Env) (any, error) {
	left, err := wantObject(c, args, 0)
	if err != nil {
		return nil, err
	}
	right, err := wantObject(c, args, 1)
	if err != nil {
		return nil, err
	}
	deep, ok := args[2].(bool)
	if !ok {
		return nil, failure("The third argument of States.JsonMerge must be a boolean, but was %s", describe(args[2]))
	}
	if deep {
		return nil, failure("States.JsonMerge supports only the shallow merging mode: its third argument must be false")
	}
	merged := left.Clone(right.Len())
	for i := range right.Len() {
		merged.Set(right.KeyAt(i), right.ValueAt(i))
	}
	// AWS returns the merge in a java.util.HashMap's order (recorded).
	return jsonvalue.InJavaHashMapOrder(merged), nil
}
