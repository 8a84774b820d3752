package asl

func (sp *stateParser) parseFail() State {
	sp.checkFields("Error", "ErrorPath", "Cause", "CausePath")
	s := &Fail{StateBase: *sp.base}
	sp.base = &s.StateBase
	s.Error, s.HasError, s.ErrorPath, s.ErrorCall, s.ErrorExpr = sp.failField("Error")
	s.Cause, s.HasCause, s.CausePath, s.CauseCall, s.CauseExpr = sp.failField("Cause")
	return s
}

// failField reads Error/Cause and its "...Path" variant, which takes a path or an intrinsic.
func (sp *stateParser) failField(field string) (string, bool, *pathT, *callT, *Template) {
	var (
		text    string
		hasText bool
		path    *pathT
		call    *callT
		expr    *Template
	)
	pathField := field + "Path"
	if sp.obj.get(field) != nil && sp.obj.get(pathField) != nil {
		sp.p.schemaf(sp.base.Location, "Only one of '%s' or '%s' can be present", field, pathField)
	}
	if v, ok := sp.stringField(field); ok {
		if sp.jsonata() && isJSONata(v) {
			expr = sp.p.jsonataNode(v, sp.loc(field))
		} else {
			text, hasText = v, true
		}
	}
	if v, ok := sp.stringField(pathField); ok && !sp.jsonata() {
		if isIntrinsicCall(v) {
			c, ok := compileIntrinsic(v)
			if !ok {
				sp.p.schemaf(sp.loc(pathField), "The value for the field '%s' must be a valid JSONPath or a valid intrinsic function call", pathField)
			}
			call = c
		} else {
			path = sp.p.compilePath(v, sp.loc(pathField), pathField, false)
		}
	}
	return text, hasText, path, call, expr
}
