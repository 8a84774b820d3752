package api

import (
	"encoding/json"
	"slices"
	"strconv"
	"time"
)

// epoch writes a date as the JSON protocol does: seconds since the epoch, a JSON number with
// millisecond precision.
func epoch(t time.Time) json.Number {
	ms := t.UnixMilli()
	return json.Number(strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64))
}

// epochPtr is epoch for an optional date; "" leaves the member out (with omitempty).
func epochPtr(t *time.Time) json.Number {
	if t == nil {
		return ""
	}
	return epoch(*t)
}

func sortStrings(s []string) { slices.Sort(s) }

// ptrOr returns *p, or def when p is nil.
func ptrOr[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}
