package intrinsic

import (
	"fmt"
	"math"
	"sort"

	"github.com/stepflow/stepflow/internal/jsonvalue"
)

// function describes one States.* function: how many arguments it takes, an optional check

// of its literal arguments at compile time, and its implementation.

type function struct {
	name    string
	minArgs int
	maxArgs int // -1: no limit
	check   func(args []arg) string
	impl    func(c *Call, args []any, env Env) (any, error)
}

// Limits AWS documents for the intrinsic functions.

const (
	maxArrayRangeItems = 1000
	maxEncodeChars     = 10000 // Base64Encode, Base64Decode and Hash inputs
)

var functions map[string]*function

func init() {
	list := []*function{
		{name: "States.Format", minArgs: 1, maxArgs: -1, check: checkFormat, impl: statesFormat},
		{name: "States.StringToJson", minArgs: 1, maxArgs: 1, impl: statesStringToJSON},
		{name: "States.JsonToString", minArgs: 1, maxArgs: 1, impl: statesJSONToString},
		{name: "States.Array", minArgs: 0, maxArgs: -1, impl: statesArray},
		{name: "States.ArrayPartition", minArgs: 2, maxArgs: 2, impl: statesArrayPartition},
		{name: "States.ArrayContains", minArgs: 2, maxArgs: 2, impl: statesArrayContains},
		{name: "States.ArrayRange", minArgs: 3, maxArgs: 3, impl: statesArrayRange},
		{name: "States.ArrayGetItem", minArgs: 2, maxArgs: 2, impl: statesArrayGetItem},
		{name: "States.ArrayLength", minArgs: 1, maxArgs: 1, impl: statesArrayLength},
		{name: "States.ArrayUnique", minArgs: 1, maxArgs: 1, impl: statesArrayUnique},
		{name: "States.Base64Encode", minArgs: 1, maxArgs: 1, impl: statesBase64Encode},
		{name: "States.Base64Decode", minArgs: 1, maxArgs: 1, impl: statesBase64Decode},
		{name: "States.Hash", minArgs: 2, maxArgs: 2, impl: statesHash},
		{name: "States.JsonMerge", minArgs: 3, maxArgs: 3, impl: statesJSONMerge},
		{name: "States.MathRandom", minArgs: 2, maxArgs: 3, impl: statesMathRandom},
		{name: "States.MathAdd", minArgs: 2, maxArgs: 2, impl: statesMathAdd},
		{name: "States.StringSplit", minArgs: 2, maxArgs: 2, impl: statesStringSplit},
		{name: "States.UUID", minArgs: 0, maxArgs: 0, impl: statesUUID},
	}
	functions = make(map[string]*function, len(list))
	for _, f := range list {
		functions[f.name] = f
	}
}

func sortStrings(s []string) { sort.Strings(s) }

// checkArity returns a message when n arguments do not fit the function.

func (f *function) checkArity(n int) string {
	switch {
	case f.maxArgs < 0 && n < f.minArgs:
		return fmt.Sprintf("%s takes at least %d %s, but %d %s given", f.name, f.minArgs, plural(f.minArgs, "argument"), n, wasWere(n))
	case f.maxArgs >= 0 && (n < f.minArgs || n > f.maxArgs) && f.minArgs == f.maxArgs:
		return fmt.Sprintf("%s takes %d %s, but %d %s given", f.name, f.minArgs, plural(f.minArgs, "argument"), n, wasWere(n))
	case f.maxArgs >= 0 && (n < f.minArgs || n > f.maxArgs):
		return fmt.Sprintf("%s takes %d to %d arguments, but %d %s given", f.name, f.minArgs, f.maxArgs, n, wasWere(n))
	}
	return ""
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

func wasWere(n int) string {
	if n == 1 {
		return "was"
	}
	return "were"
}

// ordinal names an argument position for causes.

func ordinal(i int) string {
	switch i {
	case 0:
		return "first"
	case 1:
		return "second"
	case 2:
		return "third"
	}
	return fmt.Sprintf("#%d", i+1)
}

// describe shows a value in a cause: its JSON text, shortened when long.

func describe(v any) string {
	s := jsonText(v)
	if len(s) > 100 {
		s = s[:97] + "..."
	}
	return s
}

func wantString(c *Call, args []any, i int) (string, error) {
	s, ok := args[i].(string)
	if !ok {
		return "", failure("The %s argument of %s must be a string, but was %s", ordinal(i), c.Name, describe(args[i]))
	}
	return s, nil
}

func wantArray(c *Call, args []any, i int) ([]any, error) {
	a, ok := args[i].([]any)
	if !ok {
		return nil, failure("The %s argument of %s must be an array, but was %s", ordinal(i), c.Name, describe(args[i]))
	}
	return a, nil
}

func wantObject(c *Call, args []any, i int) (*jsonvalue.Object, error) {
	m, ok := jsonvalue.AsObject(args[i])
	if !ok {
		return nil, failure("The %s argument of %s must be a JSON object, but was %s", ordinal(i), c.Name, describe(args[i]))
	}
	return m, nil
}

// wantInteger accepts only numbers without a fractional part.

func wantInteger(c *Call, args []any, i int) (int64, error) {
	f, ok := jsonvalue.Float(args[i])
	if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, failure("The %s argument of %s must be an integer, but was %s", ordinal(i), c.Name, describe(args[i]))
	}
	return int64(f), nil
}

// wantRounded accepts any number and rounds it half up, as Java's Math.round does: AWS

// computes States.MathAdd(1.5, 0) as 2 and States.MathAdd(-1.5, 0) as -1.

func wantRounded(c *Call, args []any, i int) (int64, error) {
	f, ok := jsonvalue.Float(args[i])
	if !ok || math.IsNaN(f) || math.Abs(f) > 1<<53 {
		return 0, failure("The %s argument of %s must be a number, but was %s", ordinal(i), c.Name, describe(args[i]))
	}
	return int64(math.Floor(f + 0.5)), nil
}

// formatPart is literal text or a {} placeholder of a States.Format template.

// parseTemplate splits a template at its {} placeholders. For a literal written in the

// definition (escaped is true) \{ and \} are braces that are not placeholders and \' and

// \\ stand for ' and \; a template read from a path has no escapes.

// normalizeZero turns -0 into 0 in a decoded value, as AWS prints "-0" parsed as 0.
