package jsonata

import (
	"encoding/base64"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxStringLength is JavaScript's string length limit, which $pad must not exceed.
const maxStringLength = 1<<29 - 24

// upperCase is JavaScript's toUpperCase, which applies the special casings that expand
// one letter to several (ß becomes SS).
func upperCase(s string) string {
	u := strings.ToUpper(s)
	if !strings.ContainsAny(u, "ßﬀﬁﬂﬃﬄﬅﬆ") {
		return u
	}
	return strings.NewReplacer("ß", "SS", "ﬀ", "FF", "ﬁ", "FI", "ﬂ", "FL", "ﬃ", "FFI", "ﬄ", "FFL", "ﬅ", "ST", "ﬆ", "ST").Replace(u)
}

func atoiSigned(s string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(s, "+"))
	return n
}

func itoa(n int) string { return strconv.Itoa(n) }

func parseFloat(s string) (float64, error) { return strconv.ParseFloat(s, 64) }

var jsonNumberPattern = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?([Ee][-+]?[0-9]+)?$`)
var radixNumberPattern = regexp.MustCompile(`^0([xX][0-9A-Fa-f]+|[oO][0-7]+|[bB][01]+)$`)

func parseJSONNumber(s string) (float64, bool) {
	t := s
	if jsonNumberPattern.MatchString(t) {
		n, err := strconv.ParseFloat(t, 64)
		if err != nil || math.IsInf(n, 0) {
			return 0, false
		}
		return n, true
	}
	if radixNumberPattern.MatchString(t) {
		base := 16
		switch t[1] {
		case 'o', 'O':
			base = 8
		case 'b', 'B':
			base = 2
		}
		n, err := strconv.ParseUint(t[2:], base, 64)
		if err != nil {
			return 0, false
		}
		return float64(n), true
	}
	return 0, false
}

// jsSlice resolves JavaScript slice bounds over a sequence of n items.
func jsSlice(n int, start, end float64) (int, int) {
	clamp := func(x float64) int {
		if math.IsNaN(x) {
			return 0
		}
		x = math.Trunc(x)
		if x < 0 {
			x += float64(n)
			if x < 0 {
				x = 0
			}
		}
		if x > float64(n) {
			x = float64(n)
		}
		return int(x)
	}
	s, e := clamp(start), clamp(end)
	if e < s {
		e = s
	}
	return s, e
}

func defineStringFunctions() {
	// arity 1, as in JavaScript where the prettify parameter has a default: $map passes
	// only the value
	define("string", "<x-b?:s>", 1, func(ev *evaluator, args []any, _ *callContext) (any, error) {
		if args[0] == Undefined {
			return Undefined, nil
		}
		pretty, _ := args[1].(bool)
		return stringify(&ev.budget, args[0], pretty, ev.compat206)
	})
	define("length", "<s-:n>", 1, func(ev *evaluator, args []any, _ *callContext) (any, error) {
		s, ok := args[0].(string)
		if !ok {
			return Undefined, nil
		}
		return float64(utf8.RuneCountInString(s)), nil
	})
	define("substring", "<s-nn?:s>", 3, func(ev *evaluator, args []any, _ *callContext) (any, error) {
		s, ok := args[0].(string)
		if !ok {
			return Undefined, nil
		}
		runes := []rune(s)
		n := len(runes)
		start, ok := asNumber(args[1])
		if !ok {
			// JavaScript slices from NaN: nothing with a length, everything without
			if args[2] != Undefined {
				return "", nil
			}
			return s, nil
		}
		if float64(n)+start < 0 {
			start = 0
		}
		if length, ok := asNumber(args[2]); ok {
			if length <= 0 {
				return "", nil
			}
			end := start + length
			if start < 0 {
				end = float64(n) + start + length
			}
			a, b := jsSlice(n, start, end)
			ev.budget.spendString(b - a)
			return string(runes[a:b]), nil
		}
		a, b := jsSlice(n, start, float64(n))
		ev.budget.spendString(b - a)
		return string(runes[a:b]), nil
	})
	define("substringBefore", "<s-s:s>", 2, func(ev *evaluator, args []any, _ *callContext) (any, error) {
		s, ok := args[0].(string)
		if !ok {
			return Undefined, nil
		}
		chars, ok := args[1].(string)
		if !ok {
			return s, nil
		}
		if i := strings.Index(s, chars); i >= 0 {
			return s[:i], nil
		}
		return s, nil
	})
	define("substringAfter", "<s-s:s>", 2, func(ev *evaluator, args []any, _ *callContext) (any, error) {
		s, ok := args[0].(string)
		if !ok {
			return Undefined, nil
		}
		chars, ok := args[1].(string)
		if !ok {
			return s, nil
		}
		if i := strings.Index(s, chars); i >= 0 {
			return s[i+len(chars):], nil
		}
		return s, nil
	})
	stringMap := func(name string, f func(string) string) {
		define(name, "<s-:s>", 1, func(ev *evaluator, args []any, _ *callContext) (any, error) {
			s, ok := args[0].(string)
			if !ok {
				return Undefined, nil
			}
			// the result is at most a few times longer than s, so it is counted once built
			r := f(s)
			ev.budget.spendString(len(r))
			return r, nil
		})
	}
	stringMap("lowercase", strings.ToLower)
	stringMap("uppercase", upperCase)
	whitespace := regexp.MustCompile(`[ \t\n\r]+`)
	stringMap("trim", func(s string) string {
		r := whitespace.ReplaceAllString(s, " ")
		r = strings.TrimPrefix(r, " ")
		return strings.TrimSuffix(r, " ")
	})
	// JSONata encodes through Latin-1 (Buffer 'binary'): each UTF-16 unit's low byte
	stringMap("base64encode", func(s string) string {
		units := toUTF16(s)
		b := make([]byte, len(units))
		for i, u := range units {
			b[i] = byte(u)
		}
		return base64.StdEncoding.EncodeToString(b)
	})
	define("base64decode", "<s-:s>", 1, func(ev *evaluator, args []any, _ *callContext) (any, error) {
		s, ok := args[0].(string)
		if !ok {
			return Undefined, nil
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
			if err != nil {
				return nil, &Error{Code: "D3137", Message: "Invalid base64 string"}
			}
		}
		ev.budget.spendString(2 * len(b))
		runes := make([]rune, len(b))
		for i, c := range b {
			runes[i] = rune(c)
		}
		return string(runes), nil
	})
	urlFunc := func(name string, f func(string) (string, bool)) {
		define(name, "<s-:s>", 1, func(ev *evaluator, args []any, _ *callContext) (any, error) {
			s, ok := args[0].(string)
			if !ok {
				return Undefined, nil
			}
			r, ok := f(s)
			ev.budget.spendString(len(r))
			if !ok {
				e := newError("D3140", 0, name, s)
				e.extra = map[string]any{"functionName": name}
				return nil, e
			}
			return r, nil
		})
	}
	urlFunc("encodeUrlComponent", func(s string) (string, bool) {
		return uriEncode(s, "-_.!~*'()")
	})
	urlFunc("encodeUrl", func(s string) (string, bool) {
		return uriEncode(s, "-_.!~*'();/?:@&=+$,#")
	})
	urlFunc("decodeUrlComponent", func(s string) (string, bool) {
		r, err := url.PathUnescape(s)
		return r, err == nil && utf8.ValidString(r)
	})
	urlFunc("decodeUrl", func(s string) (string, bool) {
		return uriDecode(s, ";/?:@&=+$,#")
	})
	define("pad", "<s-ns?:s>", 3, func(ev *evaluator, args []any, _ *callContext) (any, error) {
		s, ok := args[0].(string)
		if !ok {
			return Undefined, nil
		}
		width, _ := asNumber(args[1])
		char, _ := args[2].(string)
		if char == "" {
			char = " "
		}
		if math.Abs(width) > maxStringLength {
			return nil, &Error{Code: "D3137", Message: "$pad width is too large"}
		}
		length := utf8.RuneCountInString(s)
		if ev.compat206 && width != math.Trunc(width) && math.Abs(width) > float64(length) {
			// 2.0.6 builds the padding as new Array(|width| - length + 1), which JavaScript
			// refuses for a fraction (2.2 truncates the width first)
			return nil, &Error{Code: "D3137", Message: "Invalid array length"}
		}
		padLen := int(math.Abs(width)) - length
		if padLen <= 0 {
			return s, nil
		}
		// padLen characters taken from char repeated; the budget is spent before building
		charRunes := utf8.RuneCountInString(char)
		whole, part := padLen/charRunes, padLen%charRunes
		cut := 0
		for i := range char {
			if part == 0 {
				break
			}
			part--
			_, size := utf8.DecodeRuneInString(char[i:])
			cut = i + size
		}
		ev.budget.spendString(len(s) + whole*len(char) + cut)
		padding := strings.Repeat(char, whole) + char[:cut]
		if width > 0 {
			return s + padding, nil
		}
		return padding + s, nil
	})
	define("contains", "<s-(sf):b>", 2, func(ev *evaluator, args []any, call *callContext) (any, error) {
		s, ok := args[0].(string)
		if !ok {
			return Undefined, nil
		}
		switch p := args[1].(type) {
		case string:
			return strings.Contains(s, p), nil
		case *regexValue:
			return p.re.MatchString(s), nil
		}
		if isFunction(args[1]) {
			return ev.containsCustom(s, args[1], call.env)
		}
		if ev.compat206 && args[1] == Undefined {
			// 2.0.6 calls an undefined matcher, a JavaScript TypeError
			return nil, &Error{Code: "D3137", Message: "Cannot read properties of undefined (reading 'apply')"}
		}
		return Undefined, nil
	})
	define("split", "<s-(sf)n?:a<s>>", 3, func(ev *evaluator, args []any, call *callContext) (any, error) {
		s, ok := args[0].(string)
		if !ok {
			return Undefined, nil
		}
		limit := -1
		if l, ok := asNumber(args[2]); ok {
			if l < 0 {
				return nil, newError("D3020", 0, "split", l)
			}
			limit = int(l)
		}
		var parts []string
		switch p := args[1].(type) {
		case string:
			if p == "" {
				ev.budget.spend(len(s))
				for _, u := range toUTF16(s) {
					parts = append(parts, string(rune(u)))
				}
				if s == "" {
					parts = nil
				}
			} else {
				ev.budget.spend(strings.Count(s, p) + 1)
				parts = strings.Split(s, p)
			}
		case *regexValue:
			found, err := p.chain(s, limit, "split")
			if err != nil {
				return nil, err
			}
			if limit == 0 {
				break
			}
			prev := 0
			for _, m := range found {
				ev.budget.spend(1)
				parts = append(parts, s[prev:m.start])
				prev = m.end
			}
			parts = append(parts, s[prev:])
		default:
			if !isFunction(p) {
				return nil, newError("T0410", 0, "split", args[1]).withIndex(2)
			}
			var err error
			if parts, err = ev.splitCustom(s, p, limit, call.env); err != nil {
				return nil, err
			}
		}
		if limit >= 0 && limit < len(parts) {
			parts = parts[:limit]
		}
		out := make([]any, len(parts))
		for i, x := range parts {
			out[i] = x
		}
		return &seq{items: out}, nil
	})
	define("join", "<a<s>s?:s>", 2, func(ev *evaluator, args []any, _ *callContext) (any, error) {
		items, ok := asArray(args[0])
		if !ok {
			return Undefined, nil
		}
		sep, _ := args[1].(string)
		parts := make([]string, len(items))
		size := max(len(items)-1, 0) * len(sep)
		for i, x := range items {
			parts[i], _ = x.(string)
			size += len(parts[i])
		}
		ev.budget.spendString(size)
		return strings.Join(parts, sep), nil
	})
	define("match", "<s-f<s:o>n?:a<o>>", 3, func(ev *evaluator, args []any, call *callContext) (any, error) {
		s, ok := args[0].(string)
		if !ok {
			return Undefined, nil
		}
		limit := -1
		if l, ok := asNumber(args[2]); ok {
			if l < 0 {
				return nil, newError("D3040", 0, "match", l)
			}
			limit = int(l)
		}
		re, ok := args[1].(*regexValue)
		if !ok {
			return ev.matchCustom(s, args[1], limit, call.env)
		}
		found, err := re.chain(s, limit, "match")
		if err != nil {
			return nil, err
		}
		out := &seq{sequence: true}
		for _, m := range found {
			ev.budget.spend(objectCost + 4 + len(m.groups))
			out.items = append(out.items, m.toObject())
		}
		return out, nil
	})
	define("replace", "<s-(sf)(sf)n?:s>", 4, func(ev *evaluator, args []any, call *callContext) (any, error) {
		s, ok := args[0].(string)
		if !ok {
			return Undefined, nil
		}
		if p, ok := args[1].(string); ok && p == "" {
			return nil, newError("D3010", 0, "replace", p)
		}
		limit := -1
		if l, ok := asNumber(args[3]); ok {
			if l < 0 {
				return nil, newError("D3011", 0, "replace", l)
			}
			limit = int(l)
		}
		return ev.replace(s, args[1], args[2], limit, call)
	})
	define("eval", "<sx?:x>", 2, func(ev *evaluator, args []any, call *callContext) (any, error) {
		src, ok := args[0].(string)
		if !ok {
			return Undefined, nil
		}
		ast, err := parse(src, ev.compat206)
		if err != nil {
			msg := err.Error()
			if e, ok := err.(*Error); ok {
				msg = e.finish().Message
			}
			return nil, newError("D3120", 0, "eval", msg)
		}
		input := call.input
		if args[1] != Undefined {
			input = args[1]
		}
		if arr, ok := input.([]any); ok {
			input = &seq{items: []any{arr}, sequence: true, outerWrapper: true}
		}
		v, err := ev.eval(ast, input, call.env)
		if err != nil {
			if e, ok := err.(*Error); ok && e.Code == "U1001" {
				return nil, err
			}
			msg := err.Error()
			if e, ok := err.(*Error); ok {
				msg = e.finish().Message
			}
			return nil, newError("D3121", 0, "eval", msg)
		}
		return v, nil
	})
}

func (ev *evaluator) replace(s string, pattern, replacement any, limit int, call *callContext) (any, error) {
	if p, ok := pattern.(string); ok {
		rep, ok := replacement.(string)
		if !ok {
			return nil, newError("T0410", 0, "replace", replacement).withIndex(3)
		}
		n := strings.Count(s, p)
		if limit >= 0 && limit < n {
			n = limit
		}
		if n > 0 {
			ev.budget.spendString(len(s) + n*(len(rep)-len(p)))
		}
		return strings.Replace(s, p, rep, limit), nil
	}
	if replacement == Undefined {
		return Undefined, nil
	}
	re, ok := pattern.(*regexValue)
	if !ok {
		return ev.replaceCustom(s, pattern, replacement, limit, call.env)
	}
	var sb strings.Builder
	prev := 0
	found, err := re.chain(s, limit, "replace")
	if err != nil {
		return nil, err
	}
	for _, m := range found {
		// the text grows with each replacement; stop it before the budget would
		if room := ev.budget.stringRoom(); room >= 0 && sb.Len() > room {
			ev.budget.spendString(sb.Len())
		}
		sb.WriteString(s[prev:m.start])
		switch r := replacement.(type) {
		case string:
			sb.WriteString(substituteGroups(r, m))
		default:
			v, err := ev.apply(r, []any{m.toMatcherObject(re, s)}, Undefined, call.env)
			if err != nil {
				return nil, err
			}
			str, ok := v.(string)
			if !ok {
				return nil, newError("D3012", 0, "replace", v)
			}
			sb.WriteString(str)
		}
		prev = m.end
	}
	sb.WriteString(s[prev:])
	ev.budget.spendString(sb.Len())
	return sb.String(), nil
}

// substituteGroups expands $0, $1... and $$ in a replacement string, reading as many
// digits after '$' as could name a group.
func substituteGroups(rep string, m regexMatch) string {
	var sb strings.Builder
	pos := 0
	for {
		i := strings.IndexByte(rep[pos:], '$')
		if i < 0 {
			break
		}
		i += pos
		sb.WriteString(rep[pos:i])
		pos = i + 1
		if pos >= len(rep) {
			sb.WriteByte('$')
			break
		}
		c := rep[pos]
		if c == '$' {
			sb.WriteByte('$')
			pos++
			continue
		}
		if c == '0' {
			sb.WriteString(m.match)
			pos++
			continue
		}
		maxDigits := 1
		if len(m.groups) > 0 {
			maxDigits = int(math.Floor(math.Log10(float64(len(m.groups))))) + 1
		}
		end := pos + maxDigits
		if end > len(rep) {
			end = len(rep)
		}
		digits := rep[pos:end]
		n := 0
		nd := 0
		for nd < len(digits) && digits[nd] >= '0' && digits[nd] <= '9' {
			n = n*10 + int(digits[nd]-'0')
			nd++
		}
		if nd == 0 {
			sb.WriteByte('$')
			continue
		}
		if maxDigits > 1 && n > len(m.groups) && nd > 1 {
			n /= 10
			nd--
		}
		if n >= 1 && n <= len(m.groups) {
			if g, ok := m.groups[n-1].(string); ok {
				sb.WriteString(g)
			}
		}
		pos += nd
	}
	sb.WriteString(rep[pos:])
	return sb.String()
}

func uriEncode(s string, unreserved string) (string, bool) {
	if !utf8.ValidString(s) {
		return "", false
	}
	const hex = "0123456789ABCDEF"
	var sb strings.Builder
	for _, r := range s {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(unreserved, r)) {
			sb.WriteRune(r)
			continue
		}
		if r >= 0xD800 && r < 0xE000 || r == utf8.RuneError {
			return "", false
		}
		var buf [4]byte
		n := utf8.EncodeRune(buf[:], r)
		for _, b := range buf[:n] {
			sb.WriteByte('%')
			sb.WriteByte(hex[b>>4])
			sb.WriteByte(hex[b&15])
		}
	}
	return sb.String(), true
}

// uriDecode is decodeURI: escapes of reserved characters stay escaped.
func uriDecode(s string, reserved string) (string, bool) {
	var out []byte
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			out = append(out, s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", false
		}
		b, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
		if err != nil {
			return "", false
		}
		if b < 128 && strings.IndexByte(reserved, byte(b)) >= 0 {
			out = append(out, s[i:i+3]...)
		} else {
			out = append(out, byte(b))
		}
		i += 2
	}
	if !utf8.Valid(out) {
		return "", false
	}
	return string(out), true
}
