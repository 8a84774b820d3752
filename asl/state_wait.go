package asl

import "regexp"

func (sp *stateParser) parseWait() State {
	sp.checkFields("Next", "End", "InputPath", "OutputPath", "Seconds", "Timestamp", "SecondsPath", "TimestampPath", "Assign", "Output")
	sp.transition()
	s := &Wait{StateBase: *sp.base}
	sp.base = &s.StateBase
	if !sp.jsonata() {
		sp.inputOutput()
	}
	sp.outputAssign(true)

	given := 0
	for _, f := range []string{"Seconds", "Timestamp", "SecondsPath", "TimestampPath"} {
		if sp.obj.get(f) != nil {
			given++
		}
	}
	if given != 1 {
		sp.p.schemaf(sp.base.Location, "A Wait state must have exactly one of 'Seconds', 'Timestamp', 'SecondsPath' or 'TimestampPath'")
	}
	if n := sp.obj.get("Seconds"); n != nil {
		if n.kind == jsonString && sp.jsonata() && isJSONata(n.str) {
			s.SecondsExpr = sp.p.jsonataNode(n.str, sp.loc("Seconds"))
		} else {
			s.Seconds = sp.p.nonNegativeInt(n, sp.loc("Seconds"), "Seconds")
			if s.Seconds != nil && *s.Seconds > MaxWaitSeconds {
				// AWS's words: "SCHEMA_VALIDATION_FAILED: Maximum value is 99999999 at /States/Wait/Seconds"
				sp.p.schemaf(sp.loc("Seconds"), "Maximum value is %d", MaxWaitSeconds)
				s.Seconds = nil
			}
		}
	}
	if v, ok := sp.stringField("Timestamp"); ok {
		switch {
		case sp.jsonata() && isJSONata(v):
			s.TimestampExpr = sp.p.jsonataNode(v, sp.loc("Timestamp"))
		case !isRFC3339(v):
			sp.p.schemaf(sp.loc("Timestamp"), "String does not match RFC3339 timestamp")
		default:
			s.Timestamp = v
		}
	}
	if v, ok := sp.stringField("SecondsPath"); ok && !sp.jsonata() {
		s.SecondsPath = sp.p.compilePath(v, sp.loc("SecondsPath"), "SecondsPath", true)
	}
	if v, ok := sp.stringField("TimestampPath"); ok && !sp.jsonata() {
		s.TimestampPath = sp.p.compilePath(v, sp.loc("TimestampPath"), "TimestampPath", true)
	}
	return s
}

// MaxWaitSeconds is the largest Seconds a Wait state may give, in a definition or from a
// JSONata expression: AWS documents "an integer value from 0 to 99999999".
const MaxWaitSeconds = 99999999

var rfc3339Pattern = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$`)

// isRFC3339 reports whether s is an RFC 3339 date-time with valid field ranges.
func isRFC3339(s string) bool {
	m := rfc3339Pattern.FindStringSubmatch(s)
	if m == nil {
		return false
	}
	num := func(x string) int {
		v := 0
		for _, c := range x {
			v = v*10 + int(c-'0')
		}
		return v
	}
	year, month, day := num(m[1]), num(m[2]), num(m[3])
	if month < 1 || month > 12 || day < 1 || day > daysIn(year, month) {
		return false
	}
	if num(m[4]) > 23 || num(m[5]) > 59 || num(m[6]) > 60 {
		return false
	}
	if m[9] != "" && (num(m[9]) > 23 || num(m[10]) > 59) {
		return false
	}
	return true
}

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
