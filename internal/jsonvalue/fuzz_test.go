package jsonvalue

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// FuzzDecode checks Decode against encoding/json: it accepts exactly the documents
// encoding/json accepts (and integers too large for a float64), with the same error text when it refuses one; the value is equal
// to encoding/json's (numbers by value); writing it and reading it back gives the same
// value with its keys in the same order; and the text it writes is valid JSON.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{`{"b":1,"a":[true,null,"x"]}`, `9007199254740993`, `[1.0,1e21,-0,-0.0,0.1]`,
		`{"a":1,"a":2}`, `"\ud83d\ude00\u2028<&>"`, "\"\xff\"", `{"a":{"b":{"c":[]}}}`, ` [ ] `, `{} x`, `[1,]`, `1e400`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Decode(data)
		var plain any
		perr := json.Unmarshal(data, &plain)
		var tooBig *json.UnmarshalTypeError
		if err == nil && errors.As(perr, &tooBig) && strings.HasPrefix(tooBig.Value, "number") {
			// An integer beyond float64's range: AWS (and Decode) keep it exact, encoding/json
			// cannot hold it.
			perr, plain = nil, floats(v)
		}
		if (err == nil) != (perr == nil) {
			t.Fatalf("Decode error %v, encoding/json error %v", err, perr)
		}
		if err != nil {
			if err.Error() != perr.Error() {
				t.Fatalf("Decode error %q, encoding/json's %q", err, perr)
			}
			return
		}
		if !Equal(floats(v), plain) { // encoding/json rounds every number to a float64
			t.Fatalf("Decode gives %s, encoding/json %s", MarshalString(v), MarshalString(plain))
		}
		text := Append(nil, v)
		if !json.Valid(text) {
			t.Fatalf("wrote invalid JSON %q", text)
		}
		again, err := Decode(text)
		if err != nil {
			t.Fatalf("reading back %s: %v", text, err)
		}
		if !EqualOrdered(v, again) || string(Append(nil, again)) != string(text) {
			t.Fatalf("round trip changed %s into %s", text, Append(nil, again))
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	doc := []byte(`{"id":"doc-1","version":7,"owner":{"name":"bench","team":"perf"},"records":[`)
	for i := range 200 {
		if i > 0 {
			doc = append(doc, ',')
		}
		doc = append(doc, `{"id":12,"sku":"SKU-000012","name":"Item — ünïcødé","tags":["alpha","beta"],"price":12.5,"active":false,"dims":{"w":1,"h":2,"d":3}}`...)
	}
	doc = append(doc, "]}"...)
	b.Run("jsonvalue", func(b *testing.B) {
		b.SetBytes(int64(len(doc)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Decode(doc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.SetBytes(int64(len(doc)))
		b.ReportAllocs()
		for b.Loop() {
			var v any
			if err := json.Unmarshal(doc, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
}
