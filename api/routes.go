package api

// routes maps each action name of the AWSStepFunctions service to its handler.
func (s *Server) routes() map[string]Action {
	return map[string]Action{
		"CreateStateMachine":               handle(s.createStateMachine),
		"DescribeStateMachine":             handle(s.describeStateMachine),
		"UpdateStateMachine":               handle(s.updateStateMachine),
		"DeleteStateMachine":               handle(s.deleteStateMachine),
		"ListStateMachines":                handle(s.listStateMachines),
		"DescribeStateMachineForExecution": handle(s.describeStateMachineForExecution),
		"ValidateStateMachineDefinition":   handle(s.validateStateMachineDefinition),
		"TestState":                        handle(s.testState),

		"PublishStateMachineVersion": handle(s.publishStateMachineVersion),
		"ListStateMachineVersions":   handle(s.listStateMachineVersions),
		"DeleteStateMachineVersion":  handle(s.deleteStateMachineVersion),

		"CreateStateMachineAlias":   handle(s.createStateMachineAlias),
		"DescribeStateMachineAlias": handle(s.describeStateMachineAlias),
		"UpdateStateMachineAlias":   handle(s.updateStateMachineAlias),
		"DeleteStateMachineAlias":   handle(s.deleteStateMachineAlias),
		"ListStateMachineAliases":   handle(s.listStateMachineAliases),

		"TagResource":         handle(s.tagResource),
		"UntagResource":       handle(s.untagResource),
		"ListTagsForResource": handle(s.listTagsForResource),

		"CreateActivity":   handle(s.createActivity),
		"DescribeActivity": handle(s.describeActivity),
		"DeleteActivity":   handle(s.deleteActivity),
		"ListActivities":   handle(s.listActivities),
		"GetActivityTask":  handle(s.getActivityTask),

		"StartExecution":      handle(s.startExecution),
		"StartSyncExecution":  handle(s.startSyncExecution),
		"StopExecution":       handle(s.stopExecution),
		"DescribeExecution":   handle(s.describeExecution),
		"ListExecutions":      handle(s.listExecutions),
		"GetExecutionHistory": handle(s.getExecutionHistory),
		"RedriveExecution":    handle(s.redriveExecution),

		"SendTaskSuccess":   handle(s.sendTaskSuccess),
		"SendTaskFailure":   handle(s.sendTaskFailure),
		"SendTaskHeartbeat": handle(s.sendTaskHeartbeat),

		"DescribeMapRun": handle(s.describeMapRun),
		"ListMapRuns":    handle(s.listMapRuns),
		"UpdateMapRun":   handle(s.updateMapRun),
	}
}
