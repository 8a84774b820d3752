package interp

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkJSONataState measures a JSONata Pass state reading one field of a 500-field input.
func BenchmarkJSONataState(b *testing.B) {
	p := compile(b, `{"StartAt":"A","QueryLanguage":"JSONata","States":{"A":{"Type":"Pass","Output":{"v":"{% $states.input.f7 %}","n":"{% $count($keys($states.input)) %}"},"End":true}}}`, Options{})
	var sb strings.Builder
	sb.WriteString("{")
	for i := range 500 {
		if i > 0 {
			sb.WriteString(",")
		}
		fmt.Fprintf(&sb, `"f%d":{"id":%d,"name":"item %d","tags":["a","b"]}`, i, i, i)
	}
	sb.WriteString("}")
	input := decode(b, sb.String())
	b.ReportAllocs()
	for b.Loop() {
		if _, step := p.Start(testInfo(), input); !step.Done {
			b.Fatal("not done")
		}
	}
}

// BenchmarkJSONataStateExactNumbers is BenchmarkJSONataState with integers beyond 2^53 in
// the input: JSONata reads the input as it is, with no copy that turns them into doubles.
func BenchmarkJSONataStateExactNumbers(b *testing.B) {
	p := compile(b, `{"StartAt":"A","QueryLanguage":"JSONata","States":{"A":{"Type":"Pass","Output":{"v":"{% $states.input.f7 %}","n":"{% $count($keys($states.input)) %}"},"End":true}}}`, Options{})
	var sb strings.Builder
	sb.WriteString("{")
	for i := range 500 {
		if i > 0 {
			sb.WriteString(",")
		}
		fmt.Fprintf(&sb, `"f%d":{"id":%d,"name":"item %d","tags":["a","b"]}`, i, 9007199254740993+2*i, i)
	}
	sb.WriteString("}")
	input := decode(b, sb.String())
	b.ReportAllocs()
	for b.Loop() {
		if _, step := p.Start(testInfo(), input); !step.Done {
			b.Fatal("not done")
		}
	}
}
