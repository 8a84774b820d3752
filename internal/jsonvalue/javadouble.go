package jsonvalue

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
)

// AWS reads a JSON number written with a fraction or an exponent as a Java double and
// writes it back with Java's Double.toString: 1.0 stays "1.0", 1e2 becomes "100.0", 1e21
// "1.0E21" (recorded: an execution input of 0.0 shows as "0.0" in every history event).
// An integer literal stays an integer ("-0" reads as 0). Go's float64 keeps no such mark, so
// a decimal whose Java text differs from the text encoding/json would write keeps its Java
// text as a json.Number; the common decimals (1.5, 12.99) are plain float64s.

// javaDoubleString is Java's Double.toString of f (shortest round-trip digits, as JDK 19+):
// plain notation with at least one fractional digit for 1e-3 <= |f| < 1e7, else d.dddE±n.
func javaDoubleString(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	abs := math.Abs(f)
	if abs >= 1e-3 && abs < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±XX
	mantissa, exp, _ := strings.Cut(s, "e")
	if !strings.Contains(mantissa, ".") {
		mantissa += ".0"
	}
	n, _ := strconv.Atoi(exp)
	return mantissa + "E" + strconv.Itoa(n)
}

// decimalValue is the value of a decimal literal (one with a fraction or an exponent).
func decimalValue(f float64) any {
	java := javaDoubleString(f)
	if string(AppendFloat(nil, f)) == java {
		return f
	}
	return json.Number(java)
}
