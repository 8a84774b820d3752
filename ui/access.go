package ui

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/stepflow/stepflow/api"
)

// accessRule is the IAM check of one UI route when people sign in: the API actions the route
// amounts to, each with the input that names its resource (read from the path). A route with
// no actions needs a signed-in person only: it reads nothing of the store (the editor's
// conversions), or it runs its action through Operations, which the API checks itself.
type accessRule struct {
	pattern string
	actions []string
	// arnField names the input member the route's {arn} fills ("stateMachineArn").
	arnField string
}

// accessRules cover every route of Handler. A state-changing route missing here is refused
// to everyone once sign-in is on (a new action must say what it is), a page missing here is
// shown to anyone signed in.
var accessRules = []accessRule{
	{pattern: "GET /ui/{$}", actions: []string{"states:ListStateMachines"}},
	{pattern: "GET /ui/state-machines/{arn}", actions: []string{"states:DescribeStateMachine"}, arnField: "stateMachineArn"},
	{pattern: "GET /ui/executions/{arn}", actions: []string{"states:DescribeExecution", "states:GetExecutionHistory"}, arnField: "executionArn"},
	{pattern: "GET /ui/editor"},
	{pattern: "GET /ui/rules", actions: []string{"events:ListRules"}},
	{pattern: "GET /ui/schedules", actions: []string{"scheduler:ListSchedules"}},
	{pattern: "GET /ui/state-machines/{arn}/edit", actions: []string{"states:DescribeStateMachine"}, arnField: "stateMachineArn"},
	{pattern: "GET /ui/state-machines/{arn}/performance", actions: []string{"states:ListExecutions"}, arnField: "stateMachineArn"},
	{pattern: "GET /ui/activities", actions: []string{"states:ListActivities"}},
	{pattern: "GET /ui/api/state-machines", actions: []string{"states:ListStateMachines"}},
	{pattern: "GET /ui/api/state-machines/{arn}/executions", actions: []string{"states:ListExecutions"}, arnField: "stateMachineArn"},
	{pattern: "POST /ui/api/state-machines/{arn}/executions", actions: []string{"states:StartExecution"}, arnField: "stateMachineArn"},
	{pattern: "GET /ui/api/executions/{arn}", actions: []string{"states:DescribeExecution", "states:GetExecutionHistory"}, arnField: "executionArn"},
	{pattern: "POST /ui/api/executions/{arn}/stop", actions: []string{"states:StopExecution"}, arnField: "executionArn"},
	{pattern: "POST /ui/api/executions/{arn}/redrive", actions: []string{"states:RedriveExecution"}, arnField: "executionArn"},
	{pattern: "POST /ui/api/tasks/success", actions: []string{"states:SendTaskSuccess"}},
	{pattern: "POST /ui/api/tasks/failure", actions: []string{"states:SendTaskFailure"}},
	{pattern: "POST /ui/api/validate", actions: []string{"states:ValidateStateMachineDefinition"}},
	{pattern: "POST /ui/api/deploy"},
	{pattern: "GET /ui/api/editor/task-templates"},
	{pattern: "POST /ui/api/editor/convert"},
	{pattern: "GET /ui/api/state-machines/{arn}/performance", actions: []string{"states:ListExecutions"}, arnField: "stateMachineArn"},
	{pattern: "GET /ui/api/activities", actions: []string{"states:ListActivities"}},
	{pattern: "POST /ui/api/call/{operation}"},
	{pattern: "GET /ui/api/home", actions: []string{"states:ListExecutions", "states:ListActivities"}},
	{pattern: "GET /ui/api/executions", actions: []string{"states:ListExecutions"}},
	{pattern: "GET /ui/api/executions/{arn}/iterations/{state}", actions: []string{"states:DescribeExecution", "states:GetExecutionHistory"}, arnField: "executionArn"},
	// Claiming goes through Operations (GetActivityTask), which checks it as the person.
	{pattern: "POST /ui/api/activities/claim"},
	{pattern: "POST /ui/api/activities/heartbeat", actions: []string{"states:SendTaskHeartbeat"}},
	{pattern: "POST /ui/api/activities/release", actions: []string{"states:SendTaskHeartbeat"}},
}

// accessRouter matches a request to its access rule: the same patterns as Handler's routes,
// so that the most specific one wins as it does there.
var accessRouter = func() *http.ServeMux {
	mux := http.NewServeMux()
	for i := range accessRules {
		rule := &accessRules[i]
		mux.Handle(rule.pattern, ruleHandler{rule})
	}
	return mux
}()

// ruleHandler is never served: accessRouter.Handler only finds it.
type ruleHandler struct{ rule *accessRule }

func (ruleHandler) ServeHTTP(http.ResponseWriter, *http.Request) {}

// checkAccess authorizes a signed-in request by its route's rule, then serves it.
func (l *login) checkAccess(s *server, next http.Handler, w http.ResponseWriter, r *http.Request) {
	h, _ := accessRouter.Handler(r)
	found, ok := h.(ruleHandler)
	if !ok {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			next.ServeHTTP(w, r)
			return
		}
		writeJSON(w, http.StatusForbidden, apiError{Error: "AccessDeniedException: the UI has no access rule for " + r.Method + " " + r.URL.Path})
		return
	}
	for _, action := range found.rule.actions {
		if err := l.Authority.Authorize(r.Context(), action, ruleInput(found.rule, r.URL.EscapedPath())); err != nil {
			l.denied(s, w, r, err)
			return
		}
	}
	next.ServeHTTP(w, r)
}

// ruleInput is the input naming a rule's resource: its {arn}, read from the escaped path by
// the rule's pattern (the path values of the request are set only once Handler routes it).
func ruleInput(rule *accessRule, escapedPath string) map[string]any {
	if rule.arnField == "" {
		return nil
	}
	_, pattern, _ := strings.Cut(rule.pattern, " ")
	before, after, _ := strings.Cut(pattern, "{arn}")
	segment, ok := strings.CutPrefix(escapedPath, before)
	if !ok {
		return nil
	}
	if strings.Contains(after, "{") {
		// Another wildcard follows: the ARN is the one segment before the next slash.
		segment, _, _ = strings.Cut(segment, "/")
	} else {
		segment, _ = strings.CutSuffix(segment, after)
	}
	if strings.Contains(segment, "/") {
		return nil
	}
	arn, err := url.PathUnescape(segment)
	if err != nil {
		return nil
	}
	return map[string]any{rule.arnField: arn}
}

// denied answers a refused request: the error page for a page, JSON for the rest.
func (l *login) denied(s *server, w http.ResponseWriter, r *http.Request, err error) {
	var apiErr *api.Error
	if !errors.As(err, &apiErr) {
		writeJSON(w, http.StatusInternalServerError, apiError{Error: err.Error()})
		return
	}
	if r.Method == http.MethodGet && !strings.HasPrefix(r.URL.Path, Prefix+"api/") {
		s.render(w, http.StatusForbidden, "error", errorPage{Title: "Access denied", Page: "error", Message: apiErr.Error()})
		return
	}
	writeJSON(w, http.StatusForbidden, apiError{Error: apiErr.Error()})
}

// pageControl is a control of a page that performs an action, hidden from a person whose
// policies do not allow it (the action would be refused anyway). input names the action's
// resource from the ARN of the page ("" on pages without one).
type pageControl struct {
	selector string
	action   string
	input    func(arn string) map[string]any
}

func member(name string) func(string) map[string]any {
	return func(arn string) map[string]any { return map[string]any{name: arn} }
}

// noResource is the input of an action on "*" (the task token actions), or of one that
// creates what it names: CreateStateMachine with no name yet is checked on
// "arn:...:stateMachine:", which a policy on "stateMachine:*" covers.
func noResource(string) map[string]any { return nil }

// anyAliasOf is CreateStateMachineAlias's input for an alias of the page's state machine.
func anyAliasOf(arn string) map[string]any {
	return map[string]any{"routingConfiguration": []any{map[string]any{"stateMachineVersionArn": arn + ":1"}}}
}

// pageControls are the controls of each page, by the page's route pattern; everyPage's are in
// the layout.
var (
	everyPage    = []pageControl{{`.topbar a[href="/ui/editor"]`, "states:CreateStateMachine", noResource}}
	pageControls = map[string][]pageControl{
		"GET /ui/{$}": {{"#new-state-machine", "states:CreateStateMachine", noResource}},
		"GET /ui/state-machines/{arn}": {
			{"#start-form", "states:StartExecution", member("stateMachineArn")},
			{"#alias-form", "states:CreateStateMachineAlias", anyAliasOf},
		},
		"GET /ui/executions/{arn}": {
			{"#stop", "states:StopExecution", member("executionArn")},
			{"#redrive", "states:RedriveExecution", member("executionArn")},
			{`[data-action="approve"]`, "states:SendTaskSuccess", noResource},
			{`[data-action="reject"]`, "states:SendTaskFailure", noResource},
		},
		"GET /ui/editor": {{"#review", "states:CreateStateMachine", noResource}, {"#deploy", "states:CreateStateMachine", noResource}},
		"GET /ui/state-machines/{arn}/edit": {
			{"#review", "states:UpdateStateMachine", member("stateMachineArn")},
			{"#deploy", "states:UpdateStateMachine", member("stateMachineArn")},
			{"#publish-only", "states:PublishStateMachineVersion", member("stateMachineArn")},
		},
		"GET /ui/activities": {
			{"#task-success", "states:SendTaskSuccess", noResource},
			{"#task-failure", "states:SendTaskFailure", noResource},
			{"#task-heartbeat", "states:SendTaskHeartbeat", noResource},
		},
	}
)

// sessionView is what the pages' script learns of the session: who is signed in, the token
// to send with every action, and the controls to hide.
type sessionView struct {
	Principal string `json:"principal"`
	AccessKey string `json:"accessKeyId"`
	// IdentityProvider is the issuer of a session begun through an OpenID Connect provider.
	IdentityProvider string   `json:"identityProvider,omitempty"`
	CSRFToken        string   `json:"csrfToken"`
	Hide             []string `json:"hide"`
}

// sessionInfo answers GET /ui/api/session?page=PATH for the page at PATH.
func (l *login) sessionInfo(w http.ResponseWriter, r *http.Request, sess *session) {
	view := sessionView{Principal: sess.principal, AccessKey: sess.keyID, CSRFToken: sess.csrf, Hide: []string{}}
	if sess.identity != nil {
		view.IdentityProvider = sess.identity.Provider
	}
	page, err := url.Parse(r.URL.Query().Get("page"))
	if err != nil || !strings.HasPrefix(page.Path, Prefix) {
		page = &url.URL{Path: Prefix}
	}
	controls, arn := everyPage, ""
	h, _ := accessRouter.Handler(&http.Request{Method: http.MethodGet, URL: page, Host: r.Host})
	if found, ok := h.(ruleHandler); ok {
		controls = append(append([]pageControl{}, everyPage...), pageControls[found.rule.pattern]...)
		if in := ruleInput(found.rule, page.EscapedPath()); in != nil {
			arn, _ = in[found.rule.arnField].(string)
		}
	}
	for _, c := range controls {
		ok, err := l.Authority.Permits(r.Context(), c.action, c.input(arn))
		if err != nil {
			writeJSON(w, http.StatusInternalServerError, apiError{Error: err.Error()})
			return
		}
		if !ok {
			view.Hide = append(view.Hide, c.selector)
		}
	}
	writeJSON(w, http.StatusOK, view)
}
