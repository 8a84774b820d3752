package jsonvalue

import "unicode/utf16"

// CompareUTF16 orders strings by their UTF-16 code units (-1, 0, +1), as JavaScript's < and
// java.lang.String.compareTo do. It differs from Go's byte order only for characters beyond
// U+FFFF against U+E000-U+FFFF.
func CompareUTF16(a, b string) int {
	if a == b {
		return 0
	}
	if isASCII(a) && isASCII(b) {
		if a < b {
			return -1
		}
		return 1
	}
	ua, ub := utf16.Encode([]rune(a)), utf16.Encode([]rune(b))
	for i := 0; i < len(ua) && i < len(ub); i++ {
		if ua[i] != ub[i] {
			if ua[i] < ub[i] {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(ua) < len(ub):
		return -1
	case len(ua) > len(ub):
		return 1
	}
	return 0
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
