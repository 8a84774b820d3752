package ui

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/stepflow/stepflow/asl"
	"github.com/stepflow/stepflow/engine"
	"github.com/stepflow/stepflow/graph"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// Prefix is the path the UI is served under; Handler expects requests with their full path.
const Prefix = "/ui/"

// contentSecurityPolicy lets pages load only the UI's own scripts, styles and API: nothing
// from a CDN, nothing inline but the graph's own <style>.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// Handler serves the UI: pages under /ui/, assets under /ui/assets/ and JSON under /ui/api/.
// Mount it with mux.Handle("/ui/", ui.Handler(eng)); it reads through eng.Store() and acts
// through eng. WithOperations gives the editor the API to deploy through.
func Handler(eng *engine.Engine, opts ...Option) http.Handler {
	s := &server{eng: eng, store: eng.Store(), pages: map[string]*template.Template{}, drawings: newSVGCache()}
	for _, opt := range opts {
		opt(s)
	}
	for _, page := range []string{"state_machines", "state_machine", "execution", "error", "editor", "performance", "rules", "schedules", "activities"} {
		s.pages[page] = template.Must(template.New("layout.html").Funcs(templateFuncs).
			ParseFS(templateFS, "templates/layout.html", "templates/"+page+".html"))
	}
	assets, err := fs.Sub(assetFS, "assets")
	if err != nil {
		panic(err) // the embedded directory is part of the binary
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /ui/{$}", s.stateMachinesPage)
	mux.HandleFunc("GET /ui/state-machines/{arn}", s.stateMachinePage)
	mux.HandleFunc("GET /ui/executions/{arn}", s.executionPage)
	mux.HandleFunc("GET /ui/editor", s.newEditorPage)
	mux.HandleFunc("GET /ui/rules", s.rulesPage)
	mux.HandleFunc("GET /ui/schedules", s.schedulesPage)
	mux.HandleFunc("GET /ui/state-machines/{arn}/edit", s.editorPage)
	mux.HandleFunc("GET /ui/state-machines/{arn}/performance", s.performancePage)
	mux.Handle("GET /ui/assets/", http.StripPrefix("/ui/assets/", http.FileServerFS(assets)))
	mux.HandleFunc("GET /ui/api/state-machines", s.apiStateMachines)
	mux.HandleFunc("GET /ui/api/home", s.apiHome)
	mux.HandleFunc("GET /ui/api/executions", s.apiSearchExecutions)
	mux.HandleFunc("GET /ui/api/state-machines/{arn}/executions", s.apiExecutions)
	mux.HandleFunc("POST /ui/api/state-machines/{arn}/executions", s.apiStartExecution)
	mux.HandleFunc("GET /ui/api/executions/{arn}", s.apiExecution)
	mux.HandleFunc("GET /ui/api/executions/{arn}/iterations/{state}", s.apiIterations)
	mux.HandleFunc("POST /ui/api/executions/{arn}/stop", s.apiStopExecution)
	mux.HandleFunc("POST /ui/api/executions/{arn}/redrive", s.apiRedriveExecution)
	mux.HandleFunc("POST /ui/api/tasks/success", s.apiTaskSuccess)
	mux.HandleFunc("POST /ui/api/tasks/failure", s.apiTaskFailure)
	mux.HandleFunc("POST /ui/api/validate", s.apiValidate)
	mux.HandleFunc("POST /ui/api/deploy", s.apiDeploy)
	mux.HandleFunc("GET /ui/api/editor/task-templates", s.apiTaskTemplates)
	mux.HandleFunc("POST /ui/api/editor/convert", s.apiConvert)
	mux.HandleFunc("GET /ui/api/state-machines/{arn}/performance", s.apiPerformance)
	mux.HandleFunc("GET /ui/activities", s.activitiesPage)
	mux.HandleFunc("GET /ui/api/activities", s.apiActivities)
	mux.HandleFunc("POST /ui/api/activities/claim", s.apiClaim)
	mux.HandleFunc("POST /ui/api/activities/heartbeat", s.apiHeartbeat)
	mux.HandleFunc("POST /ui/api/activities/release", s.apiRelease)
	mux.HandleFunc("POST /ui/api/call/{operation}", s.apiCall)
	var routes http.Handler = mux
	if s.login != nil {
		// Sign-in, CSRF and access rules (login.go, access.go): a new route needs a row in
		// accessRules.
		routes = s.login.gate(s, mux)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		routes.ServeHTTP(w, r)
	})
}

type server struct {
	eng     *engine.Engine
	store   store.Store
	ops     Operations  // nil: the editor cannot deploy
	catalog TaskCatalog // what the palette offers as Task templates
	pages   map[string]*template.Template
	login   *login // nil: no sign-in (the server has no authentication)
	// drawings keeps the editor's latest graph drawings by shape (graph_cache.go).
	drawings *svgCache
}

var templateFuncs = template.FuncMap{
	"pathEscape": url.PathEscape,
	"time": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	},
}

// render writes a page; a template failure after the header is sent can only be logged.
func (s *server) render(w http.ResponseWriter, status int, page string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := s.pages[page].Execute(w, data); err != nil {
		slog.Error("ui: render page", "page", page, "err", err)
	}
}

type errorPage struct {
	Title   string
	Page    string
	Message string
}

func (s *server) renderError(w http.ResponseWriter, err error) {
	status := http.StatusInternalServerError
	if errors.Is(err, store.ErrNotFound) {
		status = http.StatusNotFound
	}
	s.render(w, status, "error", errorPage{Title: http.StatusText(status), Page: "error", Message: err.Error()})
}

type stateMachinesPage struct {
	Title         string
	Page          string
	StateMachines []*store.StateMachine
	Summary       *homeSummary
	Search        *searchResult // nil when nothing was searched
	SearchError   string
	Statuses      []sfn.ExecutionStatus
}

// stateMachinesPage is the home page: the summary across state machines, the execution
// search (?q=, ?status=, ?nextToken=) and the state machines.
func (s *server) stateMachinesPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	machines, err := s.allStateMachines(ctx)
	if err != nil {
		s.renderError(w, err)
		return
	}
	summary, err := s.homeSummary(ctx)
	if err != nil {
		s.renderError(w, err)
		return
	}
	page := stateMachinesPage{Title: "State machines", Page: "state-machines", StateMachines: machines, Summary: summary,
		Statuses: []sfn.ExecutionStatus{sfn.StatusRunning, sfn.StatusSucceeded, sfn.StatusFailed,
			sfn.StatusTimedOut, sfn.StatusAborted, sfn.StatusPendingRedrive}}
	q := r.URL.Query()
	if q.Has("q") || q.Has("status") {
		if err := statusFilter(q.Get("status")); err != nil {
			page.SearchError = err.Error()
		} else if page.Search, err = s.searchExecutions(ctx, q.Get("q"), q.Get("status"), q.Get("nextToken")); err != nil {
			page.SearchError = err.Error()
		}
	}
	s.render(w, http.StatusOK, "state_machines", page)
}

// maxListedStateMachines bounds the list page; beyond it the API pages through the rest.
const maxListedStateMachines = 5000

func (s *server) allStateMachines(ctx context.Context) ([]*store.StateMachine, error) {
	var all []*store.StateMachine
	token := ""
	for {
		page, err := s.store.StateMachineList(ctx, &store.StateMachineListParams{MaxResults: store.MaxPageSize, NextToken: token})
		if err != nil {
			return nil, fmt.Errorf("list state machines: %w", err)
		}
		all = append(all, page.StateMachines...)
		if page.NextToken == "" || len(all) >= maxListedStateMachines {
			return all, nil
		}
		token = page.NextToken
	}
}

type stateMachinePage struct {
	Title        string
	Page         string
	StateMachine *store.StateMachine
	Graph        template.HTML
	GraphError   string
	Statuses     []sfn.ExecutionStatus
}

func (s *server) stateMachinePage(w http.ResponseWriter, r *http.Request) {
	sm, err := s.store.StateMachineGetByARN(r.Context(), &store.StateMachineGetByARNParams{ARN: r.PathValue("arn")})
	if err != nil {
		s.renderError(w, err)
		return
	}
	svg, graphErr := drawDefinition(sm.Definition, sm.Type)
	s.render(w, http.StatusOK, "state_machine", stateMachinePage{
		Title: sm.Name, Page: "state-machine", StateMachine: sm, Graph: svg, GraphError: graphErr,
		Statuses: []sfn.ExecutionStatus{sfn.StatusRunning, sfn.StatusSucceeded, sfn.StatusFailed,
			sfn.StatusTimedOut, sfn.StatusAborted, sfn.StatusPendingRedrive},
	})
}

type executionPage struct {
	Title        string
	Page         string
	Execution    *store.Execution
	StateMachine string // its name, from the ARN
	Graph        template.HTML
	GraphError   string
	// Parent and MapRunLabel are set for a Distributed Map child execution.
	Parent      *store.Execution
	MapRunLabel string
}

func (s *server) executionPage(w http.ResponseWriter, r *http.Request) {
	ex, err := s.lookupExecution(r.Context(), r.PathValue("arn"))
	if err != nil {
		s.renderError(w, err)
		return
	}
	page := executionPage{Title: ex.Name, Page: "execution", Execution: ex.Execution, StateMachine: ex.StateMachineARN}
	if ex.child != nil {
		parent, err := s.store.ExecutionGetByARN(r.Context(), &store.ExecutionGetByARNParams{ARN: ex.child.ParentARN})
		if err != nil {
			s.renderError(w, err)
			return
		}
		page.Parent, page.MapRunLabel, page.StateMachine = parent, mapRunLabelOf(ex.child.MapRunARN), parent.StateMachineARN
	}
	if a, err := sfn.ParseARN(page.StateMachine); err == nil {
		page.StateMachine = a.Resource
	}
	if ex.child != nil {
		if m, err := s.machineOf(r.Context(), ex); err != nil {
			page.GraphError = err.Error()
		} else {
			// graph escapes every name and label it writes into the SVG.
			page.Graph = template.HTML(graph.Build(m).SVG())
		}
	} else if definition, typ, err := s.executionDefinition(r.Context(), ex.Execution); err != nil {
		page.GraphError = err.Error()
	} else {
		page.Graph, page.GraphError = drawDefinition(definition, typ)
	}
	s.render(w, http.StatusOK, "execution", page)
}

// executionDefinition finds the definition an execution runs: its version's, else its state
// machine's current one.
func (s *server) executionDefinition(ctx context.Context, ex *store.Execution) (string, sfn.StateMachineType, error) {
	if ex.StateMachineVersionARN != "" {
		v, err := s.store.StateMachineVersionGetByARN(ctx, &store.StateMachineVersionGetByARNParams{ARN: ex.StateMachineVersionARN})
		if err == nil {
			return v.Definition, v.Type, nil
		}
	}
	sm, err := s.store.StateMachineGetByARN(ctx, &store.StateMachineGetByARNParams{ARN: ex.StateMachineARN})
	if err != nil {
		return "", "", fmt.Errorf("the definition is gone: %w", err)
	}
	return sm.Definition, sm.Type, nil
}

// drawDefinition renders a definition's graph as inline SVG. A definition with errors is still
// drawn when the parser could read its shape.
func drawDefinition(definition string, typ sfn.StateMachineType) (template.HTML, string) {
	sm, diags := asl.Parse([]byte(definition), asl.ParseOptions{Type: typ})
	if sm == nil {
		return "", fmt.Sprintf("the definition cannot be drawn: %v", diags)
	}
	// graph escapes every name and label it writes into the SVG.
	return template.HTML(graph.Build(sm).SVG()), ""
}
