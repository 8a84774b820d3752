package scheduler

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Bounds of the cron year field, as AWS documents them.
const (
	minCronYear = 1970
	maxCronYear = 2199
)

// CronExpression is AWS's six-field cron: minutes, hours, day-of-month, month, day-of-week
// and year, evaluated on the wall clock of the schedule's time zone.
type CronExpression struct {
	text    string
	minutes [60]bool
	hours   [24]bool
	months  [13]bool
	years   [maxCronYear - minCronYear + 1]bool

	// Exactly one of the day fields is "?": dayOfWeekMode says which one counts.
	dayOfWeekMode bool

	days           [32]bool
	lastDay        bool  // L
	lastWeekday    bool  // LW
	nearestWeekday []int // NW: the weekday nearest day N

	weekdays  [8]bool // 1 = SUN … 7 = SAT
	lastOf    []int   // NL: the last weekday N of the month
	nthOf     [][2]int
	fieldText [6]string
}

var monthNames = map[string]int{"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6,
	"JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12}

var dayNames = map[string]int{"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}

// cronError words a problem in one field.
func cronError(field, format string, args ...any) error {
	return fmt.Errorf("%w: cron %s field: %s", ErrInvalidExpression, field, fmt.Sprintf(format, args...))
}

func parseCron(text, body string) (*CronExpression, error) {
	fields := strings.Fields(body)
	if len(fields) != 6 {
		return nil, fmt.Errorf("%w: cron() wants six fields (minutes hours day-of-month month day-of-week year), got %d", ErrInvalidExpression, len(fields))
	}
	c := &CronExpression{text: text}
	copy(c.fieldText[:], fields)
	if err := parseField("minutes", fields[0], 0, 59, nil, c.minutes[:]); err != nil {
		return nil, err
	}
	if err := parseField("hours", fields[1], 0, 23, nil, c.hours[:]); err != nil {
		return nil, err
	}
	if err := parseField("month", fields[3], 1, 12, monthNames, c.months[:]); err != nil {
		return nil, err
	}
	years := make([]bool, maxCronYear+1)
	if err := parseField("year", fields[5], minCronYear, maxCronYear, nil, years); err != nil {
		return nil, err
	}
	copy(c.years[:], years[minCronYear:])
	dom, dow := fields[2], fields[4]
	switch {
	case dom == "?" && dow == "?":
		return nil, fmt.Errorf("%w: cron() takes \"?\" in one of day-of-month and day-of-week, not both", ErrInvalidExpression)
	case dom != "?" && dow != "?":
		return nil, fmt.Errorf("%w: cron() wants \"?\" in day-of-month or day-of-week", ErrInvalidExpression)
	case dom == "?":
		c.dayOfWeekMode = true
		if err := c.parseDayOfWeek(dow); err != nil {
			return nil, err
		}
	default:
		if err := c.parseDayOfMonth(dom); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func (c *CronExpression) parseDayOfMonth(field string) error {
	var plain []string
	for _, item := range strings.Split(field, ",") {
		switch {
		case item == "L":
			c.lastDay = true
		case item == "LW":
			c.lastWeekday = true
		case strings.HasSuffix(item, "W"):
			n, err := number(item[:len(item)-1], 1, 31, nil)
			if err != nil {
				return cronError("day-of-month", "%q: %v", item, err)
			}
			c.nearestWeekday = append(c.nearestWeekday, n)
		default:
			plain = append(plain, item)
		}
	}
	if len(plain) == 0 {
		return nil
	}
	return parseField("day-of-month", strings.Join(plain, ","), 1, 31, nil, c.days[:])
}

func (c *CronExpression) parseDayOfWeek(field string) error {
	var plain []string
	for _, item := range strings.Split(field, ",") {
		switch {
		case item == "L":
			c.weekdays[7] = true // the last day of the week: Saturday
		case strings.HasSuffix(item, "L"):
			n, err := number(item[:len(item)-1], 1, 7, dayNames)
			if err != nil {
				return cronError("day-of-week", "%q: %v", item, err)
			}
			c.lastOf = append(c.lastOf, n)
		case strings.Contains(item, "#"):
			day, nth, _ := strings.Cut(item, "#")
			d, err := number(day, 1, 7, dayNames)
			if err != nil {
				return cronError("day-of-week", "%q: %v", item, err)
			}
			k, err := number(nth, 1, 5, nil)
			if err != nil {
				return cronError("day-of-week", "%q: the week is 1 to 5", item)
			}
			c.nthOf = append(c.nthOf, [2]int{d, k})
		default:
			plain = append(plain, item)
		}
	}
	if len(plain) == 0 {
		return nil
	}
	return parseField("day-of-week", strings.Join(plain, ","), 1, 7, dayNames, c.weekdays[:])
}

// parseField sets set[v] for each value the field names: a comma-separated list of "*",
// values, ranges (a-b) and steps (*/n, a/n, a-b/n).
func parseField(name, field string, lo, hi int, names map[string]int, set []bool) error {
	if field == "" {
		return cronError(name, "empty")
	}
	for _, item := range strings.Split(field, ",") {
		rng, stepText, hasStep := strings.Cut(item, "/")
		step := 1
		if hasStep {
			n, err := number(stepText, 1, hi-lo+1, nil)
			if err != nil {
				return cronError(name, "%q: the increment is 1 to %d", item, hi-lo+1)
			}
			step = n
		}
		from, to := lo, hi
		switch {
		case rng == "*":
		case strings.Contains(rng, "-"):
			a, b, _ := strings.Cut(rng, "-")
			var err error
			if from, err = number(a, lo, hi, names); err != nil {
				return cronError(name, "%q: %v", item, err)
			}
			if to, err = number(b, lo, hi, names); err != nil {
				return cronError(name, "%q: %v", item, err)
			}
			if from > to {
				return cronError(name, "%q: the range runs backwards", item)
			}
		default:
			n, err := number(rng, lo, hi, names)
			if err != nil {
				return cronError(name, "%q: %v", item, err)
			}
			from = n
			if !hasStep {
				to = n
			}
		}
		for v := from; v <= to; v += step {
			set[v] = true
		}
	}
	return nil
}

// number reads one value of a field: digits, or a name when names is not nil.
func number(s string, lo, hi int, names map[string]int) (int, error) {
	if n, ok := names[strings.ToUpper(s)]; ok && names != nil {
		return n, nil
	}
	if s == "" || len(s) > 4 || strings.TrimLeft(s, "0123456789") != "" {
		return 0, fmt.Errorf("not a value")
	}
	n, _ := strconv.Atoi(s)
	if n < lo || n > hi {
		return 0, fmt.Errorf("%d is outside %d-%d", n, lo, hi)
	}
	return n, nil
}

func (c *CronExpression) String() string { return c.text }

// dayMatches says whether the day fields select day d of month m of year y.
func (c *CronExpression) dayMatches(y int, m time.Month, d int) bool {
	last := daysIn(y, m)
	if !c.dayOfWeekMode {
		if c.days[d] || (c.lastDay && d == last) || (c.lastWeekday && d == nearestWeekday(y, m, last)) {
			return true
		}
		for _, n := range c.nearestWeekday {
			if n <= last && d == nearestWeekday(y, m, n) {
				return true
			}
		}
		return false
	}
	w := int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Weekday()) + 1
	if c.weekdays[w] {
		return true
	}
	for _, n := range c.lastOf {
		if n == w && d+7 > last {
			return true
		}
	}
	for _, nk := range c.nthOf {
		if nk[0] == w && (d-1)/7+1 == nk[1] {
			return true
		}
	}
	return false
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// nearestWeekday is the Monday-to-Friday day nearest day n, within the month.
func nearestWeekday(y int, m time.Month, n int) int {
	switch time.Date(y, m, n, 0, 0, 0, 0, time.UTC).Weekday() {
	case time.Saturday:
		if n == 1 {
			return 3
		}
		return n - 1
	case time.Sunday:
		if n == daysIn(y, m) {
			return n - 2
		}
		return n + 1
	}
	return n
}

// Next implements Expression. Wall-clock times are walked in order from after's minute;
// each selected one fires at the first instant the zone's clocks show it. So a time that a
// spring-forward transition skips does not fire that day, and one that a fall-back
// transition repeats fires once, at its first occurrence: as AWS documents.
func (c *CronExpression) Next(after, _ time.Time, loc *time.Location) (time.Time, bool) {
	start := after.In(loc)
	sy, sm, sd := start.Date()
	sh, smin := start.Hour(), start.Minute()
	for y := max(sy, minCronYear); y <= maxCronYear; y++ {
		if !c.years[y-minCronYear] {
			continue
		}
		for m := time.January; m <= time.December; m++ {
			if !c.months[m] || (y == sy && m < sm) {
				continue
			}
			sameMonth := y == sy && m == sm
			for d := 1; d <= daysIn(y, m); d++ {
				if (sameMonth && d < sd) || !c.dayMatches(y, m, d) {
					continue
				}
				sameDay := sameMonth && d == sd
				for h := 0; h < 24; h++ {
					if !c.hours[h] || (sameDay && h < sh) {
						continue
					}
					for mi := 0; mi < 60; mi++ {
						if !c.minutes[mi] || (sameDay && h == sh && mi < smin) {
							continue
						}
						t, ok := earliestInstant(y, m, d, h, mi, 0, loc)
						if ok && t.After(after) {
							return t, true
						}
					}
				}
			}
		}
	}
	return time.Time{}, false
}
