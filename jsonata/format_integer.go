package jsonata

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// integerPicture is an analysed $formatInteger picture (XPath fn:format-integer), as the
// reference implementation reads it.
type integerPicture struct {
	kind      string // "decimal", "letters", "roman", "words"
	upper     bool
	title     bool
	ordinal   bool
	zero      rune // the zero of the digits' decimal group
	mandatory int
	optional  int    // '#' signs
	token     string // the picture, for D3130
	// seps are the grouping separators from the right: each with the number of digit signs
	// (mandatory or optional) to its right. Every character of a decimal picture that is no
	// digit of a decimal group and no '#' is one, letters included ("0a0" formats 12 as "1a2").
	seps []integerSeparator
	// regular is the interval of separators that repeat: one character at every multiple of
	// regular, as many as the picture has; 0 when they do not.
	regular int
}

type integerSeparator struct {
	position int
	char     rune
}

// decimalGroupZeros are the zeros of the decimal digit groups the reference implementation
// knows (all in the Basic Multilingual Plane): other Unicode digits, such as the mathematical
// digits of U+1D7CE, are grouping separators to it.
var decimalGroupZeros = []rune{0x30, 0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6,
	0x0C66, 0x0CE6, 0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0,
	0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10}

// digitZero finds the zero of r's decimal group, if r is a digit of one.
func digitZero(r rune) (rune, bool) {
	for _, z := range decimalGroupZeros {
		if z <= r && r <= z+9 {
			return z, true
		}
	}
	return 0, false
}

// analyseIntegerPicture reads a picture in the reference's order: the format modifier after
// the last ';', the named formats, then a decimal pattern scanned from the right, where
// digits of two decimal groups fail at once (D3131) and a pattern with no digit is a
// numbering sequence, which fails only when a number is formatted with it (D3130).
func analyseIntegerPicture(picture string) (*integerPicture, error) {
	p := &integerPicture{kind: "decimal", zero: '0', token: picture}
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
	position := 0
	for i := len(runes) - 1; i >= 0; i-- {
		r := runes[i]
		if z, ok := digitZero(r); ok {
			if zeroSet && z != p.zero {
				return nil, newError("D3131", 0, "formatInteger", nil)
			}
			p.zero, zeroSet = z, true
			p.mandatory++
			position++
			continue
		}
		if r == '#' {
			position++
			p.optional++
			continue
		}
		p.seps = append(p.seps, integerSeparator{position: position, char: r})
	}
	if p.mandatory == 0 {
		p.kind = "sequence"
		return p, nil
	}
	p.regular = regularSeparators(p.seps)
	return p, nil
}

// regularSeparators is the interval of separators that are one character at every multiple
// of their greatest common divisor (as many multiples as separators), else 0. A separator at
// the very right (position 0) makes them irregular.
func regularSeparators(seps []integerSeparator) int {
	if len(seps) == 0 {
		return 0
	}
	for _, s := range seps[1:] {
		if s.char != seps[0].char {
			return 0
		}
	}
	factor := 0
	for _, s := range seps {
		factor = gcd(factor, s.position)
	}
	if factor == 0 {
		return 0
	}
	for k := 1; k <= len(seps); k++ {
		if !slices.ContainsFunc(seps, func(s integerSeparator) bool { return s.position == k*factor }) {
			return 0
		}
	}
	return factor
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// maxRomanValue is the largest number the reference writes in Roman numerals. It writes
// one numeral per recursive call, so under Node.js's default stack (jsonata-js 2.2.2 and
// 2.0.6 on Node 20) a number from about 8,972,000 on (8,972 M's) overflows the stack with a
// RangeError instead; Stepflow fails there too, with U1001, its code for a stack overflow.
const maxRomanValue = 8_971_999

func formatIntegerPicture(value float64, picture string) (string, error) {
	p, err := analyseIntegerPicture(picture)
	if err != nil {
		return "", err
	}
	return formatAnalysedInteger(math.Floor(value), p, nil)
}

// formatAnalysedInteger writes a whole number (or NaN, which a date marker's year can be)
// with an analysed picture, as the reference's _formatInteger does.
func formatAnalysedInteger(value float64, p *integerPicture, b *budget) (string, error) {
	neg := value < 0
	value = math.Abs(value)
	var out string
	switch p.kind {
	case "letters":
		if !math.IsNaN(value) {
			out = toLetters(value, p.upper)
		}
	case "roman":
		if value > maxRomanValue {
			return "", newError("U1001", 0, "formatInteger", nil)
		}
		if !math.IsNaN(value) {
			out = toRoman(int64(value))
		}
		if !p.upper {
			out = strings.ToLower(out)
		}
	case "words":
		if math.IsNaN(value) {
			// the reference recurses on NaN until its stack overflows
			return "", newError("U1001", 0, "formatInteger", nil)
		}
		out = toWords(value, p.ordinal)
		switch {
		case p.upper:
			out = strings.ToUpper(out)
		case p.title:
			out = titleWords(out)
		}
	case "sequence":
		return "", newError("D3130", 0, "formatInteger", primaryOf(p.token))
	default:
		if pad := p.mandatory - len(formatNumber(value)); pad > 0 {
			b.spendString(pad) // panics past the budget
		}
		out = formatDecimalPicture(value, p)
	}
	if neg {
		out = "-" + out
	}
	return out, nil
}

// primaryOf is the picture before its format modifier.
func primaryOf(picture string) string {
	if i := strings.LastIndexByte(picture, ';'); i >= 0 {
		return picture[:i]
	}
	return picture
}

// formatDecimalPicture writes a non-negative whole number with a decimal pattern. It works in
// UTF-16 code units, as the reference does: an irregular separator further left than the
// digits are long is put at an index counted back from the end (so "#,##,0" formats 5 as
// ",,5"), and the ordinal suffix looks at the last two code units written, separators
// included.
func formatDecimalPicture(value float64, p *integerPicture) string {
	digits := formatNumber(value) // the number as JavaScript writes it ("1e+21" included)
	if pad := p.mandatory - len(digits); pad > 0 {
		digits = strings.Repeat("0", pad) + digits
	}
	var units []uint16
	for _, c := range digits {
		units = utf16.AppendRune(units, c+p.zero-'0')
	}
	insert := func(pos int, sep rune) {
		n := len(units)
		head := units[:max(min(pos, n), 0)]
		if pos < 0 {
			head = nil
		}
		from := pos
		if from < 0 {
			from = max(n+from, 0)
		}
		tail := units[min(from, n):]
		next := make([]uint16, 0, n+2)
		next = append(next, head...)
		next = utf16.AppendRune(next, sep)
		units = append(next, tail...)
	}
	if p.regular > 0 {
		for k := (len(units) - 1) / p.regular; k > 0; k-- {
			insert(len(units)-k*p.regular, p.seps[0].char)
		}
	} else {
		for i := len(p.seps) - 1; i >= 0; i-- {
			insert(len(units)-p.seps[i].position, p.seps[i].char)
		}
	}
	if p.ordinal {
		suffix := "th"
		if n := len(units); n > 0 && (n == 1 || units[n-2] != '1') {
			switch units[n-1] {
			case '1':
				suffix = "st"
			case '2':
				suffix = "nd"
			case '3':
				suffix = "rd"
			}
		}
		units = append(units, utf16.Encode([]rune(suffix))...)
	}
	return string(utf16.Decode(units))
}

// toLetters writes spreadsheet-style letters (1 is a, 27 is aa) with the reference's
// arithmetic on doubles, so that numbers beyond 2^63 are written too.
func toLetters(n float64, upper bool) string {
	base := 'a'
	if upper {
		base = 'A'
	}
	var out []rune
	for n > 0 {
		out = append(out, base+rune(math.Mod(n-1, 26)))
		n = math.Floor((n - 1) / 26)
	}
	slices.Reverse(out)
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

// parseIntegerPicture is $parseInteger as the reference reads text, with no check that the
// text fits the picture: letters count from the picture's 'a' or 'A' whatever their case,
// an upper-case Roman picture reads only upper-case numerals (others are NaN), words are
// read by wordsToNumber, and a decimal pattern drops the ordinal suffix (two characters)
// and its grouping separators (',' when they repeat), maps its digits to ASCII and reads
// the rest with parseInt (so "" is NaN, which prints as null).
func parseIntegerPicture(s, picture string) (any, error) {
	p, err := analyseIntegerPicture(picture)
	if err != nil {
		return nil, err
	}
	switch p.kind {
	case "letters":
		base := 'a'
		if p.upper {
			base = 'A'
		}
		return lettersToNumber(s, base), nil
	case "roman":
		if !p.upper {
			s = strings.ToUpper(s)
		}
		return romanToNumber(s), nil
	case "words":
		return wordsToNumber(strings.ToLower(s)), nil
	case "sequence":
		return nil, newError("D3130", 0, "parseInteger", primaryOf(picture))
	}
	units := utf16.Encode([]rune(s))
	if p.ordinal {
		units = units[:max(len(units)-2, 0)]
	}
	digits := string(utf16.Decode(units))
	if p.regular > 0 {
		digits = strings.ReplaceAll(digits, ",", "")
	} else {
		for _, sep := range p.seps {
			digits = strings.ReplaceAll(digits, string(sep.char), "")
		}
	}
	if p.zero != '0' {
		shifted := []rune(digits)
		for i, r := range shifted {
			if shifted[i] = r - p.zero + '0'; shifted[i] < 0 {
				// String.fromCodePoint fails on it in the reference
				return nil, &Error{Code: "D3137", Message: "Invalid code point " + strconv.Itoa(int(shifted[i]))}
			}
		}
		digits = string(shifted)
	}
	return jsParseInt(digits), nil
}

// lettersToNumber reads spreadsheet-style letters counted from base ('a' or 'A'), summing
// from the rightmost letter as the reference does (other characters count by their code).
func lettersToNumber(s string, base rune) float64 {
	units := utf16.Encode([]rune(s))
	v := 0.0
	for i := 0; i < len(units); i++ {
		v += float64(rune(units[len(units)-i-1])-base+1) * math.Pow(26, float64(i))
	}
	return v
}

func init() {
	define("formatInteger", "<n-s:s>", 2, func(ev *evaluator, args []any, _ *callContext) (any, error) {
		n, ok := asNumber(args[0])
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
