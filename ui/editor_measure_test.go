package ui_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// BenchmarkEditorLargeDefinitions measures, in a real Chromium, how the editor keeps up with
// large definitions: each iteration changes one value in the text as a keystroke would, and
// reads what the page measured with performance.now() (see validate in ui.js):
//
//	input-ms     the input event's own work (the line numbers), what a keystroke waits for
//	validate-ms  the round trip to POST /ui/api/validate: the checks, the layout, the SVG
//	draw-ms      putting the graph and the problems on the page, up to the next frame
//
// Run it with: go test ./ui -run '^$' -bench EditorLargeDefinitions -benchtime 5x
// It reports; it asserts no time (the machine it runs on decides those).
func BenchmarkEditorLargeDefinitions(b *testing.B) {
	for _, c := range []struct {
		name       string
		definition string
		expand     bool
	}{
		{"1MiB-300-states", megabyteMachine(), false},
		{"5000-states-flat", flatMachine(5000), false},
		{"5000-states-in-branches-collapsed", wideMachine(50, 25), false},
		{"5000-states-in-branches-expanded", wideMachine(50, 25), true},
	} {
		b.Run(c.name, func(b *testing.B) {
			s := startServer(b, nil)
			ctx := newBrowser(b)
			do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
				b.Helper()
				stepCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
				defer cancel()
				if err := chromedp.Do(stepCtx, actions...); err != nil {
					b.Fatalf("%s: %v", what, err)
				}
			}
			measured := func(n int) chromedp.Action[chromedp.Void] {
				return chromedp.WaitVisible(chromedp.CSS(`main[data-measured="` + strconv.Itoa(n) + `"]`))
			}
			do("open the editor", chromedp.Navigate(s.URL+"/ui/editor"), measured(1))
			do("paste the definition", setDefinition(c.definition), measured(2))
			seq := 2
			if c.expand {
				do("expand", chromedp.Click(chromedp.CSS(`#expand-graph`)), measured(3))
				seq = 3
			}
			if len(c.definition) > 1<<20 {
				b.Fatalf("the definition is %d bytes, over the 1 MiB limit", len(c.definition))
			}
			b.Logf("%d bytes; %s", len(c.definition), textOf(b, ctx, `#graph-note`))
			var inputMs, validateMs, drawMs float64
			b.ResetTimer()
			for i := range b.N {
				// A keystroke: one digit of the first state's Comment changes.
				var took float64
				script := `(() => { const t = document.getElementById("definition");
					const at = t.value.indexOf("step ") + 5;
					t.value = t.value.slice(0, at) + "` + strconv.Itoa(i%10) + `" + t.value.slice(at + 1);
					const t0 = performance.now(); t.dispatchEvent(new Event("input")); return performance.now() - t0; })()`
				do("type", into(chromedp.Evaluate[float64](script), &took), measured(seq+1))
				seq++
				var v, d string
				do("read", into(chromedp.Evaluate[string](`document.querySelector("main").dataset.validateMs`), &v),
					into(chromedp.Evaluate[string](`document.querySelector("main").dataset.drawMs`), &d))
				vf, _ := strconv.ParseFloat(v, 64)
				df, _ := strconv.ParseFloat(d, 64)
				inputMs += took
				validateMs += vf
				drawMs += df
			}
			b.StopTimer()
			n := float64(b.N)
			b.ReportMetric(inputMs/n, "input-ms")
			b.ReportMetric(validateMs/n, "validate-ms")
			b.ReportMetric(drawMs/n, "draw-ms")
		})
	}
}

func textOf(b *testing.B, ctx context.Context, sel string) string {
	var s string
	if err := chromedp.Do(ctx, into(chromedp.Evaluate[string](`document.querySelector(`+strconv.Quote(sel)+`).textContent`), &s)); err != nil {
		b.Fatal(err)
	}
	return s
}

// flatMachine is n Pass states in a line, with a Choice every 50, each with a Comment.
func flatMachine(n int) string {
	states := map[string]any{}
	name := func(i int) string { return fmt.Sprintf("S%04d", i) }
	for i := range n {
		var st map[string]any
		switch {
		case i%50 == 25 && i+1 < n:
			st = map[string]any{"Type": "Choice", "Comment": fmt.Sprintf("step %d", i),
				"Choices": []any{map[string]any{"Variable": "$.x", "NumericGreaterThan": i, "Next": name(i + 1)}}, "Default": name(i + 1)}
		default:
			st = map[string]any{"Type": "Pass", "Comment": fmt.Sprintf("step %d", i), "Result": map[string]any{"i": i}}
			if i+1 < n {
				st["Next"] = name(i + 1)
			} else {
				st["End"] = true
			}
		}
		states[name(i)] = st
	}
	out, _ := json.MarshalIndent(map[string]any{"StartAt": name(0), "States": states}, "", "  ")
	return string(out)
}

// megabyteMachine is 300 Pass states whose Results make the text just under 1 MiB, the
// largest definition Step Functions takes.
func megabyteMachine() string {
	states := map[string]any{}
	for i := range 300 {
		st := map[string]any{"Type": "Pass", "Comment": fmt.Sprintf("step %d", i), "Result": map[string]any{"blob": strings.Repeat("x", 3300)}}
		if i+1 < 300 {
			st["Next"] = fmt.Sprintf("Big%03d", i+1)
		} else {
			st["End"] = true
		}
		states[fmt.Sprintf("Big%03d", i)] = st
	}
	out, _ := json.MarshalIndent(map[string]any{"StartAt": "Big000", "States": states}, "", "  ")
	return string(out)
}
