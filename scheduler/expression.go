package scheduler

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Expression is a parsed schedule expression: at(...), rate(...) or cron(...).
type Expression interface {
	// Next returns the first fire time strictly after after, evaluated in loc, and false
	// when there is none. A rate is counted from anchor (the schedule's start).
	Next(after, anchor time.Time, loc *time.Location) (time.Time, bool)
	// String is the expression as written.
	String() string
}

// ErrInvalidExpression is wrapped by every parse error.
var ErrInvalidExpression = errors.New("invalid schedule expression")

// ParseExpression parses at(yyyy-mm-ddThh:mm:ss), rate(value unit) or cron(six fields).
func ParseExpression(s string) (Expression, error) {
	open := strings.IndexByte(s, '(')
	if open < 0 || !strings.HasSuffix(s, ")") {
		return nil, fmt.Errorf("%w: want at(...), rate(...) or cron(...)", ErrInvalidExpression)
	}
	kind, body := s[:open], s[open+1:len(s)-1]
	switch kind {
	case "at":
		return parseAt(s, body)
	case "rate":
		return parseRate(s, body)
	case "cron":
		return parseCron(s, body)
	}
	return nil, fmt.Errorf("%w: want at(...), rate(...) or cron(...)", ErrInvalidExpression)
}

// AtExpression fires once, at a wall-clock time in the schedule's time zone.
type AtExpression struct {
	text string
	// Year..Second is the wall-clock time.
	Year, Month, Day, Hour, Minute, Second int
}

func parseAt(text, body string) (*AtExpression, error) {
	t, err := time.Parse("2006-01-02T15:04:05", body)
	if err != nil {
		return nil, fmt.Errorf("%w: at() wants yyyy-mm-ddThh:mm:ss", ErrInvalidExpression)
	}
	return &AtExpression{text: text, Year: t.Year(), Month: int(t.Month()), Day: t.Day(),
		Hour: t.Hour(), Minute: t.Minute(), Second: t.Second()}, nil
}

// Time is the instant the expression names in loc. A wall-clock time that a spring-forward
// transition skips is taken as Go normalizes it (moved forward by the gap); one that a
// fall-back transition repeats is its first occurrence.
func (a *AtExpression) Time(loc *time.Location) time.Time {
	if t, ok := earliestInstant(a.Year, time.Month(a.Month), a.Day, a.Hour, a.Minute, a.Second, loc); ok {
		return t
	}
	return time.Date(a.Year, time.Month(a.Month), a.Day, a.Hour, a.Minute, a.Second, 0, loc)
}

// Next implements Expression.
func (a *AtExpression) Next(after, _ time.Time, loc *time.Location) (time.Time, bool) {
	t := a.Time(loc)
	return t, t.After(after)
}

func (a *AtExpression) String() string { return a.text }

// RateExpression fires every Every, counted from the schedule's start. A day is 24 hours
// on the clock, whatever daylight saving time does to the calendar day, as AWS documents.
type RateExpression struct {
	text  string
	Every time.Duration
}

func parseRate(text, body string) (*RateExpression, error) {
	value, unit, ok := strings.Cut(body, " ")
	if !ok {
		return nil, fmt.Errorf("%w: rate() wants a value and a unit", ErrInvalidExpression)
	}
	n, err := strconv.Atoi(value)
	if err != nil || n <= 0 || value[0] == '+' {
		return nil, fmt.Errorf("%w: rate() wants a positive whole number", ErrInvalidExpression)
	}
	var u time.Duration
	switch unit {
	case "minute", "minutes":
		u = time.Minute
	case "hour", "hours":
		u = time.Hour
	case "day", "days":
		u = 24 * time.Hour
	default:
		return nil, fmt.Errorf("%w: rate() unit is minutes, hours or days", ErrInvalidExpression)
	}
	// Years of minutes fit in a Duration; more would overflow it.
	if int64(n) > int64(100*365*24*time.Hour/u) {
		return nil, fmt.Errorf("%w: rate() value too large", ErrInvalidExpression)
	}
	return &RateExpression{text: text, Every: time.Duration(n) * u}, nil
}

// Next implements Expression: the first anchor + k·Every (k ≥ 0) after after.
func (r *RateExpression) Next(after, anchor time.Time, _ *time.Location) (time.Time, bool) {
	if after.Before(anchor) {
		return anchor, true
	}
	k := after.Sub(anchor)/r.Every + 1
	return anchor.Add(k * r.Every), true
}

func (r *RateExpression) String() string { return r.text }

// earliestInstant is the first instant at which loc's clocks read the given wall time, and
// false when they never do (a time skipped by a spring-forward transition).
func earliestInstant(year int, month time.Month, day, hour, minute, second int, loc *time.Location) (time.Time, bool) {
	wall := time.Date(year, month, day, hour, minute, second, 0, time.UTC)
	guess := time.Date(year, month, day, hour, minute, second, 0, loc)
	// The offsets in force around the wall time: a transition within a day either side of
	// it gives at most two.
	var best time.Time
	found := false
	for _, probe := range []time.Time{guess.Add(-26 * time.Hour), guess, guess.Add(26 * time.Hour)} {
		_, offset := probe.Zone()
		t := wall.Add(-time.Duration(offset) * time.Second).In(loc)
		y, mo, d := t.Date()
		if y != year || mo != month || d != day || t.Hour() != hour || t.Minute() != minute || t.Second() != second {
			continue
		}
		if !found || t.Before(best) {
			best, found = t, true
		}
	}
	return best, found
}

// ParseRuleExpression parses the schedule expression of an EventBridge scheduled rule:
// rate(value unit), where a value of 1 takes a singular unit and a larger one a plural unit
// (EventBridge's "Rate expressions reference"), or cron(six fields), always in UTC. at() is
// the Scheduler's alone.
func ParseRuleExpression(s string) (Expression, error) {
	expr, err := ParseExpression(s)
	if err != nil {
		return nil, err
	}
	switch e := expr.(type) {
	case *AtExpression:
		return nil, fmt.Errorf("%w: scheduled rules take rate() or cron()", ErrInvalidExpression)
	case *RateExpression:
		value, unit, _ := strings.Cut(strings.TrimSuffix(strings.TrimPrefix(s, "rate("), ")"), " ")
		if plural := strings.HasSuffix(unit, "s"); plural != (value != "1") {
			return nil, fmt.Errorf("%w: rate() takes a singular unit for 1 and a plural unit otherwise", ErrInvalidExpression)
		}
		return e, nil
	}
	return expr, nil
}
