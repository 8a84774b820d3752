package jsonata

import (
	"math"
	"strconv"
	"strings"
)

// decimalFormat holds the XPath decimal-format properties that $formatNumber's third
// argument may override.
type decimalFormat struct {
	decimalSep, groupSep, expSep, minus, zero, digit, patternSep rune
	infinity, nan, percent, perMille                             string
}

func defaultDecimalFormat() decimalFormat {
	return decimalFormat{decimalSep: '.', groupSep: ',', expSep: 'e', minus: '-', zero: '0', digit: '#', patternSep: ';',
		infinity: "Infinity", nan: "NaN", percent: "%", perMille: "‰"}
}

func (f *decimalFormat) isDigit(r rune) bool { return r >= f.zero && r < f.zero+10 }

func (f *decimalFormat) isActive(r rune) bool {
	return f.isDigit(r) || r == f.digit || r == f.decimalSep || r == f.groupSep
}

// subPicture is one analysed half of a format-number picture.
type subPicture struct {
	prefix, suffix                   string
	integer, fraction, exponent      []rune
	hasExponent, hasDecimal          bool
	percent, perMille                bool
	minInt, minFrac, maxFrac, minExp int
	scaling                          int
	intGroups, fracGroups            []int
	regularGroup                     int
}

func formatNumberPicture(value float64, picture string, options any) (string, error) {
	f := defaultDecimalFormat()
	for _, k := range objectKeys(options) {
		v, _ := objectGet(options, k)
		s, ok := v.(string)
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
		case "minus-sign":
			f.minus = first
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
		sp, err := analysePicture(p, &f)
		if err != nil {
			return "", err
		}
		pics[i] = sp
	}
	if math.IsNaN(value) {
		return f.nan, nil
	}
	pic := pics[0]
	prefix := pic.prefix
	if value < 0 {
		if len(pics) > 1 {
			pic = pics[1]
			prefix = pic.prefix
		} else {
			prefix = string(f.minus) + prefix
		}
		value = -value
	}
	if pic.percent {
		value *= 100
	} else if pic.perMille {
		value *= 1000
	}
	if math.IsInf(value, 0) {
		return prefix + f.infinity + pic.suffix, nil
	}
	mantissa, exponent := value, 0
	if pic.hasExponent && value != 0 {
		// scale by repeated steps of ten, as the reference implementation does (a mantissa
		// equal to the upper bound, e.g. 10 for one integer digit, is left as it is)
		maxMantissa := math.Pow(10, float64(pic.scaling))
		minMantissa := math.Pow(10, float64(pic.scaling-1))
		for mantissa < minMantissa {
			mantissa *= 10
			exponent--
		}
		for mantissa > maxMantissa {
			mantissa /= 10
			exponent++
		}
	}
	mantissa = roundHalfEven(mantissa, pic.maxFrac)
	text := strconv.FormatFloat(mantissa, 'f', pic.maxFrac, 64)
	intDigits, fracDigits, _ := strings.Cut(text, ".")
	for len(fracDigits) > pic.minFrac && strings.HasSuffix(fracDigits, "0") {
		fracDigits = fracDigits[:len(fracDigits)-1]
	}
	if intDigits == "0" && pic.minInt == 0 {
		intDigits = ""
	}
	for len(intDigits) < pic.minInt {
		intDigits = "0" + intDigits
	}
	mapDigits := func(s string) []rune {
		out := make([]rune, 0, len(s))
		for _, c := range s {
			out = append(out, f.zero+(c-'0'))
		}
		return out
	}
	ir := mapDigits(intDigits)
	var sb strings.Builder
	sb.WriteString(prefix)
	for i, c := range ir {
		sb.WriteRune(c)
		fromRight := len(ir) - 1 - i
		if fromRight > 0 && groupAt(fromRight, pic.intGroups, pic.regularGroup) {
			sb.WriteRune(f.groupSep)
		}
	}
	if fracDigits != "" {
		sb.WriteRune(f.decimalSep)
		fr := mapDigits(fracDigits)
		for i, c := range fr {
			sb.WriteRune(c)
			if i+1 < len(fr) {
				for _, g := range pic.fracGroups {
					if g == i+1 {
						sb.WriteRune(f.groupSep)
					}
				}
			}
		}
	}
	if pic.hasExponent {
		sb.WriteRune(f.expSep)
		if exponent < 0 {
			sb.WriteRune(f.minus)
			exponent = -exponent
		}
		e := strconv.Itoa(exponent)
		for len(e) < pic.minExp {
			e = "0" + e
		}
		sb.WriteString(string(mapDigits(e)))
	}
	sb.WriteString(pic.suffix)
	return sb.String(), nil
}

func groupAt(pos int, groups []int, regular int) bool {
	if regular > 0 {
		return pos%regular == 0
	}
	for _, g := range groups {
		if g == pos {
			return true
		}
	}
	return false
}

func analysePicture(p string, f *decimalFormat) (*subPicture, error) {
	errf := func(code string) error { return newError(code, 0, "formatNumber", nil) }
	runes := []rune(p)
	first, last := -1, -1
	for i, r := range runes {
		if f.isActive(r) {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	sp := &subPicture{}
	var active []rune
	if first < 0 {
		sp.prefix = p
	} else {
		sp.prefix = string(runes[:first])
		active = runes[first : last+1]
		sp.suffix = string(runes[last+1:])
	}
	if c := strings.Count(p, f.percent); c > 1 {
		return nil, errf("D3082")
	}
	if c := strings.Count(p, f.perMille); c > 1 {
		return nil, errf("D3083")
	}
	sp.percent = strings.Contains(p, f.percent)
	sp.perMille = strings.Contains(p, f.perMille)
	if sp.percent && sp.perMille {
		return nil, errf("D3084")
	}
	// an exponent separator followed by digits at the end of the active part
	mantissa := active
	expIdx := -1
	for i, r := range active {
		if r == f.expSep {
			expIdx = i
			break
		}
	}
	if expIdx < 0 && strings.HasPrefix(sp.suffix, string(f.expSep)) {
		// "0e" style: the exponent digits are the suffix's digits
		rest := []rune(sp.suffix)[1:]
		n := 0
		for n < len(rest) && f.isDigit(rest[n]) {
			n++
		}
		if n > 0 {
			sp.hasExponent = true
			sp.exponent = rest[:n]
			sp.suffix = string(rest[n:])
		}
	}
	if expIdx >= 0 {
		sp.hasExponent = true
		mantissa = active[:expIdx]
		sp.exponent = active[expIdx+1:]
		for _, r := range sp.exponent {
			if !f.isDigit(r) {
				return nil, errf("D3093")
			}
		}
	}
	if sp.hasExponent && (sp.percent || sp.perMille) {
		return nil, errf("D3092")
	}
	decimals := 0
	hasDigit := false
	for i, r := range mantissa {
		switch {
		case r == f.decimalSep:
			decimals++
		case f.isDigit(r) || r == f.digit:
			hasDigit = true
		case r == f.groupSep:
			if i+1 < len(mantissa) && mantissa[i+1] == f.groupSep {
				return nil, errf("D3089")
			}
		default:
			return nil, errf("D3086")
		}
	}
	if decimals > 1 {
		return nil, errf("D3081")
	}
	if !hasDigit {
		return nil, errf("D3085")
	}
	sp.hasDecimal = decimals == 1
	intPart, fracPart := mantissa, []rune(nil)
	for i, r := range mantissa {
		if r == f.decimalSep {
			intPart, fracPart = mantissa[:i], mantissa[i+1:]
			if (i > 0 && mantissa[i-1] == f.groupSep) || (i+1 < len(mantissa) && mantissa[i+1] == f.groupSep) {
				return nil, errf("D3087")
			}
			break
		}
	}
	if len(intPart) > 0 && intPart[len(intPart)-1] == f.groupSep {
		return nil, errf("D3088")
	}
	hasOptionalInt := false
	digitsRight := 0
	for i := len(intPart) - 1; i >= 0; i-- {
		r := intPart[i]
		switch {
		case f.isDigit(r):
			sp.minInt++
			digitsRight++
		case r == f.digit:
			hasOptionalInt = true
			digitsRight++
		case r == f.groupSep:
			sp.intGroups = append(sp.intGroups, digitsRight)
		}
	}
	digitsLeft := 0
	for _, r := range fracPart {
		switch {
		case f.isDigit(r):
			sp.minFrac++
			sp.maxFrac++
			digitsLeft++
		case r == f.digit:
			sp.maxFrac++
			digitsLeft++
		case r == f.groupSep:
			sp.fracGroups = append(sp.fracGroups, digitsLeft)
		}
	}
	for _, r := range sp.exponent {
		if f.isDigit(r) {
			sp.minExp++
		}
	}
	if len(sp.intGroups) > 0 {
		n := sp.intGroups[0]
		for _, g := range sp.intGroups {
			if g < n {
				n = g
			}
		}
		regular := n > 0
		for _, g := range sp.intGroups {
			if g%n != 0 {
				regular = false
			}
		}
		if regular {
			for k := n; k <= maxInt(sp.intGroups); k += n {
				found := false
				for _, g := range sp.intGroups {
					if g == k {
						found = true
					}
				}
				if !found {
					regular = false
				}
			}
		}
		if regular {
			sp.regularGroup = n
		}
	}
	sp.scaling = sp.minInt
	if sp.minInt == 0 && sp.maxFrac == 0 {
		if sp.hasExponent {
			sp.minFrac, sp.maxFrac = 1, 1
		} else {
			sp.minInt = 1
		}
	}
	if sp.hasExponent && sp.minInt == 0 && hasOptionalInt {
		sp.minInt = 1
	}
	if sp.minInt == 0 && sp.minFrac == 0 {
		// at least one digit is always shown: "#.##" prints 42 as "42.0" and 0 as ".0"
		sp.minFrac = 1
	}
	return sp, nil
}

func maxInt(xs []int) int {
	m := 0
	for _, x := range xs {
		if x > m {
			m = x
		}
	}
	return m
}

func init() {
	define("formatNumber", "<n-so?:s>", 3, func(ev *evaluator, args []any, _ *callContext) (any, error) {
		n, ok := args[0].(float64)
		if !ok {
			return Undefined, nil
		}
		pic, _ := args[1].(string)
		return formatNumberPicture(n, pic, args[2])
	})
}
