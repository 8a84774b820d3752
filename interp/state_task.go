package interp

import (
	"github.com/stepflow/stepflow/asl"
	"github.com/stepflow/stepflow/asl/jsonpath"
	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/sfn"
)

func (e *Execution) runTask(f *Frame, st *state) outcome {
	def := st.def.(*asl.Task)
	eff := f.Input
	var err *stateError
	if !st.jsonata {
		if eff, err = e.inputPath(f, st, f.Input); err != nil {
			return e.fail(f, st, err)
		}
	}
	token := ""
	if st.task.WaitsForTaskToken() {
		token = randomUUID(&e.s.Random) + randomUUID(&e.s.Random)
	}
	x := &env{f: f, st: st, input: eff, token: token}
	params := eff
	if t := st.input(); t != nil {
		if params, err = e.evalTemplate(t, x); err != nil {
			return e.fail(f, st, err)
		}
	}
	timeout, err := e.taskSeconds(x, "TimeoutSecondsPath", def.TimeoutSeconds, def.TimeoutSecondsPath, st.timeoutExpr)
	if err != nil {
		return e.fail(f, st, err)
	}
	heartbeat, err := e.taskSeconds(x, "HeartbeatSecondsPath", def.HeartbeatSeconds, def.HeartbeatSecondsPath, st.heartbeatExpr)
	if err != nil {
		return e.fail(f, st, err)
	}
	var credentials any
	if st.credentials != nil {
		if credentials, err = e.evalTemplate(st.credentials, x); err != nil {
			return e.fail(f, st, err)
		}
	}
	taskID := e.newID("task-")
	f.TaskID, f.TaskToken = taskID, token
	e.taskScheduledEvents(f, st, params, timeout, heartbeat, credentials)
	if !e.running() {
		return outcome{kind: outBlocked} // the history filled up: no task runs
	}
	e.s.Waits[taskID] = Wait{Frame: f.ID, Kind: waitTask}
	e.commands = append(e.commands, InvokeTask{
		TaskID: taskID, Resource: def.Resource, Input: params, TimeoutSeconds: timeout, HeartbeatSeconds: heartbeat,
		TaskToken: token, StateName: st.name, Credentials: credentials,
	})
	if timeout > 0 {
		f.TaskTimerID = e.newTimer(f, waitTaskTimeout, afterSeconds(e.now, timeout))
	}
	if heartbeat > 0 {
		f.HeartbeatSeconds = heartbeat
		f.HeartbeatTimerID = e.newTimer(f, waitHeartbeat, afterSeconds(e.now, heartbeat))
	}
	return outcome{kind: outBlocked}
}

// taskSeconds reads TimeoutSeconds/HeartbeatSeconds or their Path variant; 0 means none.
func (e *Execution) taskSeconds(x *env, field string, literal *int64, p *jsonpath.Path, expr *template) (int64, *stateError) {
	if literal != nil {
		return *literal, nil
	}
	if expr != nil {
		return e.jsonataInteger(x, expr)
	}
	if p == nil {
		return 0, nil
	}
	v, err := e.get(p, x)
	if err != nil {
		return 0, notFound(x.f, x.st, p, err)
	}
	n, ok := integerValue(v)
	if !ok || n == 0 {
		return 0, runtimeError(x.f, x.st, "The %s field refers to value \"%s\" which is not a valid positive integer: %s", field, plainText(v), p.Text)
	}
	return n, nil
}

func (e *Execution) region(st *state) string {
	if st.task.Region != "" {
		return st.task.Region
	}
	if a, err := sfn.ParseARN(e.s.Info.ExecutionARN); err == nil && a.Region != "" {
		return a.Region
	}
	return sfn.DefaultRegion
}

func optionalSeconds(n int64) *int64 {
	if n == 0 {
		return nil
	}
	return &n
}

// taskScheduledEvents writes TaskScheduled and TaskStarted (LambdaFunction*, or for an
// activity only ActivityScheduled: ActivityStarted waits for a worker).
func (e *Execution) taskScheduledEvents(f *Frame, st *state, params any, timeout, heartbeat int64, credentials any) {
	r := st.task
	id, rec := e.eventID(f)
	if rec {
		scheduled := sfn.HistoryEvent{ID: id, PreviousEventID: f.Last}
		var creds *sfn.TaskCredentials
		if m, ok := jsonvalue.AsObject(credentials); ok {
			v, _ := m.Get("RoleArn")
			role, _ := v.(string)
			creds = &sfn.TaskCredentials{RoleArn: role}
		}
		switch r.Kind {
		case sfn.ResourceLambdaFunction:
			scheduled.Type = sfn.EventLambdaFunctionScheduled
			scheduled.LambdaFunctionScheduledEventDetails = &sfn.LambdaFunctionScheduledDetails{Resource: r.ARN,
				Input: payload(params), InputDetails: notTruncated, TimeoutInSeconds: optionalSeconds(timeout), TaskCredentials: creds}
		case sfn.ResourceActivity:
			scheduled.Type = sfn.EventActivityScheduled
			scheduled.ActivityScheduledEventDetails = &sfn.ActivityScheduledDetails{Resource: r.ARN, Input: payload(params),
				InputDetails: notTruncated, TimeoutInSeconds: optionalSeconds(timeout), HeartbeatInSeconds: optionalSeconds(heartbeat)}
		default:
			scheduled.Type = sfn.EventTaskScheduled
			scheduled.TaskScheduledEventDetails = &sfn.TaskScheduledDetails{ResourceType: r.resourceType, Resource: r.resource,
				Region: e.region(st), Parameters: payload(params), TimeoutInSeconds: optionalSeconds(timeout),
				HeartbeatInSeconds: optionalSeconds(heartbeat), TaskCredentials: creds}
		}
		e.push(scheduled)
	}
	f.Last = id
	if r.Kind == sfn.ResourceActivity {
		f.AwaitingWorker = true
		return
	}
	id, rec = e.eventID(f)
	if rec {
		started := sfn.HistoryEvent{ID: id, PreviousEventID: f.Last, Type: sfn.EventTaskStarted,
			TaskStartedEventDetails: &sfn.TaskResourceDetails{ResourceType: r.resourceType, Resource: r.resource}}
		if r.Kind == sfn.ResourceLambdaFunction {
			started.Type, started.TaskStartedEventDetails = sfn.EventLambdaFunctionStarted, nil
		}
		e.push(started)
	}
	f.Last = id
}

// activityStarted writes ActivityStarted once a worker took the frame's activity task (or,
// if the engine never said so, when its result arrives).
func (e *Execution) activityStarted(f *Frame, worker string) {
	if !f.AwaitingWorker {
		return
	}
	f.AwaitingWorker = false
	id, rec := e.eventID(f)
	if rec {
		e.push(sfn.HistoryEvent{Type: sfn.EventActivityStarted, ID: id, PreviousEventID: f.Last,
			ActivityStartedEventDetails: &sfn.ActivityStartedDetails{WorkerName: worker}})
	}
	f.Last = id
}

// taskSubmitted writes TaskSubmitted: a .sync integration started its job.
func (e *Execution) taskSubmitted(f *Frame, output any) {
	st := e.p.states[f.State]
	id, rec := e.eventID(f)
	if rec {
		e.push(sfn.HistoryEvent{Type: sfn.EventTaskSubmitted, ID: id, PreviousEventID: f.Last,
			TaskSubmittedEventDetails: &sfn.TaskOutputDetails{ResourceType: st.task.resourceType, Resource: st.task.resource,
				Output: payload(output), OutputDetails: notTruncated}})
	}
	f.Last = id
}

// endTask withdraws the timers of the frame's task.
func (e *Execution) endTask(f *Frame) {
	e.cancelTimer(f.TaskTimerID)
	e.cancelTimer(f.HeartbeatTimerID)
	f.TaskID, f.TaskToken, f.TaskTimerID, f.HeartbeatTimerID, f.HeartbeatSeconds = "", "", "", "", 0
	f.AwaitingWorker = false
}

func (e *Execution) taskSucceeded(f *Frame, output any) outcome {
	st := e.p.states[f.State]
	e.activityStarted(f, "")
	e.endTask(f)
	id, rec := e.eventID(f)
	if rec {
		ev := sfn.HistoryEvent{ID: id, PreviousEventID: f.Last}
		r := st.task
		switch r.Kind {
		case sfn.ResourceLambdaFunction:
			ev.Type = sfn.EventLambdaFunctionSucceeded
			ev.LambdaFunctionSucceededEventDetails = &sfn.OutputDetails{Output: payload(output), OutputDetails: notTruncated}
		case sfn.ResourceActivity:
			ev.Type = sfn.EventActivitySucceeded
			ev.ActivitySucceededEventDetails = &sfn.OutputDetails{Output: payload(output), OutputDetails: notTruncated}
		default:
			ev.Type = sfn.EventTaskSucceeded
			ev.TaskSucceededEventDetails = &sfn.TaskOutputDetails{ResourceType: r.resourceType, Resource: r.resource,
				Output: payload(output), OutputDetails: notTruncated}
		}
		e.push(ev)
	}
	f.Last = id
	if e.sizes.exceeds(output, e.p.opts.PayloadLimit) {
		return e.fail(f, st, dataLimitErrorFor(st, output))
	}
	return e.complete(f, st, output)
}

// taskFailed records a task's failure (or its timing out) and handles the error.
func (e *Execution) taskFailed(f *Frame, errName, cause string, timedOut bool) outcome {
	st := e.p.states[f.State]
	if timedOut {
		e.cancelTask(f.TaskID)
	} else {
		e.activityStarted(f, "")
	}
	e.endTask(f)
	id, rec := e.eventID(f)
	if rec {
		ev := sfn.HistoryEvent{ID: id, PreviousEventID: f.Last}
		r := st.task
		switch r.Kind {
		case sfn.ResourceLambdaFunction:
			ev.Type = sfn.EventLambdaFunctionFailed
			details := &sfn.ErrorDetails{Error: errName, Cause: cause}
			if timedOut {
				ev.Type = sfn.EventLambdaFunctionTimedOut
				ev.LambdaFunctionTimedOutEventDetails = details
			} else {
				ev.LambdaFunctionFailedEventDetails = details
			}
		case sfn.ResourceActivity:
			ev.Type = sfn.EventActivityFailed
			details := &sfn.ErrorDetails{Error: errName, Cause: cause}
			if timedOut {
				ev.Type = sfn.EventActivityTimedOut
				ev.ActivityTimedOutEventDetails = details
			} else {
				ev.ActivityFailedEventDetails = details
			}
		default:
			ev.Type = sfn.EventTaskFailed
			details := &sfn.TaskErrorDetails{ResourceType: r.resourceType, Resource: r.resource, Error: errName, Cause: cause}
			if timedOut {
				ev.Type = sfn.EventTaskTimedOut
				ev.TaskTimedOutEventDetails = details
			} else {
				ev.TaskFailedEventDetails = details
			}
		}
		e.push(ev)
	}
	f.Last = id
	return e.fail(f, st, &stateError{name: errName, cause: cause})
}
