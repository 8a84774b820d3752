package iam

import (
	"strings"

	"github.com/stepflow/stepflow/sfn"
)

// EventBridgeService and SchedulerService are the IAM prefixes of the EventBridge and
// EventBridge Scheduler actions.
const (
	EventBridgeService = "events"
	SchedulerService   = "scheduler"
)

// EventBridgeResources returns the resources an EventBridge action is authorized on, after
// AWS's "Actions, resources, and condition keys for Amazon EventBridge": the rule for the rule
// and target actions, the event bus for the bus actions and for PutEvents (each bus its
// entries name), resourceARN for the tag actions, and "*" for the List actions and
// TestEventPattern. known is false for an action the table lacks (checked on "*").
func EventBridgeResources(action string, input map[string]any, scope sfn.Scope) (resources []string, known bool) {
	prefix := "arn:" + scope.Partition + ":events:" + scope.Region + ":" + scope.Account + ":"
	busName := func(name string) string {
		// A bus may be given by name or by ARN; rules live under the bus's name.
		if i := strings.LastIndex(name, "event-bus/"); strings.HasPrefix(name, "arn:") && i >= 0 {
			return name[i+len("event-bus/"):]
		}
		if name == "" {
			return "default"
		}
		return name
	}
	busARN := func(name string) string {
		if strings.HasPrefix(name, "arn:") {
			return name
		}
		return prefix + "event-bus/" + busName(name)
	}
	ruleARN := func(member string) string {
		bus := busName(stringField(input, "EventBusName"))
		rule := stringField(input, member)
		if bus == "default" {
			return prefix + "rule/" + rule
		}
		return prefix + "rule/" + bus + "/" + rule
	}
	switch action {
	case "PutRule", "DescribeRule", "DeleteRule", "EnableRule", "DisableRule":
		return []string{ruleARN("Name")}, true
	case "PutTargets", "RemoveTargets", "ListTargetsByRule":
		return []string{ruleARN("Rule")}, true
	case "CreateEventBus", "DescribeEventBus", "DeleteEventBus":
		return []string{busARN(stringField(input, "Name"))}, true
	case "PutEvents":
		seen := map[string]bool{}
		entries, _ := input["Entries"].([]any)
		for _, e := range entries {
			entry, _ := e.(map[string]any)
			arn := busARN(stringField(entry, "EventBusName"))
			if !seen[arn] {
				seen[arn] = true
				resources = append(resources, arn)
			}
		}
		if len(resources) == 0 {
			resources = []string{busARN("")}
		}
		return resources, true
	case "TagResource", "UntagResource", "ListTagsForResource":
		return []string{orAny(stringField(input, "ResourceARN"))}, true
	case "CreateWebhook", "DescribeWebhook", "DeleteWebhook":
		// Stepflow's own webhooks, named as EventBridge names its resources.
		return []string{prefix + "webhook/" + stringField(input, "Name")}, true
	case "ListRules", "ListEventBuses", "TestEventPattern", "ListDeadLetters", "ListWebhooks":
		return []string{"*"}, true
	}
	return []string{"*"}, false
}

// SchedulerAccess names the action and the resource of a call of the EventBridge Scheduler
// REST API, after AWS's "Actions, resources, and condition keys for Amazon EventBridge
// Scheduler": the schedule ARN (arn:aws:scheduler:REGION:ACCOUNT:schedule/GROUP/NAME) for the
// schedule actions, the group ARN for the group actions, the tagged ARN for the tag actions,
// "*" for the List actions. groupName is the schedule's group, from the query (GET, DELETE)
// or the body (POST, PUT); "" is the default group. action is "" for a call no route answers.
func SchedulerAccess(method, path, groupName string, scope sfn.Scope) (action, resource string) {
	prefix := "arn:" + scope.Partition + ":scheduler:" + scope.Region + ":" + scope.Account + ":"
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	kind, name := parts[0], ""
	if len(parts) > 1 {
		name = strings.Join(parts[1:], "/")
	}
	if groupName == "" {
		groupName = "default"
	}
	byMethod := func(post, put, get, del string) string {
		switch method {
		case "POST":
			return post
		case "PUT":
			return put
		case "GET":
			return get
		case "DELETE":
			return del
		}
		return ""
	}
	switch {
	case kind == "schedules" && name == "":
		if method == "GET" {
			return "scheduler:ListSchedules", "*"
		}
	case kind == "schedules":
		if a := byMethod("CreateSchedule", "UpdateSchedule", "GetSchedule", "DeleteSchedule"); a != "" {
			return "scheduler:" + a, prefix + "schedule/" + groupName + "/" + name
		}
	case kind == "schedule-groups" && name == "":
		if method == "GET" {
			return "scheduler:ListScheduleGroups", "*"
		}
	case kind == "schedule-groups":
		if a := byMethod("CreateScheduleGroup", "", "GetScheduleGroup", "DeleteScheduleGroup"); a != "" {
			return "scheduler:" + a, prefix + "schedule-group/" + name
		}
	case kind == "tags" && name != "":
		if a := byMethod("TagResource", "", "ListTagsForResource", "UntagResource"); a != "" {
			return "scheduler:" + a, name
		}
	}
	return "", ""
}
