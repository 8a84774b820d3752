package jsonvalue

import "testing"

func TestEqual(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want bool
	}{
		{`{"a":1,"b":[1,2]}`, `{"b":[1,2],"a":1.0}`, true},
		{`[1,2]`, `[2,1]`, false},
		{`{"a":null}`, `{}`, false},
		{`"1"`, `1`, false},
		{`null`, `null`, true},
	}
	for _, tt := range tests {
		a, _ := Unmarshal([]byte(tt.a))
		b, _ := Unmarshal([]byte(tt.b))
		if got := Equal(a, b); got != tt.want {
			t.Errorf("Equal(%s, %s) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestMarshalKeepsHTMLAndIntegers(t *testing.T) {
	t.Parallel()
	got := MarshalString(map[string]any{"s": "<a&b>", "n": 3.0, "f": 1.5})
	if want := `{"f":1.5,"n":3,"s":"<a&b>"}`; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestUnmarshalRejectsTrailingData(t *testing.T) {
	t.Parallel()
	if _, err := Unmarshal([]byte(`{} {}`)); err == nil {
		t.Fatal("want error for trailing data")
	}
}
