package jsonata

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// dateMarker is one [..] variable marker of an XPath date/time picture string.
type dateMarker struct {
	literal      string // for literal text
	isLiteral    bool
	component    byte
	presentation string // primary presentation modifier, defaulted per component
	ordinal      bool
	tModifier    bool // 't': print Z for a zero offset
	minWidth     int  // -1 when absent
	maxWidth     int  // -1 when absent
	explicit     bool // the presentation modifier was written in the picture
}

var defaultPresentation = map[byte]string{
	'Y': "1", 'M': "1", 'D': "1", 'd': "1", 'F': "n", 'W': "1", 'w': "1", 'X': "1", 'x': "1",
	'H': "1", 'h': "1", 'P': "n", 'm': "01", 's': "01", 'f': "1", 'Z': "01:01", 'z': "01:01",
	'C': "n", 'E': "n",
}

func parseDatePicture(picture string) ([]dateMarker, error) {
	var out []dateMarker
	var nameErr error
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
		m := dateMarker{component: body[0], minWidth: -1, maxWidth: -1}
		def, ok := defaultPresentation[m.component]
		if !ok {
			return nil, newError("D3132", 0, "", string(m.component))
		}
		rest := body[1:]
		// The last comma always starts the width modifier, as in the reference: "[Y0,]" is
		// the presentation "0" with no width, and a width that is no number sets nothing.
		if k := strings.LastIndexByte(rest, ','); k >= 0 {
			minText, maxText, _ := strings.Cut(rest[k+1:], "-")
			rest = rest[:k]
			if n, ok := leadingInt(minText); ok {
				m.minWidth = n
			}
			if n, ok := leadingInt(maxText); ok {
				m.maxWidth = n
			}
		}
		if rest != "" {
			m.explicit = true
			if len(rest) > 1 || rest == "o" || rest == "t" {
				switch rest[len(rest)-1] {
				case 'o':
					m.ordinal = true
					rest = rest[:len(rest)-1]
				case 't':
					m.tModifier = true
					rest = rest[:len(rest)-1]
				case 'c':
					rest = rest[:len(rest)-1]
				}
			}
		}
		if rest == "" {
			rest = def
		}
		m.presentation = rest
		if strings.HasPrefix(rest, "N") || strings.HasPrefix(rest, "n") {
			switch m.component {
			case 'M', 'F', 'x', 'P', 'C', 'E', 'Z', 'z':
			default:
				if nameErr == nil {
					nameErr = newError("D3133", 0, "", string(m.component))
				}
			}
		}
		out = append(out, m)
	}
	flush()
	// an unterminated marker is reported before a misplaced name modifier
	if nameErr != nil {
		return nil, nameErr
	}
	return out, nil
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

func parseTimezone(tz any) (*time.Location, int, error) {
	s, ok := tz.(string)
	if !ok || s == "" {
		return time.UTC, 0, nil
	}
	sign := 1
	digits := s
	switch s[0] {
	case '+':
		digits = s[1:]
	case '-':
		sign = -1
		digits = s[1:]
	}
	// lenient like JavaScript's parseInt: unreadable parts count as zero
	h, m := 0, 0
	if len(digits) >= 2 {
		h, _ = strconv.Atoi(digits[:len(digits)-2])
		m, _ = strconv.Atoi(digits[len(digits)-2:])
	}
	offset := sign * (h*60 + m)
	return time.FixedZone("", offset*60), offset, nil
}

func formatDateTimePicture(ms float64, picture, timezone any) (any, error) {
	loc, offset, err := parseTimezone(timezone)
	if err != nil {
		return nil, err
	}
	t := time.UnixMilli(int64(math.Floor(ms))).In(loc)
	pic, ok := picture.(string)
	if !ok {
		// a timezone without a picture: ISO 8601 in that zone
		s := t.Format("2006-01-02T15:04:05.000")
		if offset == 0 {
			return s + "Z", nil
		}
		return s + t.Format("-07:00"), nil
	}
	markers, err := parseDatePicture(pic)
	if err != nil {
		return nil, err
	}
	var sb strings.Builder
	for _, m := range markers {
		if m.isLiteral {
			sb.WriteString(m.literal)
			continue
		}
		s, err := formatDateComponent(t, offset, m)
		if err != nil {
			return nil, err
		}
		sb.WriteString(s)
	}
	return sb.String(), nil
}

func formatDateComponent(t time.Time, offset int, m dateMarker) (string, error) {
	switch m.component {
	case 'Z', 'z':
		return formatOffset(offset, m)
	case 'C', 'E':
		return "ISO", nil
	case 'P':
		s := "am"
		if t.Hour() >= 12 {
			s = "pm"
		}
		return applyNameCase(s, m.presentation), nil
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
	p := m.presentation
	if names != nil && (strings.HasPrefix(p, "N") || strings.HasPrefix(p, "n")) {
		name := names[value-1]
		if m.maxWidth > 0 && len(name) > m.maxWidth {
			name = name[:m.maxWidth]
		}
		return applyNameCase(name, p), nil
	}
	if m.component == 'Y' {
		n := -1
		if m.maxWidth > 0 {
			n = m.maxWidth
			// the width, not the picture's mandatory digits, decides the length
			p = "1"
		} else if !m.explicit && m.minWidth > 0 {
			n = m.minWidth
		} else if w := countDigits(p); w >= 2 {
			n = w
		}
		if n > 0 {
			value %= int(math.Pow10(n))
		}
	}
	if p == "" {
		p = "1"
	}
	if m.ordinal {
		p += ";o"
	}
	s, err := formatIntegerPicture(float64(value), p)
	if err != nil {
		return "", err
	}
	if m.minWidth > 0 && isDecimalPicture(m.presentation) {
		for len([]rune(s)) < m.minWidth {
			s = "0" + s
		}
	}
	return s, nil
}

func countDigits(p string) int {
	n := 0
	for _, r := range p {
		if r == '#' || (r >= '0' && r <= '9') {
			n++
		}
	}
	return n
}

func isDecimalPicture(p string) bool {
	for _, r := range p {
		if r >= '0' && r <= '9' {
			return true
		}
	}
	return false
}

func applyNameCase(s, presentation string) string {
	switch {
	case strings.HasPrefix(presentation, "Nn"):
		return s
	case strings.HasPrefix(presentation, "N"):
		return strings.ToUpper(s)
	}
	return strings.ToLower(s)
}

func formatOffset(offset int, m dateMarker) (string, error) {
	p := m.presentation
	if m.component == 'z' {
		p = "01:01"
	}
	if offset == 0 && m.tModifier {
		return "Z", nil
	}
	sign := "+"
	if offset < 0 {
		sign = "-"
		offset = -offset
	}
	h, mi := offset/60, offset%60
	digits := countDigits(p)
	if digits > 4 {
		return "", newError("D3134", 0, "", nil)
	}
	var out string
	if sep := strings.IndexFunc(p, func(r rune) bool { return !(r >= '0' && r <= '9') }); sep >= 0 {
		hw := countDigits(p[:sep])
		out = padInt(h, hw) + p[sep:sep+1] + padInt(mi, 2)
	} else if digits <= 2 {
		out = padInt(h, digits)
		if mi != 0 {
			out += ":" + padInt(mi, 2)
		}
	} else {
		out = padInt(h, digits-2) + padInt(mi, 2)
	}
	if m.component == 'z' {
		return "GMT" + sign + out, nil
	}
	return sign + out, nil
}

func padInt(n, width int) string {
	s := strconv.Itoa(n)
	for len(s) < width {
		s = "0" + s
	}
	return s
}

// leadingInt reads a width as JavaScript's parseInt does: the digits it starts with.
func leadingInt(s string) (int, bool) {
	end := 0
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	if end == 0 {
		return 0, false
	}
	n, err := strconv.Atoi(s[:end])
	return n, err == nil
}
