package jsonata

import (
	"math"
	"regexp"
	"strconv"
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
		return formatDateTimePicture(ms, args[0], args[1])
	})
	define("millis", "<:n>", 0, func(ev *evaluator, args []any, _ *callContext) (any, error) {
		return float64(ev.currentTime().UnixMilli()), nil
	})
	define("fromMillis", "<n-s?s?:s>", 3, func(ev *evaluator, args []any, _ *callContext) (any, error) {
		ms, ok := args[0].(float64)
		if !ok {
			return Undefined, nil
		}
		if args[1] == Undefined && args[2] == Undefined {
			return isoTimestamp(time.UnixMilli(int64(math.Floor(ms)))), nil
		}
		return formatDateTimePicture(ms, args[1], args[2])
	})
	define("toMillis", "<s-s?:n>", 2, func(ev *evaluator, args []any, _ *callContext) (any, error) {
		s, ok := args[0].(string)
		if !ok {
			return Undefined, nil
		}
		if pic, ok := args[1].(string); ok {
			return parseDateTimePicture(s, pic, ev.currentTime())
		}
		t, ok := parseISO8601(s)
		if !ok {
			return nil, newError("D3110", 0, "toMillis", s)
		}
		return float64(t.UnixMilli()), nil
	})
}

var isoPattern = regexp.MustCompile(`^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?)?)?)?$`)

// parseISO8601 accepts the forms JavaScript's Date parses from ISO 8601 text: a date,
// optionally a time, optionally a zone (UTC when absent).
func parseISO8601(s string) (time.Time, bool) {
	m := isoPattern.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, false
	}
	num := func(x string, def int) int {
		if x == "" {
			return def
		}
		n, _ := strconv.Atoi(x)
		return n
	}
	year, month, day := num(m[1], 0), num(m[2], 1), num(m[3], 1)
	hour, minute, sec := num(m[4], 0), num(m[5], 0), num(m[6], 0)
	nanos := 0
	if m[7] != "" {
		frac := (m[7] + "000000000")[:9]
		nanos, _ = strconv.Atoi(frac)
	}
	if month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	loc := time.UTC
	if z := m[8]; z != "" && z != "Z" {
		sign := 1
		if z[0] == '-' {
			sign = -1
		}
		digits := regexp.MustCompile(`\d`).FindAllString(z, -1)
		h, _ := strconv.Atoi(digits[0] + digits[1])
		mi, _ := strconv.Atoi(digits[2] + digits[3])
		loc = time.FixedZone("", sign*(h*3600+mi*60))
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nanos, loc)
	if t.Day() != day {
		return time.Time{}, false
	}
	return t, true
}
