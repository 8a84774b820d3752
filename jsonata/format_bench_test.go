package jsonata

import "testing"

// BenchmarkFormatFunctions measures the picture functions that follow the reference step
// by step: one evaluation each, with its picture analysed every time as in jsonata-js.
func BenchmarkFormatFunctions(b *testing.B) {
	for _, bc := range []struct{ name, expr string }{
		{"formatNumber", `$formatNumber(1234567.891, "#,##0.00")`},
		{"formatInteger", `$formatInteger(1234567, "#,##0")`},
		{"fromMillis", `$fromMillis(1525168800500, "[Y0001]-[M01]-[D01] [H01]:[m01]:[s01] [Z]", "+0530")`},
		{"toMillisISO", `$toMillis("2018-05-01T10:20:30.500Z")`},
		{"toMillisLegacy", `$toMillis("2018.5")`},
		{"toMillisPicture", `$toMillis("1 May 2018 10:20", "[D] [MNn] [Y] [H]:[m]")`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			e, err := Compile(bc.expr)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := e.Eval(Undefined, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
