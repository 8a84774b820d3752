package graph

import (
	"fmt"
	"strconv"
	"strings"
)

// svgStyle is the drawing's stylesheet. The sf-status-* classes are for pages that colour
// states by their execution status (the web UI sets them on a node's group).
const svgStyle = `.sf-graph{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;font-size:12px}
.sf-node>rect{fill:#fff;stroke:#66727f;stroke-width:1.2}
.sf-node text{fill:#1f2933}
.sf-node .sf-type{fill:#6b7785;font-size:10px}
.sf-terminal>rect{fill:#eceff1}
.sf-type-Choice>rect{fill:#fffbea}
.sf-type-Succeed>rect{fill:#f1f8f2}
.sf-type-Fail>rect{fill:#fdf1f1}
.sf-compound>rect{fill:#f7f9fb;stroke:#9aa5b1;stroke-dasharray:5 3}
.sf-compound>text{font-weight:600}
.sf-machine>rect{fill:#fff;fill-opacity:.6;stroke:#c3ccd5}
.sf-machine>text{fill:#6b7785;font-size:10px}
.sf-edge{fill:none;stroke:#7d8894;stroke-width:1.2}
.sf-edge-catch{stroke:#c0392b;stroke-dasharray:5 4}
.sf-edge-retry{stroke:#8e6cc0;stroke-dasharray:2 3}
.sf-label>rect{fill:#fff;fill-opacity:.9}
.sf-label>text{fill:#44505c;font-size:10px}
.sf-label-catch>text{fill:#c0392b}
.sf-note{fill:#8e6cc0;font-size:10px}
.sf-node.sf-status-running>rect{fill:#e3f2fd;stroke:#1e88e5;stroke-width:2}
.sf-node.sf-status-succeeded>rect{fill:#e8f5e9;stroke:#2e7d32;stroke-width:2}
.sf-node.sf-status-failed>rect{fill:#ffebee;stroke:#c62828;stroke-width:2}
.sf-node.sf-status-caught>rect{fill:#fff3e0;stroke:#ef6c00;stroke-width:2}
.sf-node.sf-selected>rect{stroke-width:3}
`

// SVG renders the graph as a self-contained SVG document: no fonts, scripts or images to
// fetch. Each node is a <g class="sf-node" data-state="NAME" data-id="ID"> so a page can find
// and colour it.
func (g *Graph) SVG() string {
	l := Arrange(g)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="sf-graph" viewBox="0 0 %s %s" width="%s" height="%s" role="img" aria-label="State machine graph">`+"\n",
		num(l.Width), num(l.Height), num(l.Width), num(l.Height))
	b.WriteString("<style>\n" + svgStyle + "</style>\n")
	b.WriteString(`<defs><marker id="sf-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0L10,5L0,10z" fill="#7d8894"/></marker>` +
		`<marker id="sf-arrow-catch" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0L10,5L0,10z" fill="#c0392b"/></marker>` +
		`<marker id="sf-arrow-retry" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0L10,5L0,10z" fill="#8e6cc0"/></marker></defs>` + "\n")

	// Clusters first, then edges, then nodes on top: a compound box and its machines are
	// drawn before the states inside them.
	for _, n := range g.Nodes {
		if !n.Compound() {
			continue
		}
		box := l.Boxes[n]
		fmt.Fprintf(&b, `<g class="sf-node sf-compound sf-type-%s" data-state="%s" data-id="%s"><title>%s</title>`,
			xmlEscape(string(n.Type)), xmlEscape(n.Name), n.ID, xmlEscape(n.Name+" ("+string(n.Type)+")"))
		writeRect(&b, box, 8)
		fmt.Fprintf(&b, `<text x="%s" y="%s">%s <tspan class="sf-type">%s</tspan></text></g>`+"\n",
			num(box.X+10), num(box.Y+19), xmlEscape(DisplayName(n)), xmlEscape(string(n.Type)))
		for _, child := range n.Children {
			mb := l.MachineBoxes[child]
			fmt.Fprintf(&b, `<g class="sf-machine" data-id="%s">`, child.ID)
			writeRect(&b, mb, 6)
			fmt.Fprintf(&b, `<text x="%s" y="%s">%s</text></g>`+"\n", num(mb.X+8), num(mb.Y+14), xmlEscape(child.Label))
		}
	}
	for _, r := range l.Routes {
		writeRoute(&b, r)
	}
	for _, n := range g.Nodes {
		if n.Compound() {
			continue
		}
		writeNode(&b, n, l.Boxes[n])
	}
	b.WriteString("</svg>\n")
	return b.String()
}

func writeNode(b *strings.Builder, n *Node, box Rect) {
	cx, cy := box.X+box.W/2, box.Y+box.H/2
	if n.Kind != KindState {
		fmt.Fprintf(b, `<g class="sf-node sf-terminal" data-id="%s">`, n.ID)
		writeRect(b, box, box.H/2)
		fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="middle">%s</text></g>`+"\n", num(cx), num(cy+4), n.Name)
		return
	}
	title := n.Name + " (" + string(n.Type) + ")"
	if n.Retry != "" {
		title += "\n" + n.Retry
	}
	fmt.Fprintf(b, `<g class="sf-node sf-type-%s" data-state="%s" data-id="%s"><title>%s</title>`,
		xmlEscape(string(n.Type)), xmlEscape(n.Name), n.ID, xmlEscape(title))
	radius := 6.0
	if n.Type == "Choice" {
		radius = 18
	}
	writeRect(b, box, radius)
	fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="middle">%s</text>`, num(cx), num(cy-1), xmlEscape(DisplayName(n)))
	fmt.Fprintf(b, `<text class="sf-type" x="%s" y="%s" text-anchor="middle">%s</text></g>`+"\n", num(cx), num(cy+13), xmlEscape(string(n.Type)))
}

func writeRect(b *strings.Builder, r Rect, radius float64) {
	fmt.Fprintf(b, `<rect x="%s" y="%s" width="%s" height="%s" rx="%s"/>`, num(r.X), num(r.Y), num(r.W), num(r.H), num(radius))
}

func writeRoute(b *strings.Builder, r Route) {
	kind, marker := "next", "sf-arrow"
	switch r.Edge.Kind {
	case EdgeChoice:
		kind = "choice"
	case EdgeDefault:
		kind = "default"
	case EdgeCatch:
		kind, marker = "catch", "sf-arrow-catch"
	case EdgeRetry:
		kind, marker = "retry", "sf-arrow-retry"
	}
	fmt.Fprintf(b, `<path class="sf-edge sf-edge-%s" data-from="%s" data-to="%s" d="%s" marker-end="url(#%s)"/>`+"\n",
		kind, r.Edge.From.ID, r.Edge.To.ID, pathData(r), marker)
	if r.Edge.Label == "" {
		return
	}
	if r.Edge.Kind == EdgeRetry {
		fmt.Fprintf(b, `<text class="sf-note" x="%s" y="%s"><title>%s</title>%s</text>`+"\n",
			num(r.Label.X+2), num(r.Label.Y+4), xmlEscape(r.Edge.Label), xmlEscape(DisplayNote(r.Edge.Label)))
		return
	}
	text := shorten(r.Edge.Label, maxLabelChars)
	w := labelWidth(r.Edge.Label)
	fmt.Fprintf(b, `<g class="sf-label sf-label-%s"><title>%s</title>`, kind, xmlEscape(r.Edge.Label))
	writeRect(b, Rect{X: r.Label.X - w/2, Y: r.Label.Y - 8, W: w, H: 16}, 3)
	fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="middle">%s</text></g>`+"\n", num(r.Label.X), num(r.Label.Y+3.5), xmlEscape(text))
}

// pathData joins a route's points with vertical-tangent curves; straight vertical runs stay
// lines. A retry loop bulges out to the right of its node.
func pathData(r Route) string {
	p := r.Points
	if r.Edge.Kind == EdgeRetry {
		a, z := p[0], p[1]
		return fmt.Sprintf("M%s,%s C%s,%s %s,%s %s,%s", num(a.X), num(a.Y), num(a.X+loopWidth), num(a.Y-12),
			num(z.X+loopWidth), num(z.Y+12), num(z.X), num(z.Y))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "M%s,%s", num(p[0].X), num(p[0].Y))
	for i := 1; i < len(p); i++ {
		a, z := p[i-1], p[i]
		if a.X == z.X {
			fmt.Fprintf(&b, " L%s,%s", num(z.X), num(z.Y))
			continue
		}
		dy := (z.Y - a.Y) / 2
		fmt.Fprintf(&b, " C%s,%s %s,%s %s,%s", num(a.X), num(a.Y+dy), num(z.X), num(z.Y-dy), num(z.X), num(z.Y))
	}
	return b.String()
}

// num writes a coordinate with at most one decimal.
func num(f float64) string {
	return strconv.FormatFloat(float64(int64(f*10+copysignHalf(f)))/10, 'f', -1, 64)
}

func copysignHalf(f float64) float64 {
	if f < 0 {
		return -0.5
	}
	return 0.5
}

var xmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;")

func xmlEscape(s string) string { return xmlEscaper.Replace(s) }
