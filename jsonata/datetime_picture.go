package jsonata

import (
	"math"
	"strings"
	"time"
)

// dateMarker is one [..] variable marker of an XPath date/time picture string.
type dateMarker struct {
	literal   string // for literal text
	isLiteral bool
	component byte

	// the marker as the reference implementation reads it (readAsReference)
	presentation1 string          // the primary modifier as written, or the component's default
	presentation2 string          // a last 'a', 't', 'c' or 'o' of a modifier longer than one character
	names         string          // "upper", "lower", "title" for N, n, Nn; "" for numbers
	widthMin      jsNumber        // the width modifier's minimum, read with parseInt
	widthMax      jsNumber        // and its maximum
	integer       *integerPicture // the integer picture of a numeric component or a time zone
	// digits is the reference's "n" of a year (and, in 2.0.6, of a month or day): the digits
	// a year keeps and that $toMillis reads in 2.0.6 (-1: all; NaN when the maximum width is
	// no number)
	digits float64
}

// jsNumber is a JavaScript number read from a picture, which may be absent or NaN.
type jsNumber struct {
	set   bool
	value float64
}

var defaultPresentation = map[byte]string{
	'Y': "1", 'M': "1", 'D': "1", 'd': "1", 'F': "n", 'W': "1", 'w': "1", 'X': "1", 'x': "1",
	'H': "1", 'h': "1", 'P': "n", 'm': "01", 's': "01", 'f': "1", 'Z': "01:01", 'z': "01:01",
	'C': "n", 'E': "n",
}

// parseDatePictureMarkers splits a picture into literals and markers, failing as the
// reference does on an unterminated marker (D3135), an unknown component (D3132) and a
// decimal pattern with digits of two groups (D3131), in the picture's order.
//
// compat206 reads markers as jsonata-js 2.0.6 does, where a month or day takes a maximum
// width, or a picture of two digit signs or more, as a year does.
func parseDatePictureMarkers(picture string, compat206 bool) (out []dateMarker, err error) {
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			out = append(out, dateMarker{isLiteral: true, literal: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(picture); i++ {
		c := picture[i]
		if c == '[' && i+1 < len(picture) && picture[i+1] == '[' {
			lit.WriteByte('[')
			i++
			continue
		}
		if c == ']' && i+1 < len(picture) && picture[i+1] == ']' {
			lit.WriteByte(']')
			i++
			continue
		}
		if c != '[' {
			lit.WriteByte(c)
			continue
		}
		end := strings.IndexByte(picture[i:], ']')
		if end < 0 {
			return nil, newError("D3135", 0, "", nil)
		}
		flush()
		body := strings.Map(func(r rune) rune {
			if r == ' ' || r == '\t' || r == '\n' || r == '\r' {
				return -1
			}
			return r
		}, picture[i+1:i+end])
		i += end
		if body == "" {
			return nil, newError("D3132", 0, "", body)
		}
		m := dateMarker{component: body[0]}
		def, ok := defaultPresentation[m.component]
		if !ok {
			return nil, newError("D3132", 0, "", string(m.component))
		}
		if err := m.readAsReference(body[1:], def, compat206); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	flush()
	return out, nil
}

// readAsReference reads a marker's modifiers the way the reference implementation does
// (XPath F&O 9.8.4): the last comma starts the width modifier, whose parts are read with
// JavaScript's parseInt (so "[Y,2-x]" has a maximum width of NaN); a modifier of one
// character is the primary modifier whatever it is ("[Do]" is the numbering sequence
// "o"); the minimum width raises a decimal picture's mandatory digits, ordinals included;
// and a year keeps as many digits as its maximum width, or as its picture has digit signs
// from two on. Digits of two decimal groups fail here (D3131), a sequence only when a number
// is formatted with it (D3130).
func (m *dateMarker) readAsReference(modifiers, def string, compat206 bool) error {
	presentation := modifiers
	if k := strings.LastIndexByte(modifiers, ','); k >= 0 {
		presentation = modifiers[:k]
		minText, maxText, hasDash := strings.Cut(modifiers[k+1:], "-")
		m.widthMin = parseWidthModifier(minText)
		if hasDash {
			m.widthMax = parseWidthModifier(maxText)
		}
	}
	switch units := utf16Len(presentation); {
	case units == 0:
		m.presentation1 = def
	case units > 1 && strings.IndexByte("atco", presentation[len(presentation)-1]) >= 0:
		m.presentation1 = presentation[:len(presentation)-1]
		m.presentation2 = presentation[len(presentation)-1:]
	default:
		m.presentation1 = presentation
	}
	m.digits = -1
	switch {
	case strings.HasPrefix(m.presentation1, "n"):
		m.names = "lower"
	case strings.HasPrefix(m.presentation1, "Nn"):
		m.names = "title"
	case strings.HasPrefix(m.presentation1, "N"):
		m.names = "upper"
	case strings.IndexByte("YMDdFWwXxHhmsf", m.component) >= 0:
		pattern := m.presentation1
		if m.presentation2 != "" {
			pattern += ";" + m.presentation2
		}
		ip, err := analyseIntegerPicture(pattern)
		if err != nil {
			return err
		}
		decimal := ip.kind == "decimal"
		if decimal && m.widthMin.set && float64(ip.mandatory) < m.widthMin.value {
			ip.mandatory = int(m.widthMin.value)
		}
		if m.component == 'Y' || compat206 && (m.component == 'M' || m.component == 'D') {
			if m.widthMax.set {
				m.digits = m.widthMax.value
				ip.mandatory = 0 // NaN: never pads
				if !math.IsNaN(m.widthMax.value) {
					ip.mandatory = int(m.widthMax.value)
				}
			} else if w := ip.mandatory + ip.optional; decimal && w >= 2 {
				m.digits = float64(w)
			}
		}
		m.integer = ip
	}
	if m.component == 'Z' || m.component == 'z' {
		ip, err := analyseIntegerPicture(m.presentation1)
		if err != nil {
			return err
		}
		m.integer = ip
	}
	return nil
}

// parseWidthModifier reads one part of a width modifier: "*" or nothing is absent, anything
// else is what JavaScript's parseInt makes of it (NaN when it starts with no digit).
func parseWidthModifier(s string) jsNumber {
	if s == "*" {
		return jsNumber{}
	}
	return jsNumber{set: true, value: jsParseInt(s)}
}

// jsParseInt is JavaScript's parseInt with no radix: leading white space, a sign, then
// decimal digits, or hexadecimal ones after "0x"; NaN when no digit follows.
func jsParseInt(s string) float64 {
	s = strings.TrimLeft(s, " \t\n\r\v\f")
	sign := 1.0
	if s != "" && (s[0] == '+' || s[0] == '-') {
		if s[0] == '-' {
			sign = -1
		}
		s = s[1:]
	}
	base := 10.0
	if len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		base, s = 16, s[2:]
	}
	v, digits := 0.0, 0
	for ; digits < len(s); digits++ {
		d := strings.IndexByte("0123456789abcdef", s[digits]|0x20)
		if d < 0 || float64(d) >= base || (base == 10 && s[digits] > '9') {
			break
		}
		v = v*base + float64(d)
	}
	if digits == 0 {
		return math.NaN()
	}
	return sign * v
}

var monthNames = []string{"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"}
var dayNames = []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}

func isoWeekday(t time.Time) int {
	wd := int(t.Weekday())
	if wd == 0 {
		return 7
	}
	return wd
}

// weekOfMonth numbers Monday-based weeks within the month that holds each week's
// Thursday, as JSONata's [w] and [x] components do.
func weekOfMonth(t time.Time) (week int, month time.Month) {
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	monday := day.AddDate(0, 0, 1-isoWeekday(day))
	thursday := monday.AddDate(0, 0, 3)
	first := time.Date(thursday.Year(), thursday.Month(), 1, 0, 0, 0, 0, time.UTC)
	week1 := first.AddDate(0, 0, 1-isoWeekday(first))
	if week1.AddDate(0, 0, 3).Month() != thursday.Month() {
		week1 = week1.AddDate(0, 0, 7)
	}
	return int(monday.Sub(week1).Hours()/24)/7 + 1, thursday.Month()
}

// parseTimezone reads $fromMillis's time zone as the reference does: JavaScript's parseInt
// of the text, whose hundreds are the hours (floored) and whose remainder the minutes, so
// "-0330" is -4 hours and -30 minutes. Text parseInt cannot read (the empty text too) is
// NaN, which makes every field of the date NaN.
func parseTimezone(tz any) (hours, minutes float64) {
	s, ok := tz.(string)
	if !ok {
		return 0, 0
	}
	v := jsParseInt(s)
	return math.Floor(v / 100), math.Mod(v, 100)
}

// maxDateMillis is the largest distance from the epoch a JavaScript Date can hold.
const maxDateMillis = 8.64e15

func formatDateTimePicture(ms float64, picture, timezone any, b *budget, compat206 bool) (any, error) {
	hours, minutes := parseTimezone(timezone)
	// the reference formats new Date(millis + offset): fractions are cut toward zero, and
	// past a JavaScript Date's range (or with a NaN offset) every field is NaN
	shifted := math.Trunc(ms + (60*hours+minutes)*60000)
	valid := !math.IsNaN(shifted) && math.Abs(shifted) <= maxDateMillis
	t := time.UnixMilli(0).UTC()
	if valid {
		t = time.UnixMilli(int64(shifted)).UTC()
	}
	pic, ok := picture.(string)
	if !ok {
		pic = "[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]"
	}
	markers, err := parseDatePictureMarkers(pic, compat206)
	if err != nil {
		return nil, err
	}
	var sb strings.Builder
	for _, m := range markers {
		if m.isLiteral {
			sb.WriteString(m.literal)
			continue
		}
		var s string
		if m.component == 'Z' || m.component == 'z' {
			s, err = formatOffset(hours, minutes, m, b)
		} else {
			s, err = formatDateComponent(t, valid, m, b)
		}
		if err != nil {
			return nil, err
		}
		sb.WriteString(s)
	}
	return sb.String(), nil
}

// formatDateComponent writes one marker other than a time zone as the reference's formatter
// does. When the date is not valid every numeric field is NaN, as in an invalid JavaScript
// Date.
func formatDateComponent(t time.Time, valid bool, m dateMarker, b *budget) (string, error) {
	switch m.component {
	case 'C', 'E':
		return "ISO", nil
	case 'P':
		s := "am"
		if valid && t.Hour() >= 12 {
			s = "pm"
		}
		if m.names == "upper" {
			s = strings.ToUpper(s)
		}
		return s, nil
	}
	var value int
	var names []string
	switch m.component {
	case 'Y':
		value = t.Year()
	case 'M':
		value, names = int(t.Month()), monthNames
	case 'D':
		value = t.Day()
	case 'd':
		value = t.YearDay()
	case 'F':
		value, names = isoWeekday(t), dayNames
	case 'W':
		_, value = t.ISOWeek()
	case 'X':
		value, _ = t.ISOWeek()
	case 'w':
		value, _ = weekOfMonth(t)
	case 'x':
		_, month := weekOfMonth(t)
		value, names = int(month), monthNames
	case 'H':
		value = t.Hour()
	case 'h':
		value = t.Hour() % 12
		if value == 0 {
			value = 12
		}
	case 'm':
		value = t.Minute()
	case 's':
		value = t.Second()
	case 'f':
		value = t.Nanosecond() / 1e6
	}
	if m.names != "" {
		if m.component == 'f' {
			// the reference formats fractional seconds with the integer picture that a
			// name modifier leaves undefined, and fails with a TypeError
			return "", &Error{Code: "D3137", Message: "Cannot read properties of undefined (reading 'primary')"}
		}
		if names == nil {
			return "", newError("D3133", 0, "", string(m.component))
		}
		if !valid {
			// the reference looks up the name of month NaN, gets undefined, and fails
			// when it changes its case or measures it
			switch {
			case m.names != "title":
				return "", &Error{Code: "D3137", Message: "Cannot read properties of undefined (reading 'to" + map[string]string{"upper": "Upper", "lower": "Lower"}[m.names] + "Case')"}
			case m.widthMax.set:
				return "", &Error{Code: "D3137", Message: "Cannot read properties of undefined (reading 'length')"}
			}
			return "undefined", nil
		}
		name := names[value-1]
		switch m.names {
		case "upper":
			name = strings.ToUpper(name)
		case "lower":
			name = strings.ToLower(name)
		}
		if w := m.widthMax; w.set && float64(len(name)) > w.value {
			name = name[:int(max(w.value, 0))]
		}
		return name, nil
	}
	v := float64(value)
	if !valid {
		v = math.NaN()
	}
	if m.component == 'Y' && m.digits != -1 {
		v = math.Mod(v, math.Pow(10, m.digits))
	}
	return formatAnalysedInteger(v, m.integer, b)
}

// formatOffset writes a time zone marker: a regular picture ("01:01") formats the offset
// as hhmm, one or two digits the hours (and ":mm" when there are minutes), three or four
// the offset as hhmm; more is D3134. The 't' modifier writes a zero offset as "Z".
func formatOffset(hours, minutes float64, m dateMarker, b *budget) (string, error) {
	offset := hours*100 + minutes
	ip := m.integer
	var out string
	var err error
	switch {
	case ip.kind == "decimal" && ip.regular > 0:
		out, err = formatAnalysedInteger(offset, ip, b)
	case ip.kind == "decimal" && (ip.mandatory == 1 || ip.mandatory == 2):
		out, err = formatAnalysedInteger(hours, ip, b)
		if minutes != 0 {
			mm, _ := formatIntegerPicture(minutes, "00")
			out += ":" + mm
		}
	case ip.kind == "decimal" && (ip.mandatory == 3 || ip.mandatory == 4):
		out, err = formatAnalysedInteger(offset, ip, b)
	default:
		return "", newError("D3134", 0, "", nil)
	}
	if err != nil {
		return "", err
	}
	if offset >= 0 {
		out = "+" + out
	}
	if m.component == 'z' {
		out = "GMT" + out
	}
	if offset == 0 && m.presentation2 == "t" {
		out = "Z"
	}
	return out, nil
}
