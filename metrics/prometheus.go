package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/stepflow/stepflow/sfn"
)

// durationBuckets span a fast Lambda call to a long human approval, in seconds.
var durationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 86400}

// Prometheus is a Recorder that keeps Prometheus collectors in its own registry, together
// with the Go runtime and process collectors.
type Prometheus struct {
	registry *prometheus.Registry

	executionsStarted   *prometheus.CounterVec
	executionsFinished  map[sfn.ExecutionStatus]*prometheus.CounterVec
	executionsThrottled *prometheus.CounterVec
	executionsRedriven  *prometheus.CounterVec
	executionTime       *prometheus.HistogramVec
	taskReruns          *prometheus.CounterVec

	tasks map[TaskKind]*taskCollectors

	// The event bus's counts (CloudWatch AWS/Events).
	eventsMatched         *prometheus.CounterVec
	eventsTriggeredRules  *prometheus.CounterVec
	eventsInvocations     *prometheus.CounterVec
	eventsFailed          *prometheus.CounterVec
	eventsDeadLetterCount *prometheus.CounterVec
	scheduleFires         *prometheus.CounterVec
	scheduleLateness      *prometheus.HistogramVec
}

// taskCollectors are one task kind's counters and timings, e.g. ActivitiesScheduled ...
// ActivityTime.
type taskCollectors struct {
	scheduled, started *prometheus.CounterVec
	finished           map[TaskOutcome]*prometheus.CounterVec
	scheduleTime       *prometheus.HistogramVec // scheduled → started
	runTime            *prometheus.HistogramVec // started → closed
	time               *prometheus.HistogramVec // scheduled → closed
}

var _ Recorder = (*Prometheus)(nil)

// NewPrometheus makes the collectors and registers them.
func NewPrometheus() *Prometheus {
	p := &Prometheus{registry: prometheus.NewRegistry(), tasks: map[TaskKind]*taskCollectors{}}
	p.registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	smLabel := []string{"state_machine_arn"}
	p.executionsStarted = p.counter("executions_started_total", "Executions started (CloudWatch ExecutionsStarted).", smLabel)
	p.executionsFinished = map[sfn.ExecutionStatus]*prometheus.CounterVec{
		sfn.StatusSucceeded: p.counter("executions_succeeded_total", "Executions that succeeded (CloudWatch ExecutionsSucceeded).", smLabel),
		sfn.StatusFailed:    p.counter("executions_failed_total", "Executions that failed (CloudWatch ExecutionsFailed).", smLabel),
		sfn.StatusAborted:   p.counter("executions_aborted_total", "Executions stopped by StopExecution (CloudWatch ExecutionsAborted).", smLabel),
		sfn.StatusTimedOut:  p.counter("executions_timed_out_total", "Executions that reached TimeoutSeconds (CloudWatch ExecutionsTimedOut).", smLabel),
	}
	p.executionsThrottled = p.counter("executions_throttled_total", "StartExecution calls refused for lack of capacity (CloudWatch ExecutionThrottled).", smLabel)
	p.executionsRedriven = p.counter("executions_redriven_total", "Executions restarted by RedriveExecution (CloudWatch ExecutionsRedriven).", smLabel)
	p.taskReruns = p.counter("task_reruns_total", "Tasks handed out again after a lease ran out or was lost (tasks run at least once).", []string{"reason"})
	p.executionTime = p.histogram("execution_time_seconds", "Time from an execution's start to its close (CloudWatch ExecutionTime).", smLabel)

	ruleLabel := []string{"rule_arn"}
	p.eventsMatched = p.counter("events_matched_events_total", "Events that matched at least one rule (CloudWatch AWS/Events MatchedEvents).", nil)
	p.eventsTriggeredRules = p.counter("events_triggered_rules_total", "Events that matched a rule (CloudWatch AWS/Events TriggeredRules).", ruleLabel)
	p.eventsInvocations = p.counter("events_invocations_total", "Deliveries to targets that ended, made or given up (CloudWatch AWS/Events Invocations).", ruleLabel)
	p.eventsFailed = p.counter("events_failed_invocations_total", "Deliveries to targets that failed for good (CloudWatch AWS/Events FailedInvocations).", ruleLabel)
	p.eventsDeadLetterCount = p.counter("events_dead_letter_invocations_total", "Failed deliveries kept as dead letters (CloudWatch AWS/Events DeadLetterInvocations).", ruleLabel)
	p.scheduleFires = p.counter("scheduler_fires_total", "Slots of EventBridge Scheduler schedules fired.", []string{"schedule_arn"})
	p.scheduleLateness = p.histogram("scheduler_lateness_seconds", "Time from a slot's fire time (inside its flexible window) to its fire.", []string{"schedule_arn"})

	for _, k := range []struct {
		kind                 TaskKind
		plural, singular, cw string
		label                string
	}{
		{Activity, "activities", "activity", "Activities", "activity_arn"},
		{LambdaFunction, "lambda_functions", "lambda_function", "LambdaFunctions", "lambda_function_arn"},
		{ServiceIntegration, "service_integrations", "service_integration", "ServiceIntegrations", "service_integration_resource_arn"},
	} {
		label := []string{k.label}
		singularCW := k.cw[:len(k.cw)-1]
		if k.kind == Activity {
			singularCW = "Activity"
		}
		tc := &taskCollectors{
			scheduled: p.counter(k.plural+"_scheduled_total", "Tasks scheduled (CloudWatch "+k.cw+"Scheduled).", label),
			started:   p.counter(k.plural+"_started_total", "Tasks started (CloudWatch "+k.cw+"Started).", label),
			finished: map[TaskOutcome]*prometheus.CounterVec{
				TaskSucceeded: p.counter(k.plural+"_succeeded_total", "Tasks that succeeded (CloudWatch "+k.cw+"Succeeded).", label),
				TaskFailed:    p.counter(k.plural+"_failed_total", "Tasks that failed (CloudWatch "+k.cw+"Failed).", label),
				TaskTimedOut:  p.counter(k.plural+"_timed_out_total", "Tasks that timed out (CloudWatch "+k.cw+"TimedOut).", label),
			},
			scheduleTime: p.histogram(k.singular+"_schedule_time_seconds", "Time a task waited from scheduled to started (CloudWatch "+singularCW+"ScheduleTime).", label),
			runTime:      p.histogram(k.singular+"_run_time_seconds", "Time a task ran from started to closed (CloudWatch "+singularCW+"RunTime).", label),
			time:         p.histogram(k.singular+"_time_seconds", "Time from a task's scheduling to its close (CloudWatch "+singularCW+"Time).", label),
		}
		if k.kind == Activity {
			tc.finished[TaskHeartbeatTimedOut] = p.counter("activities_heartbeat_timed_out_total", "Activity tasks whose heartbeat timed out (CloudWatch ActivitiesHeartbeatTimedOut).", label)
		}
		p.tasks[k.kind] = tc
	}
	return p
}

func (p *Prometheus) counter(name, help string, labels []string) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "stepflow", Name: name, Help: help}, labels)
	p.registry.MustRegister(c)
	return c
}

func (p *Prometheus) histogram(name, help string, labels []string) *prometheus.HistogramVec {
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "stepflow", Name: name, Help: help, Buckets: durationBuckets}, labels)
	p.registry.MustRegister(h)
	return h
}

// Registry is where the collectors live, for adding an application's own.
func (p *Prometheus) Registry() *prometheus.Registry { return p.registry }

// Handler serves the metrics in the Prometheus exposition format; mount it at /metrics.
func (p *Prometheus) Handler() http.Handler {
	return promhttp.HandlerFor(p.registry, promhttp.HandlerOpts{Registry: p.registry})
}

// ExecutionStarted implements Recorder.
func (p *Prometheus) ExecutionStarted(arn string) { p.executionsStarted.WithLabelValues(arn).Inc() }

// ExecutionFinished implements Recorder. A status that does not close an execution (RUNNING,
// PENDING_REDRIVE) is not counted.
func (p *Prometheus) ExecutionFinished(arn string, status sfn.ExecutionStatus, d time.Duration) {
	c, ok := p.executionsFinished[status]
	if !ok {
		return
	}
	c.WithLabelValues(arn).Inc()
	p.executionTime.WithLabelValues(arn).Observe(d.Seconds())
}

// ExecutionThrottled implements Recorder.
func (p *Prometheus) ExecutionThrottled(arn string) { p.executionsThrottled.WithLabelValues(arn).Inc() }

// ExecutionRedriven implements Recorder.
func (p *Prometheus) ExecutionRedriven(arn string) { p.executionsRedriven.WithLabelValues(arn).Inc() }

// TaskScheduled implements Recorder. Unknown kinds are not counted.
func (p *Prometheus) TaskScheduled(kind TaskKind, resource string) {
	if tc := p.tasks[kind]; tc != nil {
		tc.scheduled.WithLabelValues(resource).Inc()
	}
}

// TaskRerun implements Recorder.
func (p *Prometheus) TaskRerun(reason RerunReason) {
	p.taskReruns.WithLabelValues(string(reason)).Inc()
}

// TaskStarted implements Recorder.
func (p *Prometheus) TaskStarted(kind TaskKind, resource string, waited time.Duration) {
	if tc := p.tasks[kind]; tc != nil {
		tc.started.WithLabelValues(resource).Inc()
		tc.scheduleTime.WithLabelValues(resource).Observe(waited.Seconds())
	}
}

// TaskFinished implements Recorder. A heartbeat timeout of a Lambda function or integration
// counts as a timeout, as those have no heartbeat metric.
func (p *Prometheus) TaskFinished(kind TaskKind, resource string, outcome TaskOutcome, ran, total time.Duration) {
	tc := p.tasks[kind]
	if tc == nil {
		return
	}
	c, ok := tc.finished[outcome]
	if !ok && outcome == TaskHeartbeatTimedOut {
		c, ok = tc.finished[TaskTimedOut], true
	}
	if !ok {
		return
	}
	c.WithLabelValues(resource).Inc()
	tc.runTime.WithLabelValues(resource).Observe(ran.Seconds())
	tc.time.WithLabelValues(resource).Observe(total.Seconds())
}

// EventsMatched implements events.Recorder.
func (p *Prometheus) EventsMatched(n int) { p.eventsMatched.WithLabelValues().Add(float64(n)) }

// RuleTriggered implements events.Recorder.
func (p *Prometheus) RuleTriggered(ruleARN string, n int) {
	p.eventsTriggeredRules.WithLabelValues(ruleARN).Add(float64(n))
}

// Invocation implements events.Recorder.
func (p *Prometheus) Invocation(ruleARN string, failed bool) {
	p.eventsInvocations.WithLabelValues(ruleARN).Inc()
	if failed {
		p.eventsFailed.WithLabelValues(ruleARN).Inc()
	}
}

// DeadLetter implements events.Recorder.
func (p *Prometheus) DeadLetter(ruleARN string) {
	p.eventsDeadLetterCount.WithLabelValues(ruleARN).Inc()
}

// ScheduleFired implements scheduler.Recorder.
func (p *Prometheus) ScheduleFired(scheduleARN string, lateness time.Duration) {
	p.scheduleFires.WithLabelValues(scheduleARN).Inc()
	p.scheduleLateness.WithLabelValues(scheduleARN).Observe(max(lateness, 0).Seconds())
}
