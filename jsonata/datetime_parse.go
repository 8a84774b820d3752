package jsonata

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// parseDateTimePicture is $toMillis with a picture: the picture becomes a regular
// expression with one group per marker, and the captured components are assembled into
// an instant. Components more significant than any given come from now; less significant
// ones take their minimum. A gap in between cannot be filled and is error D3136.
func parseDateTimePicture(s, picture string, now time.Time) (any, error) {
	markers, err := parseDatePicture(picture)
	if err != nil {
		return nil, err
	}
	var sb strings.Builder
	sb.WriteString("(?i)^")
	var fields []dateMarker
	for i, m := range markers {
		if m.isLiteral {
			sb.WriteString(regexp.QuoteMeta(m.literal))
			continue
		}
		if err := checkParsable(m); err != nil {
			return nil, err
		}
		adjacent := i+1 < len(markers) && !markers[i+1].isLiteral
		sb.WriteString("(" + markerPattern(m, adjacent) + ")")
		fields = append(fields, m)
	}
	sb.WriteString("$")
	re, err := regexp.Compile(sb.String())
	if err != nil {
		return nil, &Error{Code: "D3136", Message: "cannot parse with this picture: " + err.Error()}
	}
	match := re.FindStringSubmatch(s)
	if match == nil {
		return Undefined, nil
	}
	// the captured components by marker letter; absent ones are missing from the map
	comps := map[byte]float64{}
	for i, m := range fields {
		text := match[i+1]
		switch m.component {
		case 'P':
			comps['P'] = 0
			if strings.EqualFold(text, "pm") {
				comps['P'] = 1
			}
			continue
		case 'Z', 'z':
			comps[m.component] = float64(parseOffsetText(text))
			continue
		case 'f':
			digits := (text + "000")[:3]
			v, _ := strconv.Atoi(digits)
			comps['f'] = float64(v)
			continue
		}
		v, err := markerValue(m, text)
		if err != nil {
			return nil, err
		}
		comps[m.component] = float64(v)
	}
	if len(comps) == 0 {
		return Undefined, nil
	}
	return assembleDateTime(comps, now)
}

// assembleDateTime turns parsed components into epoch millis as jsonata-js does. The
// components present choose one date form ({Y,M,D}, {Y,d}, or the week-based ones, which
// cannot be parsed: D3136) and one time form ({H,m,s,f} or {P,h,m,s,f}). Within the
// chosen forms, components more significant than any given come from now, less
// significant ones take their minimum, and a gap in between is D3136. Components outside
// the chosen forms (a day of the week, say) are ignored.
func assembleDateTime(comps map[byte]float64, now time.Time) (any, error) {
	mask := func(letters string) int {
		m := 0
		for i := 0; i < len(letters); i++ {
			m <<= 1
			if _, ok := comps[letters[i]]; ok {
				m++
			}
		}
		return m
	}
	// a form fits when no component outside it is present and at least one inside is
	fits := func(form, m int) bool { return ^form&m == 0 && form&m != 0 }
	const (
		dateYMD  = 0b10100001 // over YXMxWwdD
		dateYd   = 0b10000010
		dateXxwF = 0b01010100
		dateXWF  = 0b01001000
		timeHmsf = 0b010111 // over PHhmsf
		timePhms = 0b101111
	)
	dm := mask("YXMxWwdD")
	isYMD := fits(dateYMD, dm)
	isYd := !isYMD && fits(dateYd, dm)
	if fits(dateXxwF, dm) || fits(dateXWF, dm) {
		return nil, newError("D3136", 0, "", nil)
	}
	tm := mask("PHhmsf")
	is12h := !fits(timeHmsf, tm) && fits(timePhms, tm)
	order := "YMD"
	if isYd {
		order = "YD"
	}
	if is12h {
		order += "Phmsf"
	} else {
		order += "Hmsf"
	}
	started, ended := false, false
	for i := 0; i < len(order); i++ {
		c := order[i]
		if _, ok := comps[c]; ok {
			started = true
			if ended {
				return nil, newError("D3136", 0, "", nil)
			}
			continue
		}
		if started {
			comps[c] = 0
			if c == 'M' || c == 'D' {
				comps[c] = 1
			}
			ended = true
			continue
		}
		switch c {
		case 'Y':
			comps[c] = float64(now.Year())
		case 'M':
			comps[c] = float64(now.Month())
		case 'D':
			comps[c] = float64(now.Day())
		case 'H':
			comps[c] = float64(now.Hour())
		case 'h':
			comps[c] = float64((now.Hour()+11)%12 + 1)
		case 'm':
			comps[c] = float64(now.Minute())
		case 's':
			comps[c] = float64(now.Second())
		case 'f':
			comps[c] = float64(now.Nanosecond() / 1e6)
		case 'P':
			// jsonata-js takes "am" or "pm" from now here, which never equals 1 below:
			// an hour on a 12-hour clock with no marker is read as am.
			comps[c] = 0
		}
	}
	year, month, day := comps['Y'], comps['M']-1, comps['D']
	if month < 0 {
		month = 0
	}
	if isYd {
		// only the month and day are taken from the day of the year: a day past the
		// year's end wraps into the same year, as in jsonata-js
		firstJan := utcMillis(year, 0, 1, 0, 0, 0, 0)
		derived := time.UnixMilli(int64(firstJan + (comps['d']-1)*86400000)).UTC()
		month, day = float64(derived.Month()-1), float64(derived.Day())
	}
	hour := comps['H']
	if is12h {
		hour = comps['h']
		if hour == 12 {
			hour = 0
		}
		if comps['P'] == 1 {
			hour += 12
		}
	}
	ms := utcMillis(year, month, day, hour, comps['m'], comps['s'], comps['f'])
	if z := comps['Z']; z != 0 {
		ms -= z * 60000
	} else if z := comps['z']; z != 0 {
		ms -= z * 60000
	}
	return ms, nil
}

// utcMillis is JavaScript's Date.UTC: fields may overflow into the next larger ones, and
// a year from 0 to 99 means 1900 to 1999.
func utcMillis(year, month, day, hour, minute, second, milli float64) float64 {
	if year >= 0 && year <= 99 {
		year += 1900
	}
	t := time.Date(int(year), time.Month(int(month)+1), int(day), int(hour), int(minute), int(second), int(milli)*1e6, time.UTC)
	return float64(t.UnixMilli())
}

func markerPattern(m dateMarker, adjacent bool) string {
	p := m.presentation
	switch m.component {
	case 'P':
		return "[ap]m"
	case 'Z':
		return `Z|[+-][0-9]{1,2}(?::?[0-9]{2})?`
	case 'z':
		return `GMT[+-][0-9]{1,2}(?::?[0-9]{2})?`
	case 'f':
		return "[0-9]+"
	}
	switch {
	case strings.HasPrefix(p, "N") || strings.HasPrefix(p, "n"):
		return "[a-z]+"
	case p == "I" || p == "i":
		return "[ivxlcdm]+"
	case p == "A" || p == "a":
		return "[a-z]+"
	case p == "W" || p == "w" || p == "Ww":
		return "[a-z]+(?:[ ,-]+[a-z]+)*?"
	}
	suffix := ""
	if m.ordinal {
		suffix = "(?:st|nd|rd|th)?"
	}
	// a marker followed directly by another reads exactly its minimum width: the
	// mandatory digits, raised to the width modifier's minimum (or, for a year, set
	// to its maximum)
	digits := countDigits(p)
	if m.minWidth > digits {
		digits = m.minWidth
	}
	if m.component == 'Y' && m.maxWidth > 0 {
		digits = m.maxWidth
	}
	switch {
	case adjacent && digits > 0:
		return "[0-9]{" + strconv.Itoa(digits) + "}" + suffix
	}
	return "[0-9]+" + suffix
}

// checkParsable rejects, as jsonata-js does before reading any text, the markers it cannot
// parse: names of anything but months, days and am/pm (D3133), and integer pictures that
// are neither decimal, letters, roman numerals nor words (D3130).
func checkParsable(m dateMarker) error {
	p := m.presentation
	switch m.component {
	case 'P', 'Z', 'z', 'f':
		return nil
	}
	if strings.HasPrefix(p, "N") || strings.HasPrefix(p, "n") {
		switch m.component {
		case 'M', 'x', 'F':
			return nil
		}
		return newError("D3133", 0, "", string(m.component))
	}
	ip, err := analyseIntegerPicture(p)
	if err != nil {
		if e, ok := err.(*Error); ok {
			e.Token = ""
		}
		return err
	}
	if ip.kind == "sequence" {
		return newError("D3130", 0, "", primaryOf(p))
	}
	return nil
}

func markerValue(m dateMarker, text string) (int, error) {
	p := m.presentation
	if strings.HasPrefix(p, "N") || strings.HasPrefix(p, "n") {
		if m.component == 'M' {
			for i, name := range monthNames {
				if len(text) >= 3 && strings.HasPrefix(strings.ToLower(name), strings.ToLower(text)) {
					return i + 1, nil
				}
			}
		}
		if m.component == 'F' {
			for i, name := range dayNames {
				if len(text) >= 2 && strings.HasPrefix(strings.ToLower(name), strings.ToLower(text)) {
					return i + 1, nil
				}
			}
		}
		return 0, newError("D3136", 0, "", nil)
	}
	pic := p
	switch p {
	case "I", "i", "A", "a", "W", "w", "Ww":
		text = strings.ToLower(text)
		if p == "I" || p == "i" {
			text = strings.ToUpper(text)
		}
	default:
		pic = "1"
		if m.ordinal {
			pic = "1;o"
		}
	}
	v, err := parseIntegerPicture(text, pic)
	if err != nil {
		return 0, err
	}
	f, _ := v.(float64)
	return int(math.Round(f)), nil
}

func parseOffsetText(text string) int {
	t := strings.TrimPrefix(strings.ToUpper(text), "GMT")
	if t == "Z" || t == "" {
		return 0
	}
	sign := 1
	if t[0] == '-' {
		sign = -1
	}
	t = strings.ReplaceAll(t[1:], ":", "")
	h, m := 0, 0
	switch {
	case len(t) <= 2:
		h, _ = strconv.Atoi(t)
	default:
		h, _ = strconv.Atoi(t[:len(t)-2])
		m, _ = strconv.Atoi(t[len(t)-2:])
	}
	return sign * (h*60 + m)
}
