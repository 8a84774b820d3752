package jsonata

import (
	"errors"
	"testing"
)

// TestFormatIntegerPicturesAsReference pins $formatInteger pictures whose grouping
// separators and odd characters the reference implementation (jsonata-js 2.2.2) reads in its
// own way; each expected text is what the reference returned for the same call.
func TestFormatIntegerPicturesAsReference(t *testing.T) {
	t.Parallel()
	cases := []struct {
		value   float64
		picture string
		want    string // or "ERR code"
	}{
		{1234, "0,", "1234,"},               // a separator at the right end stays there
		{1234, "0,;o", "1234,th"},           // the ordinal looks at the last character written
		{-1.5, "0", "-2"},                   // floored before the sign is taken
		{-0.5, "0", "-1"},                   // likewise
		{5, "#,##,0", ",,5"},                // irregular separators left of the digits
		{13, " #-0#", "- 3"},                // ... counted back from the end, as JavaScript's substr does
		{1234, "0a0", "1a2a3a4"},            // a letter is a grouping separator
		{12, "AW0", "1AW2"},                 // several, irregular
		{1234567, "#,##0", "1,234,567"},     // regular: repeated
		{1234567, "#,##,##0", "12,34,567"},  // regular at 2
		{1234567, "0'000.000", "1'234.567"}, // two characters: not repeated
		{1234, "𝟎", "ERR D3130"},            // a mathematical digit is no decimal digit to the reference
		{1234, "𝟎0", "1𝟎2𝟎3𝟎4"},             // ... but a separator, two UTF-16 units wide
		{11, "٠;o", "١١th"},                 // Arabic-Indic digits; the suffix looks for ASCII 1, 2, 3
		{1234, "٠٠٠٠٠٠", "٠٠١٢٣٤"},          // padded with the group's zero
		{1234, "5o5٠i", "ERR D3131"},        // two decimal groups, found before the letters matter
		{7.9, "x𝟎.,5'", "x𝟎.,7'"},
		{99999, ".'o0'𝟎 ", "9999.'o9'𝟎 "},
		{12, "0😀0", "1😀2"},
		{112, "0;o", "112th"},
		{1e21, "0", "1e+21"}, // the number as JavaScript writes it
		{123456789012345678, "0", "123456789012345680"},
		{1234, "abc", "ERR D3130"}, // no digit: a numbering sequence
		{1, "#", "ERR D3130"},
		{21, "w٠#٠#", "٢١"},
	}
	expr, err := Compile("$formatInteger(v, p)")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		got, err := expr.Eval(map[string]any{"v": c.value, "p": c.picture}, nil)
		var text string
		var je *Error
		switch {
		case errors.As(err, &je):
			text = "ERR " + je.Code
		case err != nil:
			t.Fatalf("%v %q: %v", c.value, c.picture, err)
		default:
			text, _ = got.(string)
		}
		if text != c.want {
			t.Errorf("$formatInteger(%v, %q) = %q, want %q", c.value, c.picture, text, c.want)
		}
	}
}

// TestFormatIntegerRomanBound: the reference writes one Roman numeral per recursive call and
// overflows Node's default stack from about 8,972,000 on (jsonata-js 2.2.2 on Node 20 writes
// 8,971,004 and fails on 8,972,004); Stepflow writes up to 8,971,999 and fails above with
// U1001, its stack-overflow code, rather than writing numerals AWS cannot.
func TestFormatIntegerRomanBound(t *testing.T) {
	t.Parallel()
	runReferenceCases(t, []referenceCase{
		{`$length($formatInteger(8971004, "I"))`, "", `8973`, ""},
		{`$substring($formatInteger(8971004, "i"), 8968)`, "", `"mmmiv"`, ""},
		{`$formatInteger(8972004, "I")`, "", "", "U1001"},
		{`$formatInteger(-9500000, "I")`, "", "", "U1001"},
		{`$formatInteger(10000001, "I")`, "", "", "U1001"},
		{`$formatInteger(123456789012, "I")`, "", "", "U1001"},
		{`$formatInteger(-3999, "I")`, "", `"-MMMCMXCIX"`, ""},
		{`$formatInteger(0, "I")`, "", `""`, ""},
	})
}

// TestDateTimeWidthAfterLastComma: the last comma of a date-time marker always starts its width
// modifier, as in the reference, so "[Y0,]" is the pattern "0" (no trailing separator) and a
// width that is no number sets nothing.
func TestDateTimeWidthAfterLastComma(t *testing.T) {
	t.Parallel()
	for picture, want := range map[string]string{ // the reference's answers for 2018-01-01T01:02:03.004Z
		"[Y0,]": "2018", "[Y0,000]": "2018", "[H01,]": "01", "[D,x]": "1", "[Y0,*-2]": "18", "[Dwo,]": "first",
	} {
		expr, err := Compile(`$fromMillis(1514768523004, p)`)
		if err != nil {
			t.Fatal(err)
		}
		got, err := expr.Eval(map[string]any{"p": picture}, nil)
		if err != nil || got != want {
			t.Errorf("$fromMillis(..., %q) = %v, %v; want %q", picture, got, err, want)
		}
	}
}
