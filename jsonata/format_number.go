package jsonata

import (
	"math"
	"slices"
	"strconv"
	"strings"
)

// decimalFormat holds the XPath decimal-format properties that $formatNumber's third
// argument may override.
type decimalFormat struct {
	decimalSep, groupSep, expSep, zero, digit, patternSep rune
	minus, infinity, nan, percent, perMille               string
}

func defaultDecimalFormat() decimalFormat {
	return decimalFormat{decimalSep: '.', groupSep: ',', expSep: 'e', minus: "-", zero: '0', digit: '#', patternSep: ';',
		infinity: "Infinity", nan: "NaN", percent: "%", perMille: "‰"}
}

func (f *decimalFormat) isDigit(r rune) bool { return r >= f.zero && r < f.zero+10 }

func (f *decimalFormat) isActive(r rune) bool {
	return f.isDigit(r) || r == f.digit || r == f.decimalSep || r == f.groupSep
}

func formatNumberPicture(value float64, picture string, options any, compat206 bool) (string, error) {
	f := defaultDecimalFormat()
	for _, k := range objectKeys(options) {
		v, _ := objectGet(options, k)
		s, ok := v.(string)
		if ok && k == "minus-sign" {
			f.minus = s // written whole, as the reference writes it, even when empty
			continue
		}
		if !ok || s == "" {
			continue
		}
		first := []rune(s)[0]
		switch k {
		case "decimal-separator":
			f.decimalSep = first
		case "grouping-separator":
			f.groupSep = first
		case "exponent-separator":
			f.expSep = first
		case "zero-digit":
			f.zero = first
		case "digit":
			f.digit = first
		case "pattern-separator":
			f.patternSep = first
		case "infinity":
			f.infinity = s
		case "NaN":
			f.nan = s
		case "percent":
			f.percent = s
		case "per-mille":
			f.perMille = s
		}
	}
	parts := strings.Split(picture, string(f.patternSep))
	if len(parts) > 2 {
		return "", newError("D3080", 0, "formatNumber", nil)
	}
	for _, p := range parts {
		if err := checkNumberPicture(p, &f); err != nil {
			return "", err
		}
	}
	pics := make([]*subPicture, len(parts))
	for i, p := range parts {
		pics[i] = analysePicture(p, &f)
	}
	if len(pics) == 1 {
		negative := *pics[0]
		negative.prefix = f.minus + negative.prefix
		pics = append(pics, &negative)
	}
	if math.IsNaN(value) {
		return f.nan, nil
	}
	pic := pics[0]
	if value < 0 {
		pic = pics[1]
	}
	if math.IsInf(value, 0) {
		return pic.prefix + f.infinity + pic.suffix, nil
	}
	if compat206 && pic.minExp != 0 && value <= 0 {
		// jsonata-js 2.0.6 scales the mantissa up while it is below the minimum, which a
		// zero or negative mantissa always is, so it never returns; AWS's evaluation would
		// run into its time limit: this fails at once with the error of an evaluation past
		// its time limit rather than spending the limit first
		return "", &Error{Code: "U1001", Message: "Expression evaluation timeout: Check for infinite loop"}
	}
	return formatWithPicture(value, pic, &f), nil
}

// subPicture is one analysed half of a format-number picture, as the reference
// implementation analyses it (XPath F&O 4.7.4 with its quirks).
type subPicture struct {
	picture                          []rune
	prefix, suffix                   string
	hasExponent                      bool
	minInt, minFrac, maxFrac, minExp int
	scaling                          int
	intGroups, fracGroups            []int
	regularGroup                     int
}

// numberPictureParts is a sub-picture split as the reference splits it: the prefix runs to
// the first active character other than the exponent separator, the suffix from the last;
// the exponent is cut from the active part at its index in the whole sub-picture; and
// without a decimal separator the fractional part is the suffix.
type numberPictureParts struct {
	prefix, suffix, active, mantissa, exponent, integer, fraction []rune
	hasExponent                                                   bool
}

func splitNumberPicture(s []rune, f *decimalFormat) numberPictureParts {
	active := func(r rune) bool {
		return f.isDigit(r) || r == f.decimalSep || r == f.expSep || r == f.groupSep || r == f.digit || r == f.patternSep
	}
	var p numberPictureParts
	for i, r := range s {
		if active(r) && r != f.expSep {
			p.prefix = s[:i]
			break
		}
	}
	for i := len(s) - 1; i >= 0; i-- {
		if active(s[i]) && s[i] != f.expSep {
			p.suffix = s[i+1:]
			break
		}
	}
	p.active = jsSubstring(s, len(p.prefix), len(s)-len(p.suffix))
	expPos := -1
	for i := len(p.prefix); i < len(s); i++ {
		if s[i] == f.expSep {
			expPos = i
			break
		}
	}
	if expPos == -1 || expPos > len(s)-len(p.suffix) {
		p.mantissa = p.active
	} else {
		p.hasExponent = true
		p.mantissa = jsSubstring(p.active, 0, expPos)
		p.exponent = jsSubstring(p.active, expPos+1, len(p.active))
	}
	p.integer, p.fraction = p.mantissa, p.suffix
	for i, r := range p.mantissa {
		if r == f.decimalSep {
			p.integer, p.fraction = p.mantissa[:i], p.mantissa[i+1:]
			break
		}
	}
	return p
}

// jsSubstring is JavaScript's substring: indexes clamped to the string, swapped when
// reversed.
func jsSubstring(s []rune, start, end int) []rune {
	start, end = min(max(start, 0), len(s)), min(max(end, 0), len(s))
	if start > end {
		start, end = end, start
	}
	return s[start:end]
}

// sliceRunesJS is JavaScript's slice: a negative index counts from the end.
func sliceRunesJS(s []rune, start, end int) []rune {
	norm := func(i int) int {
		if i < 0 {
			return max(len(s)+i, 0)
		}
		return min(i, len(s))
	}
	start, end = norm(start), norm(end)
	if start >= end {
		return nil
	}
	return s[start:end]
}

func analysePicture(picture string, f *decimalFormat) *subPicture {
	s := []rune(picture)
	parts := splitNumberPicture(s, f)
	isDigitOrOptional := func(r rune) bool { return f.isDigit(r) || r == f.digit }
	count := func(rs []rune, pred func(rune) bool) int {
		n := 0
		for _, r := range rs {
			if pred(r) {
				n++
			}
		}
		return n
	}
	indexFrom := func(rs []rune, from int) int {
		for i := max(from, 0); i < len(rs); i++ {
			if rs[i] == f.groupSep {
				return i
			}
		}
		return -1
	}
	// groupingPositions counts, for each grouping separator, the digit signs to its right
	// (to its left in the fractional part); like the reference it looks for every
	// separator after the first in the integer part, whichever part it reads.
	groupingPositions := func(part []rune, toLeft bool) []int {
		var positions []int
		for pos := indexFrom(part, 0); pos != -1; pos = indexFrom(parts.integer, pos+1) {
			if toLeft {
				positions = append(positions, count(jsSubstring(part, 0, pos), isDigitOrOptional))
			} else {
				positions = append(positions, count(jsSubstring(part, pos, len(part)), isDigitOrOptional))
			}
		}
		return positions
	}
	sp := &subPicture{picture: s, prefix: string(parts.prefix), suffix: string(parts.suffix), hasExponent: parts.hasExponent}
	sp.intGroups = groupingPositions(parts.integer, false)
	sp.regularGroup = regularGrouping(sp.intGroups)
	sp.fracGroups = groupingPositions(parts.fraction, true)
	sp.minInt = count(parts.integer, f.isDigit)
	sp.scaling = sp.minInt
	sp.minFrac = count(parts.fraction, f.isDigit)
	sp.maxFrac = count(parts.fraction, isDigitOrOptional)
	if sp.minInt == 0 && sp.maxFrac == 0 {
		if sp.hasExponent {
			sp.minFrac, sp.maxFrac = 1, 1
		} else {
			sp.minInt = 1
		}
	}
	if sp.hasExponent && sp.minInt == 0 && count(parts.integer, func(r rune) bool { return r == f.digit }) > 0 {
		sp.minInt = 1
	}
	if sp.minInt == 0 && sp.minFrac == 0 {
		sp.minFrac = 1
	}
	if sp.hasExponent {
		sp.minExp = count(parts.exponent, f.isDigit)
	}
	return sp
}

// regularGrouping is the interval of grouping positions that are every multiple of their
// greatest common divisor, else 0.
func regularGrouping(positions []int) int {
	if len(positions) == 0 {
		return 0
	}
	factor := positions[0]
	for _, p := range positions[1:] {
		factor = gcd(factor, p)
	}
	for k := 1; k <= len(positions); k++ {
		if !slices.Contains(positions, k*factor) {
			return 0
		}
	}
	return factor
}

// formatWithPicture writes a number as the reference's formatNumber does, step by step
// (XPath F&O 4.7.5 bullets 3 to 14), including its quirks: the last character is dropped
// when the picture has no decimal separator (so "#e0" writes 1234.5 as "0.e4"), separators
// in the fractional part are placed even when the picture has none (".0," writes
// "1234.5,"), and separators left of the digits are placed as JavaScript's slice places them.
func formatWithPicture(value float64, pic *subPicture, f *decimalFormat) string {
	adjusted := value
	if strings.Contains(string(pic.picture), f.percent) {
		adjusted = value * 100
	} else if strings.Contains(string(pic.picture), f.perMille) {
		adjusted = value * 1000
	}
	mantissa := adjusted
	exponent, hasExponent := 0, pic.minExp != 0
	if hasExponent && mantissa != 0 {
		maxMantissa := math.Pow(10, float64(pic.scaling))
		minMantissa := math.Pow(10, float64(pic.scaling-1))
		for math.Abs(mantissa) < minMantissa {
			mantissa *= 10
			exponent--
		}
		for math.Abs(mantissa) > maxMantissa {
			mantissa /= 10
			exponent++
		}
	}
	rounded := roundHalfEven(mantissa, pic.maxFrac)
	makeString := func(v float64, dp int) []rune {
		var text string
		if v = math.Abs(v); v >= 1e21 {
			text = formatNumber(v) // toFixed writes large numbers as toString does
		} else {
			text = strconv.FormatFloat(v, 'f', dp, 64)
		}
		out := []rune(text)
		for i, r := range out {
			if r >= '0' && r <= '9' {
				out[i] = f.zero + (r - '0')
			}
		}
		return out
	}
	str := makeString(rounded, pic.maxFrac)
	if i := slices.Index(str, '.'); i == -1 {
		str = append(str, f.decimalSep)
	} else {
		str[i] = f.decimalSep
	}
	for len(str) > 0 && str[0] == f.zero {
		str = str[1:]
	}
	for len(str) > 0 && str[len(str)-1] == f.zero {
		str = str[:len(str)-1]
	}
	decimalPos := slices.Index(str, f.decimalSep)
	padLeft := pic.minInt - decimalPos
	padRight := pic.minFrac - (len(str) - decimalPos - 1)
	zeros := func(n int) []rune { return []rune(strings.Repeat(string(f.zero), max(n, 0))) }
	str = append(append(zeros(padLeft), str...), zeros(padRight)...)
	decimalPos = slices.Index(str, f.decimalSep)
	insert := func(at int) {
		head, tail := sliceRunesJS(str, 0, at), sliceRunesJS(str, at, len(str))
		next := make([]rune, 0, len(str)+1)
		next = append(append(append(next, head...), f.groupSep), tail...)
		str = next
	}
	if pic.regularGroup > 0 {
		groups := int(math.Floor(float64(decimalPos-1) / float64(pic.regularGroup)))
		for g := 1; g <= groups; g++ {
			insert(decimalPos - g*pic.regularGroup)
		}
	} else {
		for _, pos := range pic.intGroups {
			insert(decimalPos - pos)
			decimalPos++
		}
	}
	decimalPos = slices.Index(str, f.decimalSep)
	for _, pos := range pic.fracGroups {
		insert(pos + decimalPos + 1)
	}
	decimalPos = slices.Index(str, f.decimalSep)
	if !slices.Contains(pic.picture, f.decimalSep) || decimalPos == len(str)-1 {
		str = str[:max(len(str)-1, 0)]
	}
	if hasExponent {
		e := makeString(float64(exponent), 0)
		e = append(zeros(pic.minExp-len(e)), e...)
		str = append(str, f.expSep)
		if exponent < 0 {
			str = append(str, []rune(f.minus)...)
		}
		str = append(str, e...)
	}
	return pic.prefix + string(str) + pic.suffix
}

func init() {
	define("formatNumber", "<n-so?:s>", 3, func(ev *evaluator, args []any, _ *callContext) (any, error) {
		n, ok := asNumber(args[0])
		if !ok {
			return Undefined, nil
		}
		pic, _ := args[1].(string)
		return formatNumberPicture(n, pic, args[2], ev.compat206)
	})
}
