package intrinsic

import (
	"strings"
)

func statesStringSplit(c *Call, args []any, _ Env) (any, error) {
	s, err := wantString(c, args, 0)
	if err != nil {
		return nil, err
	}
	delimiters, err := wantString(c, args, 1)
	if err != nil {
		return nil, err
	}
	// Each character of the second argument is a delimiter, and empty pieces are dropped:
	// AWS splits ", , ," on "," into [" ", " "].
	fields := strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(delimiters, r) })
	out := make([]any, len(fields))
	for i, f := range fields {
		out[i] = f
	}
	return out, nil
}

func statesUUID(_ *Call, _ []any, env Env) (any, error) {
	if env.UUID == nil {
		return nil, failure("States.UUID has no source of UUIDs")
	}
	return env.UUID(), nil
}
