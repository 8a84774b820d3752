package jsonata

import (
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// integerPicture is an analysed $formatInteger picture (XPath fn:format-integer).
type integerPicture struct {
	kind      string // "decimal", "letters", "roman", "words"
	upper     bool
	title     bool
	ordinal   bool
	zero      rune
	mandatory int
	optional  int
	groups    []int
	groupSeps []rune
	regular   int
}

func digitZero(r rune) (rune, bool) {
	if !unicode.IsDigit(r) {
		return 0, false
	}
	for _, rg := range unicode.Nd.R16 {
		if rune(rg.Lo) <= r && r <= rune(rg.Hi) {
			return rune(rg.Lo) + (r-rune(rg.Lo))/10*10, true
		}
	}
	for _, rg := range unicode.Nd.R32 {
		if rune(rg.Lo) <= r && r <= rune(rg.Hi) {
			return rune(rg.Lo) + (r-rune(rg.Lo))/10*10, true
		}
	}
	return 0, false
}

func analyseIntegerPicture(picture string) (*integerPicture, error) {
	p := &integerPicture{kind: "decimal", zero: '0'}
	primary := picture
	if i := strings.LastIndexByte(picture, ';'); i >= 0 {
		primary = picture[:i]
		mod := picture[i+1:]
		if strings.HasPrefix(mod, "o") {
			p.ordinal = true
		}
	}
	switch primary {
	case "A", "a":
		p.kind, p.upper = "letters", primary == "A"
		return p, nil
	case "I", "i":
		p.kind, p.upper = "roman", primary == "I"
		return p, nil
	case "W", "w":
		p.kind, p.upper = "words", primary == "W"
		return p, nil
	case "Ww":
		p.kind, p.title = "words", true
		return p, nil
	}
	runes := []rune(primary)
	zeroSet := false
	digitsRight := 0
	for i := len(runes) - 1; i >= 0; i-- {
		r := runes[i]
		switch {
		case r == '#':
			p.optional++
			digitsRight++
		case unicode.IsDigit(r):
			z, _ := digitZero(r)
			if zeroSet && z != p.zero {
				return nil, newError("D3131", 0, "formatInteger", nil)
			}
			p.zero, zeroSet = z, true
			p.mandatory++
			digitsRight++
		case unicode.IsLetter(r):
			return nil, newError("D3130", 0, "formatInteger", primary)
		default:
			p.groups = append(p.groups, digitsRight)
			p.groupSeps = append(p.groupSeps, r)
		}
	}
	if p.mandatory == 0 {
		return nil, newError("D3130", 0, "formatInteger", primary)
	}
	if len(p.groups) > 0 {
		n := p.groups[0]
		regular := n > 0
		for i, g := range p.groups {
			if g != n*(i+1) || p.groupSeps[i] != p.groupSeps[0] {
				regular = false
			}
		}
		if regular {
			p.regular = n
		}
	}
	return p, nil
}

func formatIntegerPicture(value float64, picture string) (string, error) {
	p, err := analyseIntegerPicture(picture)
	if err != nil {
		return "", err
	}
	neg := value < 0
	value = math.Floor(math.Abs(value))
	var out string
	switch p.kind {
	case "letters":
		out = toLetters(int64(value), p.upper)
	case "roman":
		out = toRoman(int64(value))
		if !p.upper {
			out = strings.ToLower(out)
		}
	case "words":
		out = toWords(value, p.ordinal)
		switch {
		case p.upper:
			out = strings.ToUpper(out)
		case p.title:
			out = titleWords(out)
		}
	default:
		digits := formatNumber(value)
		if strings.ContainsAny(digits, "e.") {
			digits = strings.TrimRight(strings.TrimRight(fmtFixed(value), "0"), ".")
		}
		for len(digits) < p.mandatory {
			digits = "0" + digits
		}
		var sb strings.Builder
		for i, c := range digits {
			sb.WriteRune(p.zero + (c - '0'))
			fromRight := len(digits) - 1 - i
			if fromRight > 0 {
				if p.regular > 0 {
					if fromRight%p.regular == 0 {
						sb.WriteRune(p.groupSeps[0])
					}
				} else {
					for gi, g := range p.groups {
						if g == fromRight {
							sb.WriteRune(p.groupSeps[gi])
						}
					}
				}
			}
		}
		out = sb.String()
		if p.ordinal {
			out += ordinalSuffix(int64(value))
		}
	}
	if neg {
		out = "-" + out
	}
	return out, nil
}

func fmtFixed(v float64) string { return strings.TrimSuffix(formatFixed(v), ".") }

func formatFixed(v float64) string {
	return strings.TrimRight(strings.TrimRight(strconvFormat(v), "0"), ".")
}

func ordinalSuffix(n int64) string {
	if n%100 >= 11 && n%100 <= 13 {
		return "th"
	}
	switch n % 10 {
	case 1:
		return "st"
	case 2:
		return "nd"
	case 3:
		return "rd"
	}
	return "th"
}

func toLetters(n int64, upper bool) string {
	base := 'a'
	if upper {
		base = 'A'
	}
	var out []rune
	for n > 0 {
		n--
		out = append([]rune{base + rune(n%26)}, out...)
		n /= 26
	}
	return string(out)
}

var romanNumerals = []struct {
	value int64
	text  string
}{
	{1000, "M"}, {900, "CM"}, {500, "D"}, {400, "CD"}, {100, "C"}, {90, "XC"},
	{50, "L"}, {40, "XL"}, {10, "X"}, {9, "IX"}, {5, "V"}, {4, "IV"}, {1, "I"},
}

func toRoman(n int64) string {
	var sb strings.Builder
	for _, r := range romanNumerals {
		for n >= r.value {
			sb.WriteString(r.text)
			n -= r.value
		}
	}
	return sb.String()
}

var smallWords = []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
	"eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"}
var tensWords = []string{"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"}
var scaleWords = []struct {
	value float64
	name  string
}{{1e12, "trillion"}, {1e9, "billion"}, {1e6, "million"}, {1e3, "thousand"}}

func toWords(n float64, ordinal bool) string {
	w := cardinalWords(n)
	if !ordinal {
		return w
	}
	cut := strings.LastIndexAny(w, " -")
	head, last := w[:cut+1], w[cut+1:]
	return head + ordinalWord(last)
}

func cardinalWords(n float64) string {
	switch {
	case n < 20:
		return smallWords[int(n)]
	case n < 100:
		w := tensWords[int(n)/10]
		if r := int(n) % 10; r > 0 {
			w += "-" + smallWords[r]
		}
		return w
	case n < 1000:
		w := smallWords[int(n)/100] + " hundred"
		if r := int(n) % 100; r > 0 {
			w += " and " + cardinalWords(float64(r))
		}
		return w
	}
	for _, s := range scaleWords {
		if n >= s.value {
			q := math.Floor(n / s.value)
			rem := n - q*s.value
			w := cardinalWords(q) + " " + s.name
			switch {
			case rem <= 0:
			case rem < 100:
				w += " and " + cardinalWords(rem)
			default:
				w += ", " + cardinalWords(rem)
			}
			return w
		}
	}
	return ""
}

var ordinalWords = map[string]string{"one": "first", "two": "second", "three": "third", "five": "fifth",
	"eight": "eighth", "nine": "ninth", "twelve": "twelfth"}

func ordinalWord(w string) string {
	if o, ok := ordinalWords[w]; ok {
		return o
	}
	if strings.HasSuffix(w, "y") {
		return strings.TrimSuffix(w, "y") + "ieth"
	}
	return w + "th"
}

func titleWords(s string) string {
	var sb strings.Builder
	start := true
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if start && !strings.HasPrefix(s[i:], "and ") {
			sb.WriteRune(unicode.ToUpper(r))
		} else {
			sb.WriteRune(r)
		}
		start = r == ' ' || r == '-'
		i += size
	}
	return sb.String()
}

func parseIntegerPicture(s, picture string) (any, error) {
	p, err := analyseIntegerPicture(picture)
	if err != nil {
		return nil, err
	}
	switch p.kind {
	case "letters":
		n := 0.0
		for _, r := range strings.ToLower(s) {
			n = n*26 + float64(r-'a'+1)
		}
		return n, nil
	case "roman":
		return float64(fromRoman(strings.ToUpper(s))), nil
	case "words":
		return fromWords(strings.ToLower(s)), nil
	}
	n := 0.0
	for _, r := range s {
		if z, ok := digitZero(r); ok {
			n = n*10 + float64(r-z)
		} else if unicode.IsLetter(r) && p.ordinal {
			break
		}
	}
	return n, nil
}

func fromRoman(s string) int64 {
	var total int64
	for len(s) > 0 {
		matched := false
		for _, r := range romanNumerals {
			if strings.HasPrefix(s, r.text) {
				total += r.value
				s = s[len(r.text):]
				matched = true
				break
			}
		}
		if !matched {
			s = s[1:]
		}
	}
	return total
}

func fromWords(s string) float64 {
	values := map[string]float64{}
	for i, w := range smallWords {
		values[w] = float64(i)
		values[ordinalWord(w)] = float64(i)
	}
	for i, w := range tensWords {
		if w != "" {
			values[w] = float64(i * 10)
			values[ordinalWord(w)] = float64(i * 10)
		}
	}
	scales := map[string]float64{"hundred": 100, "hundredth": 100}
	for _, sc := range scaleWords {
		scales[sc.name] = sc.value
		scales[sc.name+"th"] = sc.value
	}
	total, current, lastScale := 0.0, 0.0, 0.0
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '-' || r == ',' }) {
		if w == "and" {
			continue
		}
		if v, ok := values[w]; ok {
			current += v
			continue
		}
		sc, ok := scales[w]
		if !ok {
			continue
		}
		if sc == 100 {
			current *= 100
			continue
		}
		// a scale at least as large as every earlier one multiplies everything so far
		// ("one thousand trillion"); a smaller one only the words since the last scale
		if sc >= lastScale {
			total = (total + current) * sc
			lastScale = sc
		} else {
			total += current * sc
		}
		current = 0
	}
	return total + current
}

func init() {
	define("formatInteger", "<n-s:s>", 2, func(ev *evaluator, args []any, _ *callContext) (any, error) {
		n, ok := args[0].(float64)
		if !ok {
			return Undefined, nil
		}
		pic, _ := args[1].(string)
		return formatIntegerPicture(n, pic)
	})
	define("parseInteger", "<s-s:n>", 2, func(ev *evaluator, args []any, _ *callContext) (any, error) {
		s, ok := args[0].(string)
		if !ok {
			return Undefined, nil
		}
		pic, _ := args[1].(string)
		return parseIntegerPicture(s, pic)
	})
}

func strconvFormat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
