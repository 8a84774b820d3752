package scheduler

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func mustLoad(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// fires lists the first n fire times after after, in RFC 3339 with the zone's offset.
func fires(t *testing.T, expr string, zone string, after time.Time, n int) []string {
	t.Helper()
	e, err := ParseExpression(expr)
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	loc := mustLoad(t, zone)
	var out []string
	for range n {
		next, ok := e.Next(after, after, loc)
		if !ok {
			break
		}
		out = append(out, next.In(loc).Format(time.RFC3339))
		after = next
	}
	return out
}

func TestCronNext(t *testing.T) {
	t.Parallel()
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		name, expr, zone, after string
		want                    []string
	}{
		{"every 15 minutes", "cron(0/15 * * * ? *)", "UTC", "2026-03-01T10:07:00Z",
			[]string{"2026-03-01T10:15:00Z", "2026-03-01T10:30:00Z", "2026-03-01T10:45:00Z", "2026-03-01T11:00:00Z"}},
		{"strictly after", "cron(0 10 * * ? *)", "UTC", "2026-03-01T10:00:00Z",
			[]string{"2026-03-02T10:00:00Z"}},
		{"weekdays by name", "cron(0 18 ? * MON-FRI *)", "UTC", "2026-03-06T19:00:00Z", // a Friday evening
			[]string{"2026-03-09T18:00:00Z", "2026-03-10T18:00:00Z"}},
		{"list and range with step", "cron(5,10 1-5/2 ? * SUN 2026)", "UTC", "2026-03-01T00:00:00Z",
			[]string{"2026-03-01T01:05:00Z", "2026-03-01T01:10:00Z", "2026-03-01T03:05:00Z", "2026-03-01T03:10:00Z", "2026-03-01T05:05:00Z", "2026-03-01T05:10:00Z", "2026-03-08T01:05:00Z"}},
		{"last day of month", "cron(0 0 L * ? *)", "UTC", "2026-01-31T00:00:00Z",
			[]string{"2026-02-28T00:00:00Z", "2026-03-31T00:00:00Z", "2026-04-30T00:00:00Z"}},
		{"leap year", "cron(0 0 L 2 ? *)", "UTC", "2027-03-01T00:00:00Z",
			[]string{"2028-02-29T00:00:00Z", "2029-02-28T00:00:00Z"}},
		{"last weekday of month", "cron(0 9 LW * ? *)", "UTC", "2026-05-01T00:00:00Z", // May 31 2026 is a Sunday
			[]string{"2026-05-29T09:00:00Z", "2026-06-30T09:00:00Z"}},
		{"nearest weekday", "cron(0 9 1W,15W * ? *)", "UTC", "2026-08-01T00:00:00Z", // Aug 1 Sat, Aug 15 Sat
			[]string{"2026-08-03T09:00:00Z", "2026-08-14T09:00:00Z", "2026-09-01T09:00:00Z", "2026-09-15T09:00:00Z"}},
		{"second Tuesday", "cron(30 12 ? * 3#2 *)", "UTC", "2026-01-01T00:00:00Z",
			[]string{"2026-01-13T12:30:00Z", "2026-02-10T12:30:00Z"}},
		{"last Friday", "cron(0 17 ? * 6L *)", "UTC", "2026-01-01T00:00:00Z",
			[]string{"2026-01-30T17:00:00Z", "2026-02-27T17:00:00Z"}},
		{"L day of week is Saturday", "cron(0 8 ? * L *)", "UTC", "2026-01-01T00:00:00Z",
			[]string{"2026-01-03T08:00:00Z", "2026-01-10T08:00:00Z"}},
		{"months by name", "cron(0 0 1 JAN,JUL ? *)", "UTC", "2026-02-01T00:00:00Z",
			[]string{"2026-07-01T00:00:00Z", "2027-01-01T00:00:00Z"}},
		{"31st skips short months", "cron(0 0 31 * ? *)", "UTC", "2026-03-31T00:00:00Z",
			[]string{"2026-05-31T00:00:00Z"}},
		{"time zone", "cron(0 9 * * ? *)", "Asia/Tokyo", "2026-02-28T23:00:00Z",
			[]string{"2026-03-01T09:00:00+09:00", "2026-03-02T09:00:00+09:00"}},
		{"year bound", "cron(0 0 1 1 ? 2198-2199)", "UTC", "2199-01-01T00:00:00Z", nil},

		// Spring forward: 2:30 does not exist on 8 March 2026 in New York and is skipped.
		{"New York spring forward skips", "cron(30 2 * * ? *)", "America/New_York", "2026-03-07T12:00:00Z",
			[]string{"2026-03-09T02:30:00-04:00", "2026-03-10T02:30:00-04:00"}},
		{"New York spring forward hourly", "cron(0 * * * ? *)", "America/New_York", "2026-03-08T05:30:00Z", // 00:30 EST
			[]string{"2026-03-08T01:00:00-05:00", "2026-03-08T03:00:00-04:00", "2026-03-08T04:00:00-04:00"}},
		// Fall back: 1:30 happens twice on 1 November 2026 in New York and fires once, the first time.
		{"New York fall back once", "cron(30 1 * * ? *)", "America/New_York", "2026-10-31T12:00:00Z",
			[]string{"2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"}},
		{"New York fall back every 30 minutes", "cron(0/30 * * * ? *)", "America/New_York", "2026-11-01T04:45:00Z", // 00:45 EDT
			[]string{"2026-11-01T01:00:00-04:00", "2026-11-01T01:30:00-04:00", "2026-11-01T02:00:00-05:00", "2026-11-01T02:30:00-05:00"}},
		// Europe/Berlin: 29 March 2026 02:00 → 03:00; 25 October 2026 03:00 → 02:00.
		{"Berlin spring forward skips", "cron(15 2 ? * SUN *)", "Europe/Berlin", "2026-03-22T12:00:00Z",
			[]string{"2026-04-05T02:15:00+02:00"}},
		{"Berlin fall back once", "cron(15 2 ? * SUN *)", "Europe/Berlin", "2026-10-20T12:00:00Z",
			[]string{"2026-10-25T02:15:00+02:00", "2026-11-01T02:15:00+01:00"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := fires(t, tc.expr, tc.zone, utc(tc.after), len(tc.want)+boolInt(tc.want == nil))
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Fatalf("%s in %s after %s:\n got %v\nwant %v", tc.expr, tc.zone, tc.after, got, tc.want)
			}
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// The fall-back hour seen from inside its second pass: a slot whose first occurrence has
// passed does not fire again.
func TestCronInsideRepeatedHour(t *testing.T) {
	t.Parallel()
	e, _ := ParseExpression("cron(45 1 * * ? *)")
	ny := mustLoad(t, "America/New_York")
	after := time.Date(2026, 11, 1, 6, 10, 0, 0, time.UTC) // 01:10 EST, the second 01:10
	got, _ := e.Next(after, after, ny)
	if want := time.Date(2026, 11, 2, 1, 45, 0, 0, ny); !got.Equal(want) {
		t.Fatalf("got %s, want %s", got.In(ny), want)
	}
}

func TestRateNext(t *testing.T) {
	t.Parallel()
	anchor := time.Date(2026, 3, 7, 12, 0, 0, 0, time.UTC)
	ny := mustLoad(t, "America/New_York")
	for _, tc := range []struct {
		expr  string
		after time.Time
		want  time.Time
	}{
		{"rate(5 minutes)", anchor.Add(-time.Hour), anchor},
		{"rate(5 minutes)", anchor, anchor.Add(5 * time.Minute)},
		{"rate(5 minutes)", anchor.Add(7 * time.Minute), anchor.Add(10 * time.Minute)},
		{"rate(1 hour)", anchor.Add(time.Hour), anchor.Add(2 * time.Hour)},
		// A day is 24 hours on the clock: across the spring-forward night the wall clock
		// moves from 07:00 to 08:00 in New York.
		{"rate(1 day)", anchor, anchor.Add(24 * time.Hour)},
		{"rate(2 days)", anchor.Add(time.Second), anchor.Add(48 * time.Hour)},
	} {
		e, err := ParseExpression(tc.expr)
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := e.Next(tc.after, anchor, ny); !ok || !got.Equal(tc.want) {
			t.Errorf("%s after %s: got %s, want %s", tc.expr, tc.after, got, tc.want)
		}
	}
	day, _ := ParseExpression("rate(1 day)")
	second, _ := day.Next(anchor.Add(time.Hour), anchor, ny)
	if got := second.In(ny).Format("15:04"); got != "08:00" {
		t.Fatalf("rate(1 day) across spring forward reads %s on the New York clock, want 08:00", got)
	}
}

func TestAt(t *testing.T) {
	t.Parallel()
	berlin := mustLoad(t, "Europe/Berlin")
	for _, tc := range []struct {
		expr string
		want time.Time
	}{
		{"at(2026-06-01T09:30:00)", time.Date(2026, 6, 1, 7, 30, 0, 0, time.UTC)},
		// Repeated by fall back: the first occurrence (still summer time).
		{"at(2026-10-25T02:30:00)", time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC)},
		// Skipped by spring forward: moved on by the gap, to 03:30 summer time.
		{"at(2026-03-29T02:30:00)", time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC)},
	} {
		e, err := ParseExpression(tc.expr)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := e.Next(time.Time{}, time.Time{}, berlin)
		if !ok || !got.Equal(tc.want) {
			t.Errorf("%s: got %s, want %s", tc.expr, got.UTC(), tc.want)
		}
		if _, ok := e.Next(tc.want, time.Time{}, berlin); ok {
			t.Errorf("%s fires again after its time", tc.expr)
		}
	}
}

func TestParseExpressionRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ expr, want string }{
		{"every(5 minutes)", "want at(...), rate(...) or cron(...)"},
		{"rate(5 minutes", "want at(...), rate(...) or cron(...)"},
		{"rate(0 minutes)", "rate() wants a positive whole number"},
		{"rate(-1 minutes)", "rate() wants a positive whole number"},
		{"rate(5 weeks)", "rate() unit is minutes, hours or days"},
		{"rate(5)", "rate() wants a value and a unit"},
		{"at(2026-02-30T00:00:00)", "at() wants yyyy-mm-ddThh:mm:ss"},
		{"at(2026-01-01 00:00:00)", "at() wants yyyy-mm-ddThh:mm:ss"},
		{"cron(0 12 * * ?)", "cron() wants six fields (minutes hours day-of-month month day-of-week year), got 5"},
		{"cron(0 12 * * * *)", `cron() wants "?" in day-of-month or day-of-week`},
		{"cron(0 12 ? * ? *)", `cron() takes "?" in one of day-of-month and day-of-week, not both`},
		{"cron(60 12 * * ? *)", `cron minutes field: "60": 60 is outside 0-59`},
		{"cron(0 24 * * ? *)", `cron hours field: "24": 24 is outside 0-23`},
		{"cron(0 0 32 * ? *)", `cron day-of-month field: "32": 32 is outside 1-31`},
		{"cron(0 0 ? * 8 *)", `cron day-of-week field: "8": 8 is outside 1-7`},
		{"cron(0 0 ? * 2#6 *)", `cron day-of-week field: "2#6": the week is 1 to 5`},
		{"cron(0 0 1 13 ? *)", `cron month field: "13": 13 is outside 1-12`},
		{"cron(0 0 1 FOO ? *)", `cron month field: "FOO": not a value`},
		{"cron(0 0 1 * ? 1969)", `cron year field: "1969": 1969 is outside 1970-2199`},
		{"cron(5-1 0 1 * ? *)", `cron minutes field: "5-1": the range runs backwards`},
		{"cron(0/0 0 1 * ? *)", `cron minutes field: "0/0": the increment is 1 to 60`},
		{"cron(0 0 32W * ? *)", `cron day-of-month field: "32W": 32 is outside 1-31`},
	} {
		_, err := ParseExpression(tc.expr)
		if err == nil || !errors.Is(err, ErrInvalidExpression) || !strings.HasSuffix(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want ...%s", tc.expr, err, tc.want)
		}
	}
}

func FuzzParseExpression(f *testing.F) {
	for _, s := range []string{"cron(0/15 * * * ? *)", "cron(0 9 LW * ? *)", "cron(30 12 ? * 3#2 *)", "cron(0 17 ? * 6L 2026-2030)",
		"rate(5 minutes)", "rate(1 day)", "at(2026-03-29T02:30:00)", "cron(5,10 1-5/2 ? * SUN-SAT *)"} {
		f.Add(s, "America/New_York")
	}
	f.Fuzz(func(t *testing.T, expr, zone string) {
		e, err := ParseExpression(expr)
		if err != nil {
			if !errors.Is(err, ErrInvalidExpression) {
				t.Fatalf("%q: error %v does not wrap ErrInvalidExpression", expr, err)
			}
			return
		}
		loc, err := LoadLocation(zone)
		if err != nil {
			loc = time.UTC
		}
		after := time.Date(2026, 3, 8, 6, 59, 0, 0, time.UTC)
		prev := after
		for range 3 {
			next, ok := e.Next(prev, after, loc)
			if !ok {
				break
			}
			if !next.After(prev) {
				t.Fatalf("%q in %s: next %s is not after %s", expr, loc, next, prev)
			}
			prev = next
		}
	})
}
