// Package aslgraph answers questions about the state graph of a parsed definition that the
// interpreter cannot answer for itself without running it.
//
// The fuzz targets of interp and api use it to keep definitions out that would run a loop
// of Pass and Choice states inside one interpreter step: until the interpreter caps an
// execution's history, such a loop never returns, and a fuzz run would only ever rediscover
// it.
package aslgraph

import "github.com/stepflow/stepflow/asl"

// LoopsWithoutWaiting reports whether sm, or any machine nested in it (Parallel branches,
// Map item processors), has a cycle of transitions none of whose states waits for an event
// from outside the interpreter (a Task's result or a Wait's timer). Catch transitions count:
// a Parallel whose branch fails at once can be caught back into itself.
func LoopsWithoutWaiting(sm *asl.StateMachine) bool {
	if sm == nil {
		return false
	}
	const (
		unvisited = iota
		onPath
		done
	)
	mark := make(map[string]int, len(sm.States))
	var visit func(name string) bool
	visit = func(name string) bool {
		st, ok := sm.States[name]
		if !ok || waits(st) {
			return false
		}
		switch mark[name] {
		case onPath:
			return true
		case done:
			return false
		}
		mark[name] = onPath
		for _, next := range targets(st) {
			if visit(next) {
				return true
			}
		}
		mark[name] = done
		return false
	}
	for _, name := range sm.Order {
		if visit(name) {
			return true
		}
		switch st := sm.States[name].(type) {
		case *asl.Parallel:
			for _, b := range st.Branches {
				if LoopsWithoutWaiting(b) {
					return true
				}
			}
		case *asl.Map:
			if LoopsWithoutWaiting(st.ItemProcessor) {
				return true
			}
		}
	}
	return false
}

// waits reports whether a state always hands control back to the engine before it moves on.
func waits(st asl.State) bool {
	switch st.(type) {
	case *asl.Task, *asl.Wait:
		return true
	}
	return false
}

// targets lists the states st may go to next.
func targets(st asl.State) []string {
	b := st.Base()
	var out []string
	if b.Next != "" {
		out = append(out, b.Next)
	}
	if c, ok := st.(*asl.Choice); ok {
		for _, r := range c.Choices {
			out = append(out, r.Next)
		}
		if c.Default != "" {
			out = append(out, c.Default)
		}
	}
	for _, c := range b.Catch {
		out = append(out, c.Next)
	}
	return out
}
