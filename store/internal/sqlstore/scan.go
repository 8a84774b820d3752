package sqlstore

import (
	"database/sql/driver"
	"fmt"
	"time"

	"github.com/stepflow/stepflow/store"
)

// timeValue scans a time column: microseconds (SQLite) or a timestamp (PostgreSQL).
type timeValue struct {
	t     time.Time
	valid bool
}

func (v *timeValue) Scan(src any) error {
	switch x := src.(type) {
	case nil:
		v.valid = false
	case int64:
		v.t, v.valid = time.UnixMicro(x).UTC(), true
	case time.Time:
		v.t, v.valid = store.Stamp(x), true
	default:
		return fmt.Errorf("scan time column: unexpected %T", src)
	}
	return nil
}

// Value lets a timeValue also be written, which pgx asks of scan targets it inspects.
func (v timeValue) Value() (driver.Value, error) {
	if !v.valid {
		return nil, nil
	}
	return v.t, nil
}

func (v *timeValue) ptr() *time.Time {
	if !v.valid {
		return nil
	}
	t := v.t
	return &t
}

func (s *Store) timeArg(t time.Time) any {
	return s.dialect.Time(store.Stamp(t))
}

func (s *Store) nullTimeArg(t *time.Time) any {
	if t == nil {
		return nil
	}
	return s.timeArg(*t)
}
