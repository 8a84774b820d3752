package asl

func (sp *stateParser) parsePass() State {
	sp.checkFields("Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "Result", "Assign", "Output")
	sp.transition()
	s := &Pass{StateBase: *sp.base}
	sp.base = &s.StateBase
	if !sp.jsonata() {
		sp.inputOutput()
		sp.resultPath()
		sp.parameters(false, false)
	}
	sp.outputAssign(true)
	if r := sp.obj.get("Result"); r != nil {
		s.HasResult = true
		s.Result = r.value()
	}
	return s
}
