package asl

import "github.com/stepflow/stepflow/sfn"

func (sp *stateParser) parseTask() State {
	sp.checkFields("Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector",
		"Retry", "Catch", "Resource", "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds",
		"HeartbeatSecondsPath", "Credentials", "Arguments", "Output", "Assign")
	if sp.obj.get("Resource") == nil {
		sp.p.schemaf(sp.base.Location, "These fields are required: [Resource]")
	}
	sp.transition()
	s := &Task{StateBase: *sp.base}
	sp.base = &s.StateBase
	if !sp.jsonata() {
		sp.inputOutput()
		sp.resultPath()
	}
	sp.parameters(true, true)
	sp.outputAssign(true)
	sp.retryCatch()

	if r, ok := sp.stringField("Resource"); ok {
		s.Resource = r
		sp.p.checkResource(r, sp.loc("Resource"))
	}
	s.TimeoutSeconds, s.TimeoutSecondsPath, s.TimeoutSecondsExpr = sp.intOrPath("TimeoutSeconds", false)
	s.HeartbeatSeconds, s.HeartbeatSecondsPath, s.HeartbeatSecondsExpr = sp.intOrPath("HeartbeatSeconds", false)
	if s.TimeoutSeconds != nil && s.HeartbeatSeconds != nil && *s.HeartbeatSeconds >= *s.TimeoutSeconds {
		sp.p.schemaf(sp.loc("HeartbeatSeconds"), "HeartbeatSeconds must be smaller than TimeoutSeconds")
	}
	if n := sp.obj.get("Credentials"); n != nil {
		s.Credentials = sp.credentials(n)
	}
	return s
}

// credentials reads Credentials, which must name a RoleArn (literally, as a path, or as JSONata).
func (sp *stateParser) credentials(n *jsonNode) *Template {
	loc := sp.loc("Credentials")
	if n.kind != jsonObject {
		sp.p.schemaf(loc, "Field 'Credentials' must be an object")
		return nil
	}
	if n.get("RoleArn") == nil && (sp.jsonata() || n.get("RoleArn.$") == nil) {
		sp.p.schemaf(loc, "The field 'RoleArn' is required but was missing")
		return nil
	}
	return sp.p.template(n, loc, "Credentials", sp.base.QueryLanguage)
}

// checkResource reports a Task Resource that is not a known kind of ARN, and integration
// patterns an Express machine cannot run.
func (p *parser) checkResource(resource, location string) {
	if isJSONata(resource) {
		return
	}
	kind, pattern := classifyResource(resource)
	if kind == resourceSDK && p.opts.SDKIntegrationSupported != nil {
		service, action := sdkServiceAction(resource)
		if !p.opts.SDKIntegrationSupported(service, action) {
			kind = resourceUnknown
		}
	}
	if kind == resourceUnknown {
		p.schemaf(location, "The resource provided %s is not recognized. The value is not a valid resource ARN, or the resource is not available in this region.", resource)
		return
	}
	if p.opts.Type != sfn.TypeExpress {
		return
	}
	switch pattern {
	case ".sync", ".sync:2":
		p.schemaf(location, "Express state machine does not support '.sync' service integration")
	case ".waitForTaskToken":
		// AWS's message ends with a space; kept so messages compare equal.
		p.schemaf(location, "Express state machine does not support '.waitForTaskToken' service integration ")
	}
}
