package jsonata

import (
	"os"
	"testing"
)

func TestDebugExpr(t *testing.T) {
	src := os.Getenv("JEXPR")
	if src == "" {
		t.Skip()
	}
	var input any = Undefined
	if ds := os.Getenv("JDATA"); ds != "" {
		b, _ := os.ReadFile("../../shared/conformance/jsonata/datasets/" + ds + ".json")
		input, _ = DecodeJSON(b)
	}
	e, err := Compile(src)
	if err != nil {
		t.Fatal(err)
	}
	r, err := e.Eval(input, nil)
	t.Logf("result=%s err=%v", show(r), err)
}
