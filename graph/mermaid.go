package graph

import (
	"fmt"
	"strings"
)

// Mermaid renders the graph as a Mermaid flowchart (top to bottom). Parallel and Map states
// become subgraphs that edges point at directly.
func (g *Graph) Mermaid() string {
	var b strings.Builder
	b.WriteString("flowchart TD\n")
	writeMermaidNodes(&b, g.Root, "  ")
	for _, e := range allEdges(g.Root) {
		if e.Kind == EdgeRetry && e.From.Compound() {
			continue // in the subgraph's title
		}
		arrow := "-->"
		if e.Kind == EdgeCatch || e.Kind == EdgeRetry {
			arrow = "-.->"
		}
		label := ""
		if e.Label != "" {
			label = "|" + mermaidQuote(e.Label) + "|"
		}
		fmt.Fprintf(&b, "  %s %s%s %s\n", mermaidID(e.From), arrow, label, mermaidID(e.To))
	}
	var succeed, fail []string
	for _, n := range g.Nodes {
		switch n.Type {
		case "Succeed":
			succeed = append(succeed, n.ID)
		case "Fail":
			fail = append(fail, n.ID)
		}
	}
	if len(succeed) > 0 {
		b.WriteString("  classDef succeed fill:#e8f5e9,stroke:#2e7d32\n")
		fmt.Fprintf(&b, "  class %s succeed\n", strings.Join(succeed, ","))
	}
	if len(fail) > 0 {
		b.WriteString("  classDef fail fill:#ffebee,stroke:#c62828\n")
		fmt.Fprintf(&b, "  class %s fail\n", strings.Join(fail, ","))
	}
	return b.String()
}

func writeMermaidNodes(b *strings.Builder, m *Machine, indent string) {
	for _, n := range m.Nodes {
		if !n.Compound() {
			open, close := "[", "]"
			switch {
			case n.Kind != KindState:
				open, close = "((", "))"
			case n.Type == "Choice":
				open, close = "{", "}"
			case n.Type == "Succeed" || n.Type == "Fail":
				open, close = "([", "])"
			}
			fmt.Fprintf(b, "%s%s%s%s%s\n", indent, mermaidID(n), open, mermaidQuote(n.Name), close)
			continue
		}
		fmt.Fprintf(b, "%ssubgraph %s [%s]\n", indent, n.ID, mermaidQuote(strings.ReplaceAll(clusterTitle(n), "\n", " · ")))
		for _, child := range n.Children {
			fmt.Fprintf(b, "%s  subgraph %s [%s]\n", indent, child.ID, mermaidQuote(child.Label))
			if child.Start == nil {
				fmt.Fprintf(b, "%s    %s_empty[ ]\n", indent, child.ID)
			}
			writeMermaidNodes(b, child, indent+"    ")
			fmt.Fprintf(b, "%s  end\n", indent)
		}
		fmt.Fprintf(b, "%send\n", indent)
	}
}

// mermaidID avoids "end", which Mermaid reads as the end of a subgraph.
func mermaidID(n *Node) string {
	if n.Kind == KindEnd {
		return "End"
	}
	return n.ID
}

var mermaidEscaper = strings.NewReplacer(`"`, "#quot;", "<", "#lt;", ">", "#gt;")

func mermaidQuote(s string) string { return `"` + mermaidEscaper.Replace(s) + `"` }
