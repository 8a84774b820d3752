package asl

import "fmt"

// transition is one edge of a machine's state graph, with where it is written.
type transition struct {
	field    string // "Next", "Default"
	target   string
	location string
}

// transitionsOf lists the transitions a state declares, in definition order.
func transitionsOf(st State) []transition {
	b := st.Base()
	var out []transition
	if b.Next != "" {
		out = append(out, transition{"Next", b.Next, b.Location + "/Next"})
	}
	if c, ok := st.(*Choice); ok {
		for _, r := range c.Choices {
			if r.Next != "" {
				out = append(out, transition{"Next", r.Next, r.Location + "/Next"})
			}
		}
		if c.Default != "" {
			out = append(out, transition{"Default", c.Default, b.Location + "/Default"})
		}
	}
	for i, c := range b.Catch {
		if c.Next != "" {
			out = append(out, transition{"Next", c.Next, fmt.Sprintf("%s/Catch/%d/Next", b.Location, i)})
		}
	}
	return out
}

// checkTransitions checks one machine's graph: StartAt and every transition name a state of
// this machine (a branch or iteration cannot jump out), every state is reachable, and some
// state ends the machine.
func (p *parser) checkTransitions(sm *StateMachine) {
	if _, ok := sm.States[sm.StartAt]; !ok {
		p.add(CodeMissingTransitionTarget, sm.Location+"/StartAt", fmt.Sprintf("Missing 'StartAt' target: %s", sm.StartAt))
	}
	reachable := make(map[string]bool, len(sm.States))
	var queue []string
	visit := func(name string) {
		if _, ok := sm.States[name]; ok && !reachable[name] {
			reachable[name] = true
			queue = append(queue, name)
		}
	}
	visit(sm.StartAt)
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		for _, t := range transitionsOf(sm.States[name]) {
			visit(t.target)
		}
	}
	terminal := false
	for _, name := range sm.Order {
		st := sm.States[name]
		for _, t := range transitionsOf(st) {
			if _, ok := sm.States[t.target]; !ok {
				p.add(CodeMissingTransitionTarget, t.location, fmt.Sprintf("Missing '%s' target: %s", t.field, t.target))
			}
		}
		switch st.(type) {
		case *Succeed, *Fail:
			terminal = true
		default:
			if st.Base().End {
				terminal = true
			}
		}
	}
	if _, ok := sm.States[sm.StartAt]; ok {
		for _, name := range sm.Order {
			if !reachable[name] {
				p.add(CodeMissingTransitionTarget, sm.States[name].Base().Location, fmt.Sprintf("State \"%s\" is not reachable.", name))
			}
		}
	}
	if !terminal && len(sm.States) > 0 {
		p.add(CodeMissingEndState, pointer(sm.Location), "Workflow has no terminal state")
	}
}
