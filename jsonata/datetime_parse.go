package jsonata

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// componentMatcher reads one part of a date/time picture from text: its regular expression
// and, for a marker, how the captured text becomes a number (defined false when the
// reference's reading gives undefined, as for a month name it does not know).
type componentMatcher struct {
	regex     string
	component byte
	parse     func(text string) (value float64, defined bool)
}

// parseDateTimePicture is $toMillis with a picture, as jsonata-js reads it: each part of
// the picture becomes a group of one case-insensitive regular expression, each group's
// text becomes a component, and the components are assembled into an instant.
//
// compat206 reads as jsonata-js 2.0.6 does: a year, month or day with a maximum width, or
// with two digit signs or more, reads that many digits (fewer by its optional ones)
// wherever it stands, no other number marker's width is bounded, and fractional seconds
// are a whole number of milliseconds.
func parseDateTimePicture(s, picture string, now time.Time, compat206 bool) (any, error) {
	markers, err := parseDatePictureMarkers(picture, compat206)
	if err != nil {
		return nil, err
	}
	// a number marker directly after another reads exactly its mandatory digits (2.2)
	parseWidth := make([]int, len(markers))
	for i := 1; i < len(markers) && !compat206; i++ {
		m, prev := markers[i], markers[i-1]
		if m.integer != nil && m.names == "" && strings.IndexByte("YMDdFWwXxHhmsf", m.component) >= 0 &&
			!prev.isLiteral && prev.integer != nil && prev.integer.kind == "decimal" {
			parseWidth[i-1] = prev.integer.mandatory
		}
	}
	matchers := make([]componentMatcher, 0, len(markers))
	for i, m := range markers {
		cm, err := dateComponentMatcher(m, parseWidth[i], compat206)
		if err != nil {
			return nil, err
		}
		matchers = append(matchers, cm)
	}
	var sb strings.Builder
	sb.WriteString("(?i)^")
	for _, cm := range matchers {
		sb.WriteString("(" + cm.regex + ")")
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
	comps := map[byte]float64{} // the defined components; NaN is defined
	parsed := false
	for i, cm := range matchers {
		if cm.parse == nil {
			continue
		}
		parsed = true
		if v, ok := cm.parse(match[i+1]); ok {
			comps[cm.component] = v
		} else {
			delete(comps, cm.component)
		}
	}
	if !parsed {
		return Undefined, nil
	}
	return assembleDateTime(comps, now)
}

// dateComponentMatcher is the reference's generateRegex for one part of a picture.
func dateComponentMatcher(m dateMarker, parseWidth int, compat206 bool) (componentMatcher, error) {
	if m.isLiteral {
		return componentMatcher{regex: regexp.QuoteMeta(m.literal)}, nil
	}
	cm := componentMatcher{component: m.component}
	switch {
	case m.component == 'Z' || m.component == 'z':
		var separator string
		if ip := m.integer; ip.kind == "decimal" && ip.regular > 0 {
			separator = string(ip.seps[0].char)
		}
		if m.component == 'z' {
			cm.regex = "GMT"
		}
		cm.regex += "[-+][0-9]+"
		if separator != "" {
			cm.regex += regexp.QuoteMeta(separator) + "[0-9]+"
		}
		cm.parse = func(text string) (float64, bool) {
			if m.component == 'z' {
				text = text[3:]
			}
			hours, minutes := 0.0, 0.0
			if separator != "" {
				at := strings.Index(text, separator)
				hours, minutes = jsParseInt(text[:at]), jsParseInt(text[at+len(separator):])
			} else if len(text)-1 <= 2 {
				hours = jsParseInt(text)
			} else {
				hours, minutes = jsParseInt(text[:3]), jsParseInt(text[3:])
			}
			// "-05:30" is -5 hours and +30 minutes, as in the reference
			return hours*60 + minutes, true
		}
	case m.component == 'f' && !compat206:
		cm.regex = "[0-9]+"
		cm.parse = func(text string) (float64, bool) {
			v, _ := strconv.ParseFloat("0."+text[:min(3, len(text))], 64)
			return v * 1000, true
		}
	case m.integer != nil:
		if compat206 && m.integer.kind == "decimal" && m.digits > 0 {
			// 2.0.6's exact digits: {n}, or {n-optional,n} when the picture has '#' signs
			cm, err := integerMatcher(m.integer, 0, m.component)
			count := strconv.Itoa(int(m.digits))
			if m.integer.optional > 0 {
				count = strconv.Itoa(int(m.digits)-m.integer.optional) + "," + count
			}
			cm.regex = "[0-9]{" + count + "}" + strings.TrimPrefix(cm.regex, "[0-9]+")
			return cm, err
		}
		return integerMatcher(m.integer, parseWidth, m.component)
	default:
		// a name: looked up exactly as the reference writes it in title case (cut to the
		// maximum width, if any), so "january" or "JANUARY" is no month, and the component
		// then counts as not given
		cm.regex = "[a-zA-Z]+"
		var lookup map[string]float64
		cut := func(name string) string {
			if w := m.widthMax; w.set && !math.IsNaN(w.value) && w.value != 0 {
				return name[:int(min(max(w.value, 0), float64(len(name))))]
			}
			return name
		}
		switch m.component {
		case 'M', 'x':
			lookup = map[string]float64{}
			for i, name := range monthNames {
				lookup[cut(name)] = float64(i + 1)
			}
		case 'F':
			lookup = map[string]float64{}
			for i, name := range dayNames {
				lookup[cut(name)] = float64(i + 1)
			}
		case 'P':
			lookup = map[string]float64{"am": 0, "AM": 0, "pm": 1, "PM": 1}
		default:
			return cm, newError("D3133", 0, "", string(m.component))
		}
		cm.parse = func(text string) (float64, bool) {
			v, ok := lookup[text]
			return v, ok
		}
	}
	return cm, nil
}

// integerMatcher reads a number written with an integer picture, as the reference does.
func integerMatcher(p *integerPicture, parseWidth int, component byte) (componentMatcher, error) {
	cm := componentMatcher{component: component}
	switch p.kind {
	case "letters":
		base := 'a'
		cm.regex = "[a-z]+"
		if p.upper {
			base, cm.regex = 'A', "[A-Z]+"
		}
		cm.parse = func(text string) (float64, bool) {
			// letters of the other case count from the picture's 'a' or 'A', as in the reference
			return lettersToNumber(text, base), true
		}
	case "roman":
		cm.regex = "[mdclxvi]+"
		if p.upper {
			cm.regex = "[MDCLXVI]+"
		}
		cm.parse = func(text string) (float64, bool) {
			if !p.upper {
				text = strings.ToUpper(text)
			}
			// an upper-case picture reads lower-case numerals as NaN, as the reference does
			return romanToNumber(text), true
		}
	case "words":
		cm.regex = numberWordsRegex
		cm.parse = func(text string) (float64, bool) { return wordsToNumber(strings.ToLower(text)), true }
	case "sequence":
		return cm, newError("D3130", 0, "", primaryOf(p.token))
	default:
		cm.regex = "[0-9]+"
		if parseWidth > 0 {
			cm.regex = "[0-9]{" + strconv.Itoa(parseWidth) + "}"
		}
		if p.ordinal {
			cm.regex += "(?:th|st|nd|rd)"
		}
		cm.parse = func(text string) (float64, bool) {
			if p.ordinal {
				text = text[:len(text)-2]
			}
			return jsParseInt(text), true
		}
	}
	return cm, nil
}

// romanToNumber is the reference's romanToDecimal: a numeral smaller than the largest to its
// right is subtracted; a character that is no upper-case numeral makes the result NaN.
func romanToNumber(s string) float64 {
	values := map[byte]float64{'M': 1000, 'D': 500, 'C': 100, 'L': 50, 'X': 10, 'V': 5, 'I': 1}
	total, largest := 0.0, 1.0
	for i := len(s) - 1; i >= 0; i-- {
		v, ok := values[s[i]]
		switch {
		case !ok:
			return math.NaN()
		case v < largest:
			total -= v
		default:
			largest = v
			total += v
		}
	}
	return total
}

// numberWords are the words the reference reads numbers from, in its order, with their
// values; numberWordsRegex matches a run of them as the reference's regular expression does.
var numberWords, numberWordsRegex = func() ([]string, string) {
	var words []string
	for _, w := range smallWords {
		words = append(words, w)
	}
	for _, w := range smallWords {
		words = append(words, ordinalWord(w))
	}
	for _, w := range append(tensWords[2:], "hundred") {
		words = append(words, w, w[:len(w)-1]+"ieth")
	}
	words = append(words, "hundredth")
	for _, s := range []string{"thousand", "million", "billion", "trillion"} {
		words = append(words, s, s+"th")
	}
	return words, "(?:" + strings.Join(append(words[:len(words):len(words)], "and", `[\-, ]`), "|") + ")+"
}()

var numberWordValues = func() map[string]float64 {
	values := map[string]float64{}
	for i, w := range smallWords {
		values[w] = float64(i)
		values[ordinalWord(w)] = float64(i)
	}
	for i, w := range append(tensWords[2:], "hundred") {
		values[w] = float64((i + 2) * 10)
		values[w[:len(w)-1]+"ieth"] = float64((i + 2) * 10)
	}
	values["hundredth"] = 100
	for i, s := range []string{"thousand", "million", "billion", "trillion"} {
		values[s] = math.Pow(10, float64(i+1)*3)
		values[s+"th"] = values[s]
	}
	return values
}()

var numberWordSplit = regexp.MustCompile(`,\s|\sand\s|[\s\\-]`)

// wordsToNumber is the reference's reading of a number in words: each word below a hundred
// is added to the current group (a new group starts after a thousand or more), a larger one
// multiplies the current group, and the groups are summed. An unknown word makes it NaN.
func wordsToNumber(text string) float64 {
	groups := []float64{0}
	for _, part := range numberWordSplit.Split(text, -1) {
		value, ok := numberWordValues[part]
		if !ok {
			value = math.NaN()
		}
		top := groups[len(groups)-1]
		groups = groups[:len(groups)-1]
		if value < 100 {
			if top >= 1000 {
				groups = append(groups, top)
				top = 0
			}
			groups = append(groups, top+value)
		} else {
			groups = append(groups, top*value)
		}
	}
	sum := 0.0
	for _, g := range groups {
		sum += g
	}
	return sum
}

// assembleDateTime turns parsed components into epoch millis as jsonata-js does. The
// components that are given and not zero (the reference tests them for truth) choose one
// date form ({Y,M,D}, {Y,d}, or the week-based ones, which cannot be parsed: D3136) and one
// time form ({H,m,s,f} or {P,h,m,s,f}). Within the chosen forms, components more
// significant than any given come from now, less significant ones take their minimum, and
// a gap in between is D3136. Components outside the chosen forms are ignored.
func assembleDateTime(comps map[byte]float64, now time.Time) (any, error) {
	mask := func(letters string) int {
		m := 0
		for i := 0; i < len(letters); i++ {
			m <<= 1
			if v, ok := comps[letters[i]]; ok && v != 0 && !math.IsNaN(v) {
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
	isXxwF := fits(dateXxwF, dm)
	isXWF := !isXxwF && fits(dateXWF, dm)
	tm := mask("PHhmsf")
	is12h := !fits(timeHmsf, tm) && fits(timePhms, tm)
	order := "YMD"
	switch {
	case isYd:
		order = "YD"
	case isXxwF:
		order = "XxwF"
	case isXWF:
		order = "XWF"
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
		default:
			comps[c] = 0 // week-based fields: refused below
		}
	}
	month := 0.0
	if comps['M'] > 0 {
		month = comps['M'] - 1
	}
	day := comps['D']
	if isYd {
		// only the month and day are taken from the day of the year: a day past the
		// year's end wraps into the same year, as in jsonata-js
		firstJan := jsDateUTC(comps['Y'], 0, 1, 0, 0, 0, 0)
		derived := firstJan + (comps['d']-1)*86400000
		if math.IsNaN(derived) || math.Abs(derived) > maxDateMillis {
			month, day = math.NaN(), math.NaN()
		} else {
			t := time.UnixMilli(int64(derived)).UTC()
			month, day = float64(t.Month()-1), float64(t.Day())
		}
	}
	if isXxwF || isXWF {
		return nil, newError("D3136", 0, "", nil)
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
	ms := jsDateUTC(comps['Y'], month, day, hour, comps['m'], comps['s'], comps['f'])
	if z := comps['Z']; z != 0 && !math.IsNaN(z) {
		ms -= z * 60000
	} else if z := comps['z']; z != 0 && !math.IsNaN(z) {
		ms -= z * 60000
	}
	return ms, nil
}

// jsDateUTC is JavaScript's Date.UTC: each field is cut to an integer and may overflow into
// the next larger one, a year from 0 to 99 means 1900 to 1999, and a result that is not
// finite or is beyond a Date's range is NaN.
func jsDateUTC(year, month, day, hour, minute, second, milli float64) float64 {
	for _, v := range []float64{year, month, day, hour, minute, second, milli} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return math.NaN()
		}
	}
	year, month, day = math.Trunc(year), math.Trunc(month), math.Trunc(day)
	if year >= 0 && year <= 99 {
		year += 1900
	}
	year += math.Floor(month / 12)
	month = math.Mod(month, 12)
	if month < 0 {
		month += 12
	}
	if math.Abs(year) > 400000 {
		return math.NaN()
	}
	days := float64(time.Date(int(year), time.Month(month+1), 1, 0, 0, 0, 0, time.UTC).Unix()/86400) + day - 1
	t := days*86400000 + math.Trunc(hour)*3600000 + math.Trunc(minute)*60000 + math.Trunc(second)*1000 + math.Trunc(milli)
	if math.Abs(t) > maxDateMillis {
		return math.NaN()
	}
	return t
}
