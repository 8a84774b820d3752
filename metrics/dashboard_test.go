package metrics_test

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stepflow/stepflow/metrics"
	"github.com/stepflow/stepflow/sfn"
)

// TestGrafanaDashboardNamesServedMetrics checks that every metric docs/grafana-dashboard.json
// queries is one /metrics serves, with the labels the query filters and groups on: a metric
// renamed here must be renamed there.
func TestGrafanaDashboardNamesServedMetrics(t *testing.T) {
	t.Parallel()
	text, err := os.ReadFile("../docs/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dashboard struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(text, &dashboard); err != nil {
		t.Fatalf("the dashboard is not JSON: %v", err)
	}

	// Every collector gets a sample, so that the registry lists each family with its labels.
	p := metrics.NewPrometheus()
	for _, status := range []sfn.ExecutionStatus{sfn.StatusSucceeded, sfn.StatusFailed, sfn.StatusTimedOut, sfn.StatusAborted} {
		p.ExecutionStarted(machineA)
		p.ExecutionFinished(machineA, status, time.Second)
	}
	p.ExecutionThrottled(machineA)
	p.ExecutionRedriven(machineA)
	for kind, resource := range map[metrics.TaskKind]string{metrics.Activity: activity, metrics.LambdaFunction: function, metrics.ServiceIntegration: service} {
		p.TaskScheduled(kind, resource)
		p.TaskStarted(kind, resource, time.Second)
		for _, outcome := range []metrics.TaskOutcome{metrics.TaskSucceeded, metrics.TaskFailed, metrics.TaskTimedOut, metrics.TaskHeartbeatTimedOut} {
			p.TaskFinished(kind, resource, outcome, time.Second, time.Second)
		}
	}
	p.TaskRerun(metrics.RerunLeaseExpired)
	p.EventsMatched(1)
	p.RuleTriggered("arn:rule", 1)
	p.Invocation("arn:rule", true)
	p.DeadLetter("arn:rule")
	p.ScheduleFired("arn:schedule", time.Second)
	families, err := p.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	labels := map[string]map[string]bool{} // by series name (histograms' _bucket, _sum, _count)
	for _, f := range families {
		names := []string{f.GetName()}
		if f.GetType().String() == "HISTOGRAM" {
			names = []string{f.GetName() + "_bucket", f.GetName() + "_sum", f.GetName() + "_count"}
		}
		for _, name := range names {
			set := map[string]bool{"job": true, "instance": true, "le": strings.HasSuffix(name, "_bucket")}
			for _, m := range f.GetMetric() {
				for _, l := range m.GetLabel() {
					set[l.GetName()] = true
				}
			}
			labels[name] = set
		}
	}

	series := regexp.MustCompile(`\b((?:stepflow|process|go)_[a-z_]+)(\{[^}]*\})?`)
	selectorLabel := regexp.MustCompile(`([a-z_]+)\s*=~?`)
	byClause := regexp.MustCompile(`by \(([a-z_, ]+)\)`)
	queries := 0
	for _, panel := range dashboard.Panels {
		for _, target := range panel.Targets {
			queries++
			found := series.FindAllStringSubmatch(target.Expr, -1)
			if len(found) == 0 {
				t.Errorf("%s: %q queries no Stepflow metric", panel.Title, target.Expr)
			}
			for _, m := range found {
				have, ok := labels[m[1]]
				if !ok {
					t.Errorf("%s: %s is not served at /metrics", panel.Title, m[1])
					continue
				}
				var used []string
				for _, l := range selectorLabel.FindAllStringSubmatch(m[2], -1) {
					used = append(used, l[1])
				}
				for _, by := range byClause.FindAllStringSubmatch(target.Expr, -1) {
					for _, l := range strings.Split(by[1], ",") {
						used = append(used, strings.TrimSpace(l))
					}
				}
				for _, l := range used {
					if !have[l] {
						t.Errorf("%s: %s has no label %s (in %q)", panel.Title, m[1], l, target.Expr)
					}
				}
			}
		}
	}
	if queries < 40 {
		t.Errorf("the dashboard has %d queries; its panels were lost", queries)
	}
}
