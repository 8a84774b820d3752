package ui_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type converted struct {
	Text  string
	Error string
	Line  int
}

func (s *uiServer) convert(t *testing.T, from, text string) (int, converted) {
	t.Helper()
	var out converted
	status := s.postJSON(t, "/ui/api/editor/convert", map[string]string{"from": from, "text": text}, &out)
	return status, out
}

func TestConvertYAML(t *testing.T) {
	s := startServer(t, nil)

	t.Run("JSON to YAML and back keeps the definition", func(t *testing.T) {
		// Every definition of the repository's examples and conformance cases: unicode, JSONata,
		// deep nesting and odd numbers among them.
		files, _ := filepath.Glob("../examples/*.asl.json")
		more, _ := filepath.Glob("../graph/testdata/*.asl.json")
		files = append(files, more...)
		cases, _ := filepath.Glob("../testdata/conformance/*/*/definition.json")
		files = append(files, cases...)
		if len(files) < 10 {
			t.Fatalf("found only %d definitions to convert", len(files))
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			status, y := s.convert(t, "json", string(data))
			if status != http.StatusOK {
				t.Fatalf("%s to YAML: %d %s", f, status, y.Error)
			}
			status, back := s.convert(t, "yaml", y.Text)
			if status != http.StatusOK {
				t.Fatalf("%s back to JSON: %d %s\n%s", f, status, back.Error, y.Text)
			}
			// Same keys in the same order, same values: equal once both are compacted.
			if compact(t, back.Text) != compact(t, string(data)) {
				t.Errorf("%s: JSON → YAML → JSON changed it:\n%s\nYAML:\n%s", f, back.Text, y.Text)
			}
		}
	})

	t.Run("strings that look like other values stay strings", func(t *testing.T) {
		in := `{"StartAt": "true", "States": {"true": {"Type": "Pass", "Result": {"a": "123", "b": 123, "c": 1.50, "d": null, "e": "null", "f": "line1\nline2", "g": "{% $x %}", "h": false}, "End": true}}}`
		_, y := s.convert(t, "json", in)
		_, back := s.convert(t, "yaml", y.Text)
		if compact(t, back.Text) != compact(t, in) {
			t.Errorf("round trip:\n%s\nYAML:\n%s", back.Text, y.Text)
		}
		if !strings.Contains(y.Text, "StartAt: \"true\"") || !strings.Contains(y.Text, "c: 1.50") {
			t.Errorf("YAML:\n%s", y.Text)
		}
	})

	t.Run("YAML forms become JSON values", func(t *testing.T) {
		in := "StartAt: A # first\nStates:\n  A:\n    Type: Wait\n    Seconds: 0x10\n    Next: B\n  B: &done\n    Type: Succeed\n  C: *done\n"
		status, j := s.convert(t, "yaml", in)
		want := `{"StartAt":"A","States":{"A":{"Type":"Wait","Seconds":16,"Next":"B"},"B":{"Type":"Succeed"},"C":{"Type":"Succeed"}}}`
		if status != http.StatusOK || compact(t, j.Text) != want {
			t.Errorf("%d %q, want %s", status, j.Text, want)
		}
	})

	t.Run("bad input is refused with its line", func(t *testing.T) {
		for _, c := range []struct {
			from, text string
			line       int
			message    string
		}{
			{"yaml", "StartAt: A\nStates:\n  A: [1, 2\n", 2, "did not find expected"},
			{"yaml", "A: 1\nA: 2\n", 2, "appears twice"},
			{"yaml", "A: .inf\n", 1, "no JSON form"},
			{"yaml", "", 0, "empty"},
			{"json", "{\n  \"StartAt\": \"A\",\n  \"States\": {,}\n}", 3, "invalid character"},
			{"xml", "<a/>", 0, "from must be json or yaml"},
		} {
			status, out := s.convert(t, c.from, c.text)
			if status != http.StatusBadRequest || out.Line != c.line || !strings.Contains(out.Error, c.message) {
				t.Errorf("%s %q: %d line %d %q, want 400 line %d %q", c.from, c.text, status, out.Line, out.Error, c.line, c.message)
			}
		}
	})

	t.Run("aliases cannot blow up", func(t *testing.T) {
		// Nine levels of ten aliases each would be a billion strings.
		var b strings.Builder
		b.WriteString("a0: &a0 [\"" + strings.Repeat("x", 100) + "\"]\n")
		for i := 1; i <= 9; i++ {
			b.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
			for k := 0; k < 10; k++ {
				if k > 0 {
					b.WriteString(",")
				}
				b.WriteString("*a" + string(rune('0'+i-1)))
			}
			b.WriteString("]\n")
		}
		status, out := s.convert(t, "yaml", b.String())
		if status != http.StatusBadRequest || !strings.Contains(out.Error, "over") {
			t.Errorf("alias expansion: %d %q", status, out.Error)
		}
	})
}

// compact is a JSON text without its spacing, its keys in their written order.
func compact(t *testing.T, text string) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(text)); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, text)
	}
	return b.String()
}
