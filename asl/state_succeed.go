package asl

func (sp *stateParser) parseSucceed() State {
	sp.checkFields("InputPath", "OutputPath", "Output")
	s := &Succeed{StateBase: *sp.base}
	sp.base = &s.StateBase
	if !sp.jsonata() {
		sp.inputOutput()
	}
	sp.outputAssign(false)
	return s
}
