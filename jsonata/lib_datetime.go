package jsonata

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

func isoTimestamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

func defineDateTimeFunctions() {
	define("now", "<s?s?:s>", 2, func(ev *evaluator, args []any, _ *callContext) (any, error) {
		ms := float64(ev.currentTime().UnixMilli())
		if args[0] == Undefined {
			return isoTimestamp(ev.currentTime()), nil
		}
		return formatDateTimePicture(ms, args[0], args[1], &ev.budget, ev.compat206)
	})
	define("millis", "<:n>", 0, func(ev *evaluator, args []any, _ *callContext) (any, error) {
		return float64(ev.currentTime().UnixMilli()), nil
	})
	define("fromMillis", "<n-s?s?:s>", 3, func(ev *evaluator, args []any, _ *callContext) (any, error) {
		ms, ok := asNumber(args[0])
		if !ok {
			return Undefined, nil
		}
		if args[1] == Undefined && args[2] == Undefined && math.Abs(ms) < maxDateMillis {
			return isoTimestamp(time.UnixMilli(int64(math.Trunc(ms)))), nil
		}
		return formatDateTimePicture(ms, args[1], args[2], &ev.budget, ev.compat206)
	})
	define("toMillis", "<s-s?:n>", 2, func(ev *evaluator, args []any, _ *callContext) (any, error) {
		s, ok := args[0].(string)
		if !ok {
			return Undefined, nil
		}
		if pic, ok := args[1].(string); ok {
			return parseDateTimePicture(s, pic, ev.currentTime(), ev.compat206)
		}
		ms, ok := isoToMillis(s, ev.compat206)
		if !ok {
			return nil, newError("D3110", 0, "toMillis", s)
		}
		return ms, nil
	})
}

// isoTimestampText is the check jsonata-js makes before it hands the text to JavaScript's
// Date.parse: text it rejects is D3110.
var isoTimestampText = regexp.MustCompile(`^(\d{4})(-[01]\d)?(-[0-3]\d)?(T([0-2]\d):([0-5]\d):([0-5]\d))?(\.\d+)?([+-]([0-2]\d):?([0-5]\d)|Z)?$`)

// isoTimestampText206 is jsonata-js 2.0.6's check, which lets a month, day or time part
// repeat ("2018-05-05-05"); Date.parse makes NaN of text that only this check passes.
var isoTimestampText206 = regexp.MustCompile(`^\d{4}(-[01]\d)*(-[0-3]\d)*(T[0-2]\d:[0-5]\d:[0-5]\d)*(\.\d+)?([+-][0-2]\d:?[0-5]\d|Z)?$`)

// isoToMillis is $toMillis without a picture. Text that passes the check goes to
// JavaScript's Date.parse, whose ECMAScript reading is followed here: day numbers up to 31
// roll over into the next month and 24:00:00 is the next day's midnight, while an hour
// past 24 or an offset of 24 hours or more gives NaN, which jsonata-js returns and which
// prints as null. Text that this reading gives up on before any time part is read on by
// V8's legacy reader (legacyDateMillis), as in "2018.5". ok is false when the text fails
// the check (jsonata-js 2.0.6's when compat206).
func isoToMillis(s string, compat206 bool) (ms float64, ok bool) {
	m := isoTimestampText.FindStringSubmatch(s)
	if m == nil {
		if compat206 && isoTimestampText206.MatchString(s) {
			return math.NaN(), true
		}
		return 0, false
	}
	tokens := scanDateTokens(s)
	if day, next, es5 := legacyDateStart(tokens); !es5 {
		return legacyDateMillis(tokens, day, next), true
	}
	num := func(x string) int {
		n, _ := strconv.Atoi(strings.TrimLeft(x, "-"))
		return n
	}
	nan := math.NaN()
	year, month, day := num(m[1]), 1, 1
	hasTime := m[4] != ""
	if m[2] != "" {
		month = num(m[2])
	}
	if m[3] != "" {
		day = num(m[3])
	}
	hour, minute, sec := num(m[5]), num(m[6]), num(m[7])
	millis := 0
	if m[8] != "" {
		millis, _ = strconv.Atoi((m[8][1:] + "00")[:3])
	}
	if month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 ||
		hour == 24 && (minute != 0 || sec != 0 || millis != 0) {
		return nan, true
	}
	offset := 0
	if z := m[9]; z != "" && z != "Z" {
		if !hasTime || num(m[10]) > 23 {
			return nan, true
		}
		offset = num(m[10])*60 + num(m[11])
		if z[0] == '-' {
			offset = -offset
		}
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, millis*1e6, time.UTC)
	return float64(t.UnixMilli() - int64(offset)*60000), true
}
