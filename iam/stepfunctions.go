package iam

import (
	"sort"
	"strings"

	"github.com/stepflow/stepflow/sfn"
)

// StepFunctionsService is the IAM service prefix of the Step Functions actions.
const StepFunctionsService = "states"

// resourceRule says where IAM finds the resource of one Step Functions action: a member of
// the request that holds the ARN, or an ARN built from the request (for creations, whose
// resource does not exist yet). An action with neither is checked on "*", as AWS's service
// authorization reference lists no resource type for it.
type resourceRule struct {
	fields []string // input members holding the ARN; the first present one is used
	build  func(in map[string]any, scope sfn.Scope) string
}

func arnIn(fields ...string) resourceRule { return resourceRule{fields: fields} }

// anyResourceRule is the rule of actions AWS checks on "*" (List actions, task tokens, TestState).
var anyResourceRule = resourceRule{}

// stepFunctionsResources is the resource each Step Functions action is authorized on, after
// AWS's "Actions, resources, and condition keys for AWS Step Functions": executions for the
// execution actions, the state machine (or the version or alias ARN given) for StartExecution,
// activities for the activity actions, map runs for the map run actions, and "*" for the
// List actions and the task token actions, which name no resource.
var stepFunctionsResources = map[string]resourceRule{
	"CreateStateMachine": {build: func(in map[string]any, scope sfn.Scope) string {
		return scope.StateMachineARN(stringField(in, "name"))
	}},
	"DescribeStateMachine":             arnIn("stateMachineArn"),
	"UpdateStateMachine":               arnIn("stateMachineArn"),
	"DeleteStateMachine":               arnIn("stateMachineArn"),
	"ListStateMachines":                anyResourceRule,
	"DescribeStateMachineForExecution": arnIn("executionArn"),
	"ValidateStateMachineDefinition":   anyResourceRule,
	"TestState":                        anyResourceRule,

	"PublishStateMachineVersion": arnIn("stateMachineArn"),
	"ListStateMachineVersions":   arnIn("stateMachineArn"),
	"DeleteStateMachineVersion":  arnIn("stateMachineVersionArn"),

	"CreateStateMachineAlias":   {build: aliasARN},
	"DescribeStateMachineAlias": arnIn("stateMachineAliasArn"),
	"UpdateStateMachineAlias":   arnIn("stateMachineAliasArn"),
	"DeleteStateMachineAlias":   arnIn("stateMachineAliasArn"),
	"ListStateMachineAliases":   arnIn("stateMachineArn"),

	"TagResource":         arnIn("resourceArn"),
	"UntagResource":       arnIn("resourceArn"),
	"ListTagsForResource": arnIn("resourceArn"),

	"CreateActivity": {build: func(in map[string]any, scope sfn.Scope) string {
		return scope.ActivityARN(stringField(in, "name"))
	}},
	"DescribeActivity": arnIn("activityArn"),
	"DeleteActivity":   arnIn("activityArn"),
	"ListActivities":   anyResourceRule,
	"GetActivityTask":  arnIn("activityArn"),

	"StartExecution":      arnIn("stateMachineArn"),
	"StartSyncExecution":  arnIn("stateMachineArn"),
	"StopExecution":       arnIn("executionArn"),
	"DescribeExecution":   arnIn("executionArn"),
	"ListExecutions":      arnIn("stateMachineArn", "mapRunArn"),
	"GetExecutionHistory": arnIn("executionArn"),
	"RedriveExecution":    arnIn("executionArn"),

	"SendTaskSuccess":   anyResourceRule,
	"SendTaskFailure":   anyResourceRule,
	"SendTaskHeartbeat": anyResourceRule,

	"DescribeMapRun": arnIn("mapRunArn"),
	"ListMapRuns":    arnIn("executionArn"),
	"UpdateMapRun":   arnIn("mapRunArn"),
}

// StepFunctionsActions lists the Step Functions actions iam knows the resource of.
func StepFunctionsActions() []string {
	names := make([]string, 0, len(stepFunctionsResources))
	for n := range stepFunctionsResources {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// StepFunctionsResource returns the ARN IAM checks a Step Functions action on, read from the
// action's decoded JSON input, and false for an action it does not know. A request that lacks
// the member gets "*": the action itself then refuses it (a missing ARN is a validation error
// the caller is entitled to see only if some policy lets it call the action at all).
func StepFunctionsResource(action string, input map[string]any, scope sfn.Scope) (string, bool) {
	rule, ok := stepFunctionsResources[action]
	if !ok {
		return "", false
	}
	if rule.build != nil {
		return rule.build(input, scope), true
	}
	for _, f := range rule.fields {
		if arn := stringField(input, f); arn != "" {
			if f == "stateMachineArn" {
				// A mock test case is started as "stateMachineArn#TestCase": the machine is the
				// resource.
				arn, _, _ = strings.Cut(arn, "#")
			}
			return arn, true
		}
	}
	return "*", true
}

// StepFunctionsRequestTags fills the request-tag condition keys of an action that creates or
// tags a resource (aws:RequestTag/KEY and aws:TagKeys), or of UntagResource (aws:TagKeys).
func StepFunctionsRequestTags(action string, input map[string]any, ctx Context) {
	switch action {
	case "CreateStateMachine", "CreateActivity", "TagResource":
		tags, _ := input["tags"].([]any)
		var keys []string
		for _, t := range tags {
			tag, _ := t.(map[string]any)
			key := stringField(tag, "key")
			if key == "" {
				continue
			}
			keys = append(keys, key)
			ctx.Set(KeyRequestTag+key, stringField(tag, "value"))
		}
		if len(keys) > 0 {
			ctx.Set(KeyTagKeys, keys...)
		}
	case "UntagResource":
		list, _ := input["tagKeys"].([]any)
		var keys []string
		for _, k := range list {
			if s, ok := k.(string); ok {
				keys = append(keys, s)
			}
		}
		if len(keys) > 0 {
			ctx.Set(KeyTagKeys, keys...)
		}
	}
}

// aliasARN is the ARN of the alias CreateStateMachineAlias would create: the state machine of
// its first routing entry's version, with the alias name in place of the version number.
func aliasARN(in map[string]any, scope sfn.Scope) string {
	name := stringField(in, "name")
	routes, _ := in["routingConfiguration"].([]any)
	if len(routes) == 0 {
		return "*"
	}
	first, _ := routes[0].(map[string]any)
	version := stringField(first, "stateMachineVersionArn")
	i := strings.LastIndexByte(version, ':')
	if i < 0 || !strings.Contains(version, ":stateMachine:") {
		return "*"
	}
	return version[:i+1] + name
}

func stringField(in map[string]any, name string) string {
	s, _ := in[name].(string)
	return s
}

// DenialMessage is AWS's AccessDeniedException message for a denied request: it names the
// principal, the action and the resource, and says whether a Deny statement matched or no
// statement allowed the action.
func DenialMessage(req *Request, d Decision) string {
	head := "User: " + req.Principal + " is not authorized to perform: " + req.Action + " on resource: " + req.Resource
	if d.Outcome == ExplicitDeny {
		return head + " with an explicit deny in an identity-based policy"
	}
	return head + " because no identity-based policy allows the " + req.Action + " action"
}
