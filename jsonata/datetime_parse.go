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
	const (
		year = iota
		month
		day
		hour
		minute
		second
		milli
		nparts
	)
	var parts [nparts]int
	var have [nparts]bool
	dayOfYear, haveDayOfYear := 0, false
	pm, havePeriod := false, false
	offset, haveOffset := 0, false
	for i, m := range fields {
		text := match[i+1]
		switch m.component {
		case 'X', 'x', 'W', 'w':
			return nil, newError("D3136", 0, "", nil)
		case 'F', 'C', 'E':
			continue
		case 'P':
			pm, havePeriod = strings.EqualFold(text, "pm"), true
			continue
		case 'Z', 'z':
			offset, haveOffset = parseOffsetText(text), true
			continue
		case 'f':
			digits := (text + "000")[:3]
			v, _ := strconv.Atoi(digits)
			parts[milli], have[milli] = v, true
			continue
		}
		v, err := markerValue(m, text)
		if err != nil {
			return nil, err
		}
		switch m.component {
		case 'Y':
			parts[year], have[year] = v, true
		case 'M':
			parts[month], have[month] = v, true
		case 'D':
			parts[day], have[day] = v, true
		case 'd':
			dayOfYear, haveDayOfYear = v, true
		case 'H', 'h':
			parts[hour], have[hour] = v, true
		case 'm':
			parts[minute], have[minute] = v, true
		case 's':
			parts[second], have[second] = v, true
		}
	}
	if haveDayOfYear {
		if have[month] || have[day] {
			return nil, newError("D3136", 0, "", nil)
		}
		have[month], have[day] = true, true
	}
	first, last := -1, -1
	for i, h := range have {
		if h {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return Undefined, nil
	}
	for i := first; i <= last; i++ {
		if !have[i] {
			return nil, newError("D3136", 0, "", nil)
		}
	}
	nowParts := [nparts]int{now.Year(), int(now.Month()), now.Day(), now.Hour(), now.Minute(), now.Second(), now.Nanosecond() / 1e6}
	minimum := [nparts]int{0, 1, 1, 0, 0, 0, 0}
	for i := 0; i < nparts; i++ {
		switch {
		case i < first:
			parts[i] = nowParts[i]
		case i > last:
			parts[i] = minimum[i]
		}
	}
	if havePeriod {
		if parts[hour] == 12 {
			parts[hour] = 0
		}
		if pm {
			parts[hour] += 12
		}
	}
	var t time.Time
	if haveDayOfYear {
		t = time.Date(parts[year], 1, 1, parts[hour], parts[minute], parts[second], parts[milli]*1e6, time.UTC).AddDate(0, 0, dayOfYear-1)
	} else {
		t = time.Date(parts[year], time.Month(parts[month]), parts[day], parts[hour], parts[minute], parts[second], parts[milli]*1e6, time.UTC)
	}
	ms := float64(t.UnixMilli())
	if haveOffset {
		ms -= float64(offset) * 60000
	}
	return ms, nil
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
	digits := countDigits(p)
	switch {
	case m.maxWidth > 0:
		return "[0-9]{1," + strconv.Itoa(m.maxWidth) + "}" + suffix
	case adjacent && digits > 0:
		return "[0-9]{" + strconv.Itoa(digits) + "}" + suffix
	}
	return "[0-9]+" + suffix
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
