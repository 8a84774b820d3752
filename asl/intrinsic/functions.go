package intrinsic

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/stepflow/stepflow/asl/jsonpath"
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

func wantObject(c *Call, args []any, i int) (map[string]any, error) {
	m, ok := args[i].(map[string]any)
	if !ok {
		return nil, failure("The %s argument of %s must be a JSON object, but was %s", ordinal(i), c.Name, describe(args[i]))
	}
	return m, nil
}

// wantInteger accepts only numbers without a fractional part.
func wantInteger(c *Call, args []any, i int) (int64, error) {
	f, ok := args[i].(float64)
	if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, failure("The %s argument of %s must be an integer, but was %s", ordinal(i), c.Name, describe(args[i]))
	}
	return int64(f), nil
}

// wantRounded accepts any number and rounds it half up, as Java's Math.round does: AWS
// computes States.MathAdd(1.5, 0) as 2 and States.MathAdd(-1.5, 0) as -1.
func wantRounded(c *Call, args []any, i int) (int64, error) {
	f, ok := args[i].(float64)
	if !ok || math.IsNaN(f) || math.Abs(f) > 1<<53 {
		return 0, failure("The %s argument of %s must be a number, but was %s", ordinal(i), c.Name, describe(args[i]))
	}
	return int64(math.Floor(f + 0.5)), nil
}

func checkFormat(args []arg) string {
	first := args[0]
	if first.kind == argLiteral {
		if _, ok := first.value.(string); !ok {
			return "the first argument of States.Format must be a string"
		}
	}
	return ""
}

func statesFormat(c *Call, args []any, _ Env) (any, error) {
	template := c.template
	if c.args[0].kind != argLiteral {
		s, err := wantString(c, args, 0)
		if err != nil {
			return nil, err
		}
		template = parseTemplate(s, false)
	}
	holes := 0
	for _, p := range template {
		if p.hole {
			holes++
		}
	}
	if holes != len(args)-1 {
		return nil, failure("States.Format has %d %s in its template but %d %s to put in them", holes, plural(holes, "placeholder"), len(args)-1, plural(len(args)-1, "value"))
	}
	var b strings.Builder
	b.Grow(64)
	next := 1
	for _, p := range template {
		if p.hole {
			writeNatural(&b, args[next])
			next++
			continue
		}
		b.WriteString(p.text)
	}
	return b.String(), nil
}

// formatPart is literal text or a {} placeholder of a States.Format template.
type formatPart struct {
	text string
	hole bool
}

// parseTemplate splits a template at its {} placeholders. For a literal written in the
// definition (escaped is true) \{ and \} are braces that are not placeholders and \' and
// \\ stand for ' and \; a template read from a path has no escapes.
func parseTemplate(s string, escaped bool) []formatPart {
	var parts []formatPart
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case escaped && c == '\\' && i+1 < len(s):
			b.WriteByte(s[i+1])
			i++
		case c == '{' && i+1 < len(s) && s[i+1] == '}':
			if b.Len() > 0 {
				parts = append(parts, formatPart{text: b.String()})
				b.Reset()
			}
			parts = append(parts, formatPart{hole: true})
			i++
		default:
			b.WriteByte(c)
		}
	}
	if b.Len() > 0 {
		parts = append(parts, formatPart{text: b.String()})
	}
	return parts
}

func statesStringToJSON(c *Call, args []any, _ Env) (any, error) {
	s, err := wantString(c, args, 0)
	if err != nil {
		return nil, err
	}
	// AWS returns null for an empty or blank string rather than failing.
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil, failure("The argument of States.StringToJson is not valid JSON: %s", describe(s))
	}
	return normalizeZero(v), nil
}

// normalizeZero turns -0 into 0 in a decoded value, as AWS prints "-0" parsed as 0.
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
	case map[string]any:
		for k := range x {
			x[k] = normalizeZero(x[k])
		}
	}
	return v
}

func statesJSONToString(_ *Call, args []any, _ Env) (any, error) {
	return jsonText(args[0]), nil
}

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
		if jsonpath.Equal(item, args[1]) {
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
	// Items are compared by value; their canonical JSON text (sorted keys) is the key.
	seen := make(map[string]struct{}, len(a))
	out := make([]any, 0, len(a))
	for _, item := range a {
		key := jsonText(item)
		if _, dup := seen[key]; dup {
			continue
		}
		seen[key] = struct{}{}
		out = append(out, item)
	}
	return out, nil
}

func statesBase64Encode(c *Call, args []any, _ Env) (any, error) {
	s, err := wantString(c, args, 0)
	if err != nil {
		return nil, err
	}
	if n := utf8.RuneCountInString(s); n > maxEncodeChars {
		return nil, failure("The input of States.Base64Encode has %d characters, more than the limit of %d", n, maxEncodeChars)
	}
	return base64.StdEncoding.EncodeToString([]byte(s)), nil
}

func statesBase64Decode(c *Call, args []any, _ Env) (any, error) {
	s, err := wantString(c, args, 0)
	if err != nil {
		return nil, err
	}
	if n := utf8.RuneCountInString(s); n > maxEncodeChars {
		return nil, failure("The input of States.Base64Decode has %d characters, more than the limit of %d", n, maxEncodeChars)
	}
	b, decodeErr := base64.StdEncoding.DecodeString(s)
	if decodeErr != nil {
		return nil, failure("The input of States.Base64Decode is not valid Base64: %s", describe(s))
	}
	return string(b), nil
}

var hashAlgorithms = map[string]func() hash.Hash{
	"MD5":     md5.New,
	"SHA-1":   sha1.New,
	"SHA-256": sha256.New,
	"SHA-384": sha512.New384,
	"SHA-512": sha512.New,
}

func statesHash(c *Call, args []any, _ Env) (any, error) {
	data, err := wantString(c, args, 0)
	if err != nil {
		return nil, err
	}
	if n := utf8.RuneCountInString(data); n > maxEncodeChars {
		return nil, failure("The input of States.Hash has %d characters, more than the limit of %d", n, maxEncodeChars)
	}
	name, err := wantString(c, args, 1)
	if err != nil {
		return nil, err
	}
	newHash, ok := hashAlgorithms[name]
	if !ok {
		return nil, failure("The hash algorithm %s is not supported by States.Hash; use MD5, SHA-1, SHA-256, SHA-384 or SHA-512", describe(name))
	}
	h := newHash()
	h.Write([]byte(data))
	return hex.EncodeToString(h.Sum(nil)), nil
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
	out := make(map[string]any, len(left)+len(right))
	for k, v := range left {
		out[k] = v
	}
	for k, v := range right {
		out[k] = v
	}
	return out, nil
}

func statesMathRandom(c *Call, args []any, env Env) (any, error) {
	start, err := wantRounded(c, args, 0)
	if err != nil {
		return nil, err
	}
	end, err := wantRounded(c, args, 1)
	if err != nil {
		return nil, err
	}
	if end < start {
		return nil, failure("The end of States.MathRandom (%d) must not be less than its start (%d)", end, start)
	}
	var r float64
	if len(args) == 3 {
		seed, err := wantRounded(c, args, 2)
		if err != nil {
			return nil, err
		}
		// The same seed gives the same number, as on AWS (though not AWS's number).
		r = rand.New(rand.NewPCG(uint64(seed), 0x5eed)).Float64()
	} else {
		if env.Random == nil {
			return nil, failure("States.MathRandom has no source of random numbers")
		}
		r = env.Random()
	}
	// Both bounds are included.
	return float64(start + int64(r*float64(end-start+1))), nil
}

func statesMathAdd(c *Call, args []any, _ Env) (any, error) {
	a, err := wantRounded(c, args, 0)
	if err != nil {
		return nil, err
	}
	b, err := wantRounded(c, args, 1)
	if err != nil {
		return nil, err
	}
	return float64(a + b), nil
}

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
