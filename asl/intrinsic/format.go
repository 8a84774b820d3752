package intrinsic

import (
	"strings"
)

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
		if textTooLong(&b) {
			return nil, textLimitFailure(c.Name)
		}
		if p.hole {
			writeNatural(&b, args[next])
			next++
			continue
		}
		b.WriteString(p.text)
	}
	if textTooLong(&b) {
		return nil, textLimitFailure(c.Name)
	}
	return b.String(), nil
}

type formatPart struct {
	text string
	hole bool
}

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
