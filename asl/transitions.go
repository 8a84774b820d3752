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
			out = append(out, transition{"Next", c.Next, fmt.Sprintf("%s/Catch[%d]/Next", b.Location, i)})
		}
	}
	return out
}

// checkTransitions checks one machine's graph as AWS does: StartAt and every transition name
// a state of this machine (a branch or iteration cannot jump out), some state ends the
// machine, and every state but the start is the target of some transition. Like AWS, a state
// counts as reachable when anything routes to it, and a machine with no terminal state gets
// only that diagnostic, not the unreachable-state ones.
func (p *parser) checkTransitions(sm *StateMachine) {
	if _, ok := sm.States[sm.StartAt]; !ok {
		p.add(CodeMissingTransitionTarget, sm.Location+"/StartAt", fmt.Sprintf("Missing 'Next' target: %s", sm.StartAt))
	}
	targeted := make(map[string]bool, len(sm.States))
	targeted[sm.StartAt] = true
	terminal := false
	for _, name := range sm.Order {
		st := sm.States[name]
		for _, t := range transitionsOf(st) {
			if _, ok := sm.States[t.target]; !ok {
				p.add(CodeMissingTransitionTarget, t.location, fmt.Sprintf("Missing 'Next' target: %s", t.target))
				continue
			}
			targeted[t.target] = true
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
	if !terminal && len(sm.States) > 0 {
		p.add(CodeMissingEndState, "", "Workflow has no terminal state")
		return
	}
	for _, name := range sm.Order {
		if !targeted[name] {
			p.add(CodeMissingTransitionTarget, sm.States[name].Base().Location, fmt.Sprintf("State \"%s\" is not reachable.", name))
		}
	}
}
