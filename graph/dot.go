package graph

import (
	"fmt"
	"strings"
)

// DOT renders the graph for Graphviz (`dot -Tsvg`). Parallel and Map states become clusters;
// edges to and from them are clipped to the cluster (compound=true).
func (g *Graph) DOT() string {
	var b strings.Builder
	b.WriteString("digraph stateMachine {\n")
	b.WriteString("  compound=true;\n")
	b.WriteString("  node [fontname=\"Helvetica\", fontsize=12, shape=box, style=rounded];\n")
	b.WriteString("  edge [fontname=\"Helvetica\", fontsize=10];\n")
	writeDOTNodes(&b, g.Root, "  ")
	for _, e := range allEdges(g.Root) {
		if e.Kind == EdgeRetry && e.From.Compound() {
			continue // in the cluster's label: a loop would attach to a state inside
		}
		from, ltail := dotEndpoint(e.From, "_out")
		to, lhead := dotEndpoint(e.To, "_in")
		var attrs []string
		if e.Label != "" {
			attrs = append(attrs, "label="+dotQuote(e.Label))
		}
		switch e.Kind {
		case EdgeCatch:
			attrs = append(attrs, "style=dashed")
		case EdgeRetry:
			attrs = append(attrs, "style=dotted")
		}
		if e.From != e.To {
			if ltail != "" {
				attrs = append(attrs, "ltail="+ltail)
			}
			if lhead != "" {
				attrs = append(attrs, "lhead="+lhead)
			}
		}
		fmt.Fprintf(&b, "  %s -> %s", from, to)
		if len(attrs) > 0 {
			fmt.Fprintf(&b, " [%s]", strings.Join(attrs, ", "))
		}
		b.WriteString(";\n")
	}
	b.WriteString("}\n")
	return b.String()
}

func writeDOTNodes(b *strings.Builder, m *Machine, indent string) {
	for _, n := range m.Nodes {
		if !n.Compound() {
			fmt.Fprintf(b, "%s%s [label=%s%s];\n", indent, n.ID, dotQuote(n.Name), dotShape(n))
			continue
		}
		fmt.Fprintf(b, "%ssubgraph cluster_%s {\n", indent, n.ID)
		fmt.Fprintf(b, "%s  label=%s;\n", indent, dotQuote(clusterTitle(n)))
		// Invisible entry and exit points above and below the branches: edges to and from the
		// state attach there, so Graphviz ranks the cluster as one box in the flow.
		fmt.Fprintf(b, "%s  %s_in [shape=point, style=invis, width=0, height=0];\n", indent, n.ID)
		fmt.Fprintf(b, "%s  %s_out [shape=point, style=invis, width=0, height=0];\n", indent, n.ID)
		for _, child := range n.Children {
			fmt.Fprintf(b, "%s  subgraph cluster_%s {\n", indent, child.ID)
			fmt.Fprintf(b, "%s    label=%s;\n", indent, dotQuote(child.Label))
			writeDOTNodes(b, child, indent+"    ")
			fmt.Fprintf(b, "%s  }\n", indent)
		}
		for _, child := range n.Children {
			if child.Start != nil {
				first, _ := dotEndpoint(child.Start, "_in")
				fmt.Fprintf(b, "%s  %s_in -> %s [style=invis];\n", indent, n.ID, first)
			}
			for _, last := range machineEnds(child) {
				id, _ := dotEndpoint(last, "_out")
				fmt.Fprintf(b, "%s  %s -> %s_out [style=invis];\n", indent, id, n.ID)
			}
		}
		fmt.Fprintf(b, "%s}\n", indent)
	}
}

func dotShape(n *Node) string {
	switch {
	case n.Kind != KindState:
		return ", shape=oval, style=filled, fillcolor=\"#eceff1\""
	case n.Type == "Choice":
		return ", shape=diamond, style=\"\""
	case n.Type == "Succeed":
		return ", style=\"rounded,filled\", fillcolor=\"#e8f5e9\""
	case n.Type == "Fail":
		return ", style=\"rounded,filled\", fillcolor=\"#ffebee\""
	}
	return ""
}

// dotEndpoint is the node an edge attaches to: the state's own, or for a Parallel or Map
// state its invisible entry (side "_in") or exit ("_out") point, with the cluster to clip the
// edge at.
func dotEndpoint(n *Node, side string) (id, cluster string) {
	if !n.Compound() {
		return n.ID, ""
	}
	return n.ID + side, "cluster_" + n.ID
}

// machineEnds lists the nodes of m that end it: those with no Next, Choice or Default edge.
func machineEnds(m *Machine) []*Node {
	leaves := map[*Node]bool{}
	for _, e := range m.Edges {
		if e.Kind == EdgeNext || e.Kind == EdgeChoice || e.Kind == EdgeDefault {
			leaves[e.From] = true
		}
	}
	var ends []*Node
	for _, n := range m.Nodes {
		if !leaves[n] {
			ends = append(ends, n)
		}
	}
	return ends
}

// allEdges lists the edges of m and of every machine nested in it, depth first.
func allEdges(m *Machine) []*Edge {
	edges := append([]*Edge(nil), m.Edges...)
	for _, n := range m.Nodes {
		for _, child := range n.Children {
			edges = append(edges, allEdges(child)...)
		}
	}
	return edges
}

var dotEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

func dotQuote(s string) string { return `"` + dotEscaper.Replace(s) + `"` }

// clusterTitle labels a Parallel or Map cluster with the state's name, type and retry policy.
func clusterTitle(n *Node) string {
	title := n.Name + " (" + string(n.Type) + ")"
	if n.Retry != "" {
		title += "\n" + n.Retry
	}
	return title
}
