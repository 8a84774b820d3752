package ui

import (
	"context"
	"net/http"
	"sort"
	"strings"

	"github.com/stepflow/stepflow/store"
)

// TaskCatalog is what the server's task runners are configured to reach, so the editor's
// palette can offer Task states that will run here rather than ones that fail with
// States.Runtime. The lists come from the same flags and files as the task router.
type TaskCatalog struct {
	Functions      []string // function names of the functions file (Lambda Invoke)
	HTTPAllowHosts []string // hosts HTTP Tasks may call (--http-allow-host)
	AWSAllow       []string // SERVICE or SERVICE:ACTION definitions may call on AWS (--aws-allow)
	Jobs           []string // job definitions run as local processes (--jobs)
}

// WithTaskCatalog gives the editor's palette the configured task runners.
func WithTaskCatalog(c TaskCatalog) Option {
	return func(s *server) { s.catalog = c }
}

// taskTemplate is one palette entry: a Task state ready to insert. Parameters are JSONPath
// style ("Key.$": "$.path"); the editor rewrites them as Arguments for a JSONata state.
type taskTemplate struct {
	Group      string         `json:"group"`
	Label      string         `json:"label"`
	Resource   string         `json:"resource"`
	Parameters map[string]any `json:"parameters,omitempty"`
}

// maxTemplateListing bounds the activities and state machines offered: a palette of
// thousands helps no one, and reading them all would make the page's cost grow with the store.
const maxTemplateListing = 200

// apiTaskTemplates answers the palette's Task templates: configured functions, HTTP Tasks to
// allowed hosts, activities, nested executions of existing state machines, allowed AWS calls
// and local jobs.
func (s *server) apiTaskTemplates(w http.ResponseWriter, r *http.Request) {
	out, err := s.taskTemplates(r.Context())
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"templates": out})
}

func (s *server) taskTemplates(ctx context.Context) ([]taskTemplate, error) {
	scope := s.eng.Scope()
	out := []taskTemplate{}
	for _, name := range sorted(s.catalog.Functions) {
		out = append(out, taskTemplate{
			Group: "Functions", Label: name, Resource: "arn:aws:states:::lambda:invoke",
			Parameters: map[string]any{
				"FunctionName": "arn:" + scope.Partition + ":lambda:" + scope.Region + ":" + scope.Account + ":function:" + name,
				"Payload.$":    "$",
			},
		})
	}
	for _, host := range sorted(s.catalog.HTTPAllowHosts) {
		// A wildcard host allows its subdomains; the template names one to be edited.
		endpoint := "https://" + strings.Replace(host, "*.", "api.", 1) + "/"
		out = append(out, taskTemplate{
			Group: "HTTP Tasks", Label: host, Resource: "arn:aws:states:::http:invoke",
			Parameters: map[string]any{"ApiEndpoint": endpoint, "Method": "POST", "RequestBody.$": "$"},
		})
	}
	activities, err := s.store.ActivityList(ctx, &store.ActivityListParams{MaxResults: maxTemplateListing})
	if err != nil {
		return nil, err
	}
	for _, a := range activities.Activities {
		out = append(out, taskTemplate{Group: "Activities", Label: a.Name, Resource: a.ARN})
	}
	machines, err := s.store.StateMachineList(ctx, &store.StateMachineListParams{MaxResults: maxTemplateListing})
	if err != nil {
		return nil, err
	}
	for _, sm := range machines.StateMachines {
		out = append(out, taskTemplate{
			Group: "Nested executions", Label: sm.Name, Resource: "arn:aws:states:::states:startExecution.sync:2",
			Parameters: map[string]any{"StateMachineArn": sm.ARN, "Input.$": "$"},
		})
	}
	for _, allowed := range sorted(s.catalog.AWSAllow) {
		service, action, ok := strings.Cut(allowed, ":")
		if !ok || service == "*" || action == "*" {
			// A whole service (or everything) is allowed: there is no one action to offer.
			continue
		}
		out = append(out, taskTemplate{
			Group: "AWS SDK", Label: service + ":" + action, Resource: "arn:aws:states:::aws-sdk:" + service + ":" + action,
			Parameters: map[string]any{},
		})
	}
	for _, job := range sorted(s.catalog.Jobs) {
		out = append(out, taskTemplate{
			Group: "Batch jobs", Label: job, Resource: "arn:aws:states:::batch:submitJob.sync",
			Parameters: map[string]any{"JobName": job, "JobDefinition": job, "JobQueue": "default"},
		})
	}
	return out, nil
}

func sorted(names []string) []string {
	out := append([]string(nil), names...)
	sort.Strings(out)
	return out
}
