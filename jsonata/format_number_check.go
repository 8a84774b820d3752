package jsonata

import "strings"

// checkNumberPicture validates one sub-picture of $formatNumber exactly as jsonata-js
// does: it splits the picture into its parts the same way, runs every check of XPath F&O
// 4.7.3 in the reference's order, and reports the code of the LAST check that fails (the
// reference overwrites its error as it goes). Its checks differ from the letter of XPath
// in places, and users see the reference's codes, so the reference is followed: a '#'
// after a digit is D3090 only before the integer part's first '#', percent and per-mille
// signs inside the active part are passive characters (D3086), and so on.
func checkNumberPicture(sub string, f *decimalFormat) error {
	s := []rune(sub)
	isDigit := f.isDigit
	active := func(r rune) bool {
		return isDigit(r) || r == f.decimalSep || r == f.expSep || r == f.groupSep || r == f.digit || r == f.patternSep
	}
	prefixLen := 0
	for prefixLen < len(s) && !(active(s[prefixLen]) && s[prefixLen] != f.expSep) {
		prefixLen++
	}
	if prefixLen == len(s) {
		prefixLen = 0 // no active character: the reference's prefix is empty
	}
	suffixStart := len(s)
	for i := len(s) - 1; i >= 0; i-- {
		if active(s[i]) && s[i] != f.expSep {
			suffixStart = i + 1
			break
		}
		if i == 0 {
			suffixStart = len(s) // no active character: the suffix is empty
		}
	}
	if suffixStart < prefixLen {
		suffixStart = prefixLen
	}
	activePart := s[prefixLen:suffixStart]
	suffix := s[suffixStart:]
	var mantissa, exponent []rune
	hasExponent := false
	expPos := -1
	for i := prefixLen; i < len(s); i++ {
		if s[i] == f.expSep {
			expPos = i
			break
		}
	}
	if expPos == -1 || expPos > suffixStart {
		mantissa = activePart
	} else {
		// the reference cuts the active part at the exponent's position in the whole
		// sub-picture, so a prefix shifts the cut; it is kept for the same codes
		mantissa = activePart[:min(expPos, len(activePart))]
		exponent = activePart[min(expPos+1, len(activePart)):]
		hasExponent = true
	}
	integer, fraction := mantissa, suffix
	for i, r := range mantissa {
		if r == f.decimalSep {
			integer, fraction = mantissa[:i], mantissa[i+1:]
			break
		}
	}

	count := func(sub string) int { return strings.Count(string(s), sub) }
	code := ""
	if strings.Count(string(s), string(f.decimalSep)) > 1 {
		code = "D3081"
	}
	if count(f.percent) > 1 {
		code = "D3082"
	}
	if count(f.perMille) > 1 {
		code = "D3083"
	}
	if count(f.percent) > 0 && count(f.perMille) > 0 {
		code = "D3084"
	}
	hasDigit := false
	for _, r := range mantissa {
		if isDigit(r) || r == f.digit {
			hasDigit = true
			break
		}
	}
	if !hasDigit {
		code = "D3085"
	}
	for _, r := range activePart {
		if !active(r) {
			code = "D3086"
			break
		}
	}
	decimalPos := -1
	for i, r := range s {
		if r == f.decimalSep {
			decimalPos = i
			break
		}
	}
	if decimalPos != -1 {
		if decimalPos > 0 && s[decimalPos-1] == f.groupSep || decimalPos+1 < len(s) && s[decimalPos+1] == f.groupSep {
			code = "D3087"
		}
	} else if len(integer) > 0 && integer[len(integer)-1] == f.groupSep {
		code = "D3088"
	}
	if strings.Contains(string(s), string([]rune{f.groupSep, f.groupSep})) {
		code = "D3089"
	}
	for i, r := range integer {
		if r == f.digit {
			for _, before := range integer[:i] {
				if isDigit(before) {
					code = "D3090"
				}
			}
			break
		}
	}
	for i := len(fraction) - 1; i >= 0; i-- {
		if fraction[i] == f.digit {
			for _, after := range fraction[i:] {
				if isDigit(after) {
					code = "D3091"
				}
			}
			break
		}
	}
	if hasExponent && len(exponent) > 0 && (count(f.percent) > 0 || count(f.perMille) > 0) {
		code = "D3092"
	}
	if hasExponent {
		bad := len(exponent) == 0
		for _, r := range exponent {
			if !isDigit(r) {
				bad = true
			}
		}
		if bad {
			code = "D3093"
		}
	}
	if code != "" {
		return newError(code, 0, "formatNumber", nil)
	}
	return nil
}
