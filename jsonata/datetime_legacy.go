package jsonata

import (
	"math"
	"time"
)

// $toMillis without a picture hands text that passes jsonata-js's ISO 8601 check to
// JavaScript's Date.parse. V8 reads it first as an ECMAScript date-time string; when that
// reading stops before a time part (a month or day out of range, or a fraction or time
// zone straight after the date, as in "2018.5"), V8 carries on from the token where it
// stopped with its legacy reader, keeping the date fields read so far. This file follows
// that legacy reader for the text the ISO check lets through, so that "2018.5" is 1 May
// 2018 as in jsonata-js, and the results are those of a process whose local time zone is
// UTC (as AWS's are).

// dateToken is one token of V8's date scanner: a number (its value from at most nine
// significant digits, and its length in characters), a symbol, the keywords T and Z,
// or the end of the text.
type dateToken struct {
	kind   byte // 'n' number, 's' symbol, 'T', 'Z', 0 end
	value  int
	length int
	symbol byte
}

func scanDateTokens(s string) []dateToken {
	var out []dateToken
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			start := i
			for i < len(s) && s[i] == '0' {
				i++
			}
			value, significant := 0, 0
			for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
				if significant < 9 {
					value = value*10 + int(s[i]-'0')
				}
				significant++
			}
			out = append(out, dateToken{kind: 'n', value: value, length: i - start})
		case c == 'T' || c == 'Z':
			out = append(out, dateToken{kind: c})
			i++
		default:
			out = append(out, dateToken{kind: 's', symbol: c})
			i++
		}
	}
	return append(out, dateToken{})
}

// legacyDateStart is where V8's ECMAScript reading of a date with no time leaves off: the
// date fields read (the year, then a month and a day while they are in range) and the index
// of the token to go on from. es5 is true when the reading reaches the end or a time part,
// which isoToMillis itself follows.
func legacyDateStart(tokens []dateToken) (day []int, next int, es5 bool) {
	day = []int{tokens[0].value}
	i := 1
	field := func(lo, hi int) bool {
		t := tokens[i]
		return t.kind == 'n' && t.length == 2 && t.value >= lo && t.value <= hi
	}
	if tokens[i].kind == 's' && tokens[i].symbol == '-' {
		i++
		if !field(1, 12) {
			return day, i, false
		}
		day = append(day, tokens[i].value)
		i++
		if tokens[i].kind == 's' && tokens[i].symbol == '-' {
			i++
			if !field(1, 31) {
				return day, i, false
			}
			day = append(day, tokens[i].value)
			i++
		}
	}
	if tokens[i].kind == 'T' || tokens[i].kind == 0 {
		return day, i, true
	}
	return day, i, false
}

// legacyDateMillis runs V8's legacy date reader from token next with the date fields day
// already read, and returns the instant or NaN.
func legacyDateMillis(tokens []dateToken, day []int, next int) float64 {
	nan := math.NaN()
	const none = -1
	var clock []int // hour, minute, second, millisecond as read
	tzSign, tzHour, tzMinute := none, none, none
	hasReadNumber := len(day) > 0
	i := next
	peek := func() dateToken { return tokens[i+1] }
	skip := func(symbol byte) bool {
		if t := tokens[i+1]; t.kind == 's' && t.symbol == symbol {
			i++
			return true
		}
		return false
	}
	addClock := func(n int) bool {
		if len(clock) >= 4 {
			return false
		}
		clock = append(clock, n)
		return true
	}
	clockExpects := func(n int) bool {
		switch len(clock) {
		case 1, 2:
			return n >= 0 && n <= 59
		case 3:
			return n >= 0 && n <= 999
		}
		return false
	}
	finishClock := func(n int) bool {
		if !addClock(n) {
			return false
		}
		for len(clock) < 4 {
			clock = append(clock, 0)
		}
		return true
	}
	addDay := func(n int) bool {
		if len(day) >= 3 {
			return false
		}
		day = append(day, n)
		return true
	}
	isUTC := func() bool { return tzHour == 0 && tzMinute == 0 }
	for ; tokens[i].kind != 0; i++ {
		t := tokens[i]
		switch {
		case t.kind == 'n':
			hasReadNumber = true
			n := t.value
			switch {
			case skip(':'):
				if skip(':') {
					if len(clock) > 0 {
						return nan
					}
					addClock(n)
					addClock(0)
				} else {
					if !addClock(n) {
						return nan
					}
					if p := peek(); p.kind == 's' && p.symbol == '.' {
						i++
					}
				}
			case skip('.') && clockExpects(n):
				addClock(n)
				if peek().kind != 'n' {
					return nan
				}
				i++
				if !finishClock(legacyMilliseconds(tokens[i])) {
					return nan
				}
			case tzHour != none && tzMinute == none && n >= 0 && n <= 59:
				tzMinute = n
			case clockExpects(n):
				if !finishClock(n) {
					return nan
				}
				if p := peek(); p.kind != 0 && p.kind != 'Z' && !(p.kind == 's' && (p.symbol == '+' || p.symbol == '-')) {
					return nan
				}
			default:
				if !addDay(n) {
					return nan
				}
				skip('-')
			}
		case t.kind == 'Z' && hasReadNumber:
			tzSign, tzHour, tzMinute = 1, 0, 0
		case t.kind == 'T' || t.kind == 'Z':
			// a word that is not understood after a number, or joined to one
			if hasReadNumber || peek().kind == 'n' {
				return nan
			}
		case t.kind == 's' && (t.symbol == '+' || t.symbol == '-') && (isUTC() || len(clock) > 0):
			tzSign = 1
			if t.symbol == '-' {
				tzSign = -1
			}
			n, length := 0, 0
			if peek().kind == 'n' {
				i++
				n, length = tokens[i].value, tokens[i].length
			}
			hasReadNumber = true
			switch p := peek(); {
			case p.kind == 's' && p.symbol == ':':
				tzHour, tzMinute = n, none
			case length == 1 || length == 2:
				tzHour, tzMinute = n, 0
			case length == 3 || length == 4:
				tzHour, tzMinute = n/100, n%100
			default:
				return nan
			}
		case t.kind == 's' && (t.symbol == '+' || t.symbol == '-' || t.symbol == ')') && hasReadNumber:
			return nan
		}
	}

	// the date: year, month, day, or month, day, year when the first number can be a day
	if len(day) < 1 {
		return nan
	}
	for len(day) < 3 {
		day = append(day, 1)
	}
	year, month, dayOfMonth := day[0], day[1], day[2]
	if day[0] >= 1 && day[0] <= 31 {
		month, dayOfMonth, year = day[0], day[1], day[2]
	}
	switch {
	case year >= 0 && year <= 49:
		year += 2000
	case year >= 50 && year <= 99:
		year += 1900
	}
	if month < 1 || month > 12 || dayOfMonth < 1 || dayOfMonth > 31 {
		return nan
	}

	for len(clock) < 4 {
		clock = append(clock, 0)
	}
	hour, minute, second, milli := clock[0], clock[1], clock[2], clock[3]
	if hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || milli < 0 || milli > 999 {
		if hour != 24 || minute != 0 || second != 0 || milli != 0 {
			return nan
		}
	}
	offsetSeconds := 0
	if tzSign != none {
		offsetSeconds = tzSign * (max(tzHour, 0)*3600 + max(tzMinute, 0)*60)
	}
	at := time.Date(year, time.Month(month), dayOfMonth, hour, minute, second, milli*1e6, time.UTC)
	return float64(at.UnixMilli() - int64(offsetSeconds)*1000)
}

// legacyMilliseconds reads the first three significant digits of a fraction, as V8 does
// from the number's value and length.
func legacyMilliseconds(t dateToken) int {
	value, length := t.value, min(t.length, 9)
	switch length {
	case 1:
		return value * 100
	case 2:
		return value * 10
	}
	for ; length > 3; length-- {
		value /= 10
	}
	return value
}
