package asl

import "fmt"

func (sp *stateParser) parseParallel() State {
	sp.checkFields("Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector",
		"Retry", "Catch", "Branches", "Arguments", "Output", "Assign")
	if sp.obj.get("Branches") == nil {
		sp.p.schemaf(sp.base.Location, "These fields are required: [Branches]")
	}
	sp.transition()
	s := &Parallel{StateBase: *sp.base}
	sp.base = &s.StateBase
	if !sp.jsonata() {
		sp.inputOutput()
		sp.resultPath()
	}
	sp.parameters(true, true)
	sp.outputAssign(true)
	sp.retryCatch()
	if n := sp.obj.get("Branches"); n != nil {
		loc := sp.loc("Branches")
		switch {
		case n.kind != jsonArray:
			sp.p.schemaf(loc, "Field 'Branches' must be an array")
		case len(n.items) == 0:
			sp.p.schemaf(loc, "Field 'Branches' must not be empty")
		default:
			for i, b := range n.items {
				bloc := fmt.Sprintf("%s[%d]", loc, i)
				if b.kind != jsonObject {
					sp.p.schemaf(bloc, "A branch must be an object")
					continue
				}
				s.Branches = append(s.Branches, sp.p.parseMachine(b, bloc, machineBranch, sp.p.topQL))
			}
		}
	}
	return s
}
