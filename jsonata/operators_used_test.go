package jsonata

import (
	"reflect"
	"testing"
)

func TestOperatorsUsed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr string
		want []OperatorUse
	}{
		{`a ?? b`, []OperatorUse{{"??", 4}}},
		{`a ?: "x ?? y" ?? c`, []OperatorUse{{"?:", 4}, {"??", 16}}},
		{`$x ? 1 : 2`, nil},
		{`"??"`, nil},
	}
	for _, tt := range tests {
		if got := OperatorsUsed(tt.expr, "??", "?:"); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("OperatorsUsed(%q) = %v, want %v", tt.expr, got, tt.want)
		}
	}
}
