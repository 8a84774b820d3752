package pattern

import (
	"fmt"
	"reflect"
	"testing"
)

func mustParse(t testing.TB, text string) *Pattern {
	t.Helper()
	p, err := Parse(text)
	if err != nil {
		t.Fatalf("parse %s: %v", text, err)
	}
	return p
}

func mustEvent(t testing.TB, text string) *Event {
	t.Helper()
	e, err := ParseEvent([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// A Set answers what each pattern alone answers, whether a pattern is indexed by an exact
// value or not, and forgets removed and replaced patterns.
func TestSetMatchesAsEachPattern(t *testing.T) {
	t.Parallel()
	s := NewSet()
	patterns := map[string]string{
		"orders":    `{"source":["shop.orders"],"detail":{"total":[{"numeric":[">",100]}]}}`,
		"any-order": `{"source":["shop.orders","shop.returns"]}`,
		"stock":     `{"detail-type":[{"prefix":"Stock"}]}`,
		"either":    `{"$or":[{"source":["shop.stock"]},{"detail":{"sku":["A-1"]}}]}`,
	}
	for id, text := range patterns {
		s.Add(id, mustParse(t, text))
	}
	tests := []struct {
		event string
		want  []string
	}{
		{`{"source":"shop.orders","detail-type":"Order","detail":{"total":150}}`, []string{"any-order", "orders"}},
		{`{"source":"shop.orders","detail-type":"Order","detail":{"total":50}}`, []string{"any-order"}},
		{`{"source":"shop.stock","detail-type":"Stock Changed","detail":{"sku":"B-2"}}`, []string{"either", "stock"}},
		{`{"source":"shop.other","detail-type":"X","detail":{"sku":"A-1"}}`, []string{"either"}},
		{`{"source":"elsewhere","detail-type":"X","detail":{}}`, []string{}},
	}
	for _, tc := range tests {
		e := mustEvent(t, tc.event)
		got := s.Match(e)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.event, got, tc.want)
		}
		for id, text := range patterns {
			alone := mustParse(t, text).Match(e)
			in := false
			for _, g := range got {
				in = in || g == id
			}
			if alone != in {
				t.Errorf("%s: pattern %s alone says %v, the set %v", tc.event, id, alone, in)
			}
		}
	}
	s.Remove("any-order")
	s.Add("orders", mustParse(t, `{"source":["shop.returns"]}`))
	if got := s.Match(mustEvent(t, `{"source":"shop.orders","detail":{"total":150}}`)); len(got) != 0 {
		t.Fatalf("after remove and replace: %v", got)
	}
	if s.Len() != 3 {
		t.Fatalf("Len %d", s.Len())
	}
}

// BenchmarkSetMatch matches one event against sets of 10 to 10,000 rules, each keyed on its
// own source (as rules usually are) with a detail condition: the cost per event should stay
// nearly flat as the rules grow.
func BenchmarkSetMatch(b *testing.B) {
	for _, n := range []int{10, 100, 1000, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			s := NewSet()
			for i := range n {
				s.Add(fmt.Sprint("rule-", i), mustParse(b, fmt.Sprintf(
					`{"source":["app.%d"],"detail-type":["Order Placed"],"detail":{"total":[{"numeric":[">=",%d]}],"region":[{"prefix":"eu-"}]}}`, i, i%500)))
			}
			// A few rules with no exact value to key on, tried for every event.
			for i := range 5 {
				s.Add(fmt.Sprint("wild-", i), mustParse(b, fmt.Sprintf(`{"detail":{"sku":[{"wildcard":"X-%d-*"}]}}`, i)))
			}
			e := mustEvent(b, `{"version":"0","id":"1","source":"app.7","detail-type":"Order Placed","account":"123456789012",
				"time":"2026-12-06T00:00:00Z","region":"eu-west-1","resources":[],"detail":{"total":250,"region":"eu-west-1","sku":"X-3-9"}}`)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if got := s.Match(e); len(got) != 2 {
					b.Fatalf("matched %v", got)
				}
			}
		})
	}
}
