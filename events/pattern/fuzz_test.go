package pattern

import "testing"

// FuzzParseAndMatch: any pattern text either parses or is refused with an *Error, never a
// panic; a parsed pattern answers the same for an event alone and in a Set.
func FuzzParseAndMatch(f *testing.F) {
	f.Add(`{"source":["a"],"detail":{"n":[{"numeric":[">",1,"<=",5]}]}}`, `{"source":"a","detail":{"n":3}}`)
	f.Add(`{"$or":[{"a":[{"prefix":"x"}]},{"b":[{"anything-but":{"wildcard":"*y*"}}]}]}`, `{"a":"xz","b":["y",1,null]}`)
	f.Add(`{"ip":[{"cidr":"10.0.0.0/8"}],"e":[{"exists":false}]}`, `{"ip":"10.1.2.3"}`)
	f.Add(`{"o":{"k":["1"],"v":[{"equals-ignore-case":"A"}]}}`, `{"o":[{"k":"1","v":"a"},{"k":"2"}]}`)
	f.Fuzz(func(t *testing.T, pattern, event string) {
		p, err := Parse(pattern)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		e, err := ParseEvent([]byte(event))
		if err != nil {
			return
		}
		alone := p.Match(e)
		s := NewSet()
		s.Add("p", p)
		if got := len(s.Match(e)) == 1; got != alone {
			t.Fatalf("alone %v, in a set %v", alone, got)
		}
	})
}
