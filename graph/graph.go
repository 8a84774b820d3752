package graph

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/stepflow/stepflow/asl"
)

// NodeKind says whether a node is a state or one of the Start/End terminals.
type NodeKind int

// Node kinds.
const (
	KindState NodeKind = iota
	KindStart
	KindEnd
)

// Node is one box of the drawing: a state, or the Start or End terminal of the top machine.
// A Parallel or Map state has Children (its branches, or its item processor) and is drawn as
// a cluster around them.
type Node struct {
	ID       string // "start", "end", or "s0", "s1", ... depth first in definition order
	Kind     NodeKind
	Name     string        // the state's name; "Start" or "End" for terminals
	Type     asl.StateType // "" for terminals
	Retry    string        // the Retry policy summarised, "" when the state has none
	Machine  *Machine      // the machine the node belongs to
	Children []*Machine
}

// Compound reports whether the node is drawn as a cluster around nested machines.
func (n *Node) Compound() bool { return len(n.Children) > 0 }

// Machine is the top-level machine or a nested one (a Parallel branch, a Map item processor).
type Machine struct {
	ID     string // "root", or the parent's ID followed by "_b0", "_b1", ...
	Label  string // "" for the root; "Branch 1", "Item processor"
	Parent *Node  // nil for the root
	Start  *Node  // the node the machine starts at: Start for the root, the StartAt state inside
	Nodes  []*Node
	Edges  []*Edge
}

// EdgeKind says why one state follows another.
type EdgeKind int

// Edge kinds.
const (
	EdgeNext    EdgeKind = iota // Next, and the Start → StartAt and end-state → End edges
	EdgeChoice                  // a Choice rule; Label is the rule
	EdgeDefault                 // a Choice's Default
	EdgeCatch                   // a Catcher; Label lists its error names
	EdgeRetry                   // a self-loop for a Retry policy; Label summarises it
)

// Edge is an arrow between two nodes of the same machine.
type Edge struct {
	From, To *Node
	Kind     EdgeKind
	Label    string
}

// Graph is a drawable state machine.
type Graph struct {
	Root  *Machine
	Nodes []*Node // every node, depth first in definition order
}

// Build makes the graph of a parsed definition. It accepts a best-effort parse of an invalid
// definition too: transitions to missing states are left out.
func Build(sm *asl.StateMachine) *Graph {
	g := &Graph{}
	b := &builder{g: g}
	g.Root = &Machine{ID: "root"}
	start := b.node(g.Root, KindStart, "Start")
	b.machine(g.Root, sm)
	end := b.node(g.Root, KindEnd, "End")
	start.ID, end.ID = "start", "end"
	g.Root.Start = start
	if first := stateNode(g.Root, sm.StartAt); first != nil {
		g.Root.Edges = append([]*Edge{{From: start, To: first, Kind: EdgeNext}}, g.Root.Edges...)
	}
	for _, n := range g.Root.Nodes {
		if n.Kind == KindState && endsMachine(sm.States[n.Name]) {
			g.Root.Edges = append(g.Root.Edges, &Edge{From: n, To: end, Kind: EdgeNext})
		}
	}
	return g
}

type builder struct {
	g    *Graph
	next int
}

func (b *builder) node(m *Machine, kind NodeKind, name string) *Node {
	n := &Node{Kind: kind, Name: name, Machine: m}
	if kind == KindState {
		n.ID = "s" + strconv.Itoa(b.next)
		b.next++
	}
	m.Nodes = append(m.Nodes, n)
	b.g.Nodes = append(b.g.Nodes, n)
	return n
}

// machine adds the states of sm to m (depth first, so nested states follow their parent) and
// then the edges between them.
func (b *builder) machine(m *Machine, sm *asl.StateMachine) {
	if sm == nil {
		return
	}
	for _, name := range stateOrder(sm) {
		st := sm.States[name]
		n := b.node(m, KindState, name)
		n.Type = st.Base().Type
		n.Retry = retrySummary(st.Base().Retry)
		var nested []*asl.StateMachine
		var labels []string
		switch s := st.(type) {
		case *asl.Parallel:
			for i, br := range s.Branches {
				nested = append(nested, br)
				labels = append(labels, "Branch "+strconv.Itoa(i+1))
			}
		case *asl.Map:
			if s.ItemProcessor != nil {
				nested = append(nested, s.ItemProcessor)
				labels = append(labels, "Item processor")
			}
		}
		for i, child := range nested {
			cm := &Machine{ID: n.ID + "_b" + strconv.Itoa(i), Label: labels[i], Parent: n}
			n.Children = append(n.Children, cm)
			b.machine(cm, child)
		}
	}
	m.Start = stateNode(m, sm.StartAt)
	for _, name := range stateOrder(sm) {
		from := stateNode(m, name)
		base := sm.States[name].Base()
		add := func(to string, kind EdgeKind, label string) {
			if target := stateNode(m, to); target != nil {
				m.Edges = append(m.Edges, &Edge{From: from, To: target, Kind: kind, Label: label})
			}
		}
		if base.Retry != nil {
			m.Edges = append(m.Edges, &Edge{From: from, To: from, Kind: EdgeRetry, Label: from.Retry})
		}
		if c, ok := sm.States[name].(*asl.Choice); ok {
			for _, r := range c.Choices {
				add(r.Next, EdgeChoice, RuleText(&r))
			}
			if c.Default != "" {
				add(c.Default, EdgeDefault, "Default")
			}
		}
		if base.Next != "" {
			add(base.Next, EdgeNext, "")
		}
		for _, c := range base.Catch {
			add(c.Next, EdgeCatch, strings.Join(c.ErrorEquals, ", "))
		}
	}
}

// stateOrder lists the states as the definition does; a hand-built model without Order gets
// them sorted by name.
func stateOrder(sm *asl.StateMachine) []string {
	if len(sm.Order) == len(sm.States) {
		return sm.Order
	}
	names := make([]string, 0, len(sm.States))
	for name := range sm.States {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

func stateNode(m *Machine, name string) *Node {
	for _, n := range m.Nodes {
		if n.Kind == KindState && n.Name == name {
			return n
		}
	}
	return nil
}

// endsMachine reports whether the state ends its machine (End, Succeed or Fail), so that the
// top machine draws an arrow from it to the End terminal.
func endsMachine(st asl.State) bool {
	if st == nil {
		return false
	}
	switch st.(type) {
	case *asl.Succeed, *asl.Fail:
		return true
	}
	return st.Base().End
}

// retrySummary describes a Retry array in a few words: each retrier's errors and attempts.
func retrySummary(retry []asl.Retrier) string {
	if len(retry) == 0 {
		return ""
	}
	parts := make([]string, len(retry))
	for i, r := range retry {
		parts[i] = fmt.Sprintf("%s ×%d", strings.Join(r.ErrorEquals, ", "), r.MaxAttempts)
	}
	return "retry " + strings.Join(parts, "; ")
}
