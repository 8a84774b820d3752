package interp

import (
	"math"
	"time"

	"github.com/stepflow/stepflow/asl"
	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/sfn"
)

// enter moves frame f into state st with the given raw input and runs it.
func (e *Execution) enter(f *Frame, st *state, input any) outcome {
	e.arrive(f, st, input)
	return e.execute(f, st)
}

// arrive moves frame f into state st and writes the Entered event, without running the state.
func (e *Execution) arrive(f *Frame, st *state, input any) {
	e.stepStates++
	f.State = st.index
	f.Input = input
	f.Effective = nil
	f.Parked = false
	f.EnteredTime = e.now
	f.RetryCount = 0
	f.RetryAttempts = f.RetryAttempts[:0]
	f.endedFan = nil
	id, rec := e.eventID(f)
	if rec {
		e.push(sfn.HistoryEvent{Type: st.entered, ID: id, PreviousEventID: f.Last,
			StateEnteredEventDetails: &sfn.StateEnteredDetails{Name: st.name, Input: payload(input), InputDetails: notTruncated}})
	}
	f.EnteredEventID = id
	f.EnteredPrev = f.Last
	f.Last = id
}

// execute runs the body of a state: everything after its Entered event. A retry runs it again.
func (e *Execution) execute(f *Frame, st *state) outcome {
	if st.jsonata {
		switch st.typ {
		case asl.TypePass:
			return e.finishJSONata(f, st, &env{f: f, st: st, input: f.Input}, f.Input, st.output, st.assign, st.next)
		case asl.TypeSucceed:
			return e.finishJSONata(f, st, &env{f: f, st: st, input: f.Input}, f.Input, st.output, nil, nil)
		case asl.TypeChoice:
			return e.runChoiceJSONata(f, st)
		case asl.TypeFail:
			return e.runFailJSONata(f, st)
		}
	}
	switch st.typ {
	case asl.TypePass:
		return e.runPass(f, st)
	case asl.TypeChoice:
		return e.runChoice(f, st)
	case asl.TypeWait:
		return e.runWait(f, st)
	case asl.TypeSucceed:
		return e.runSucceed(f, st)
	case asl.TypeFail:
		return e.runFail(f, st)
	case asl.TypeTask:
		return e.runTask(f, st)
	case asl.TypeParallel:
		return e.runParallel(f, st)
	case asl.TypeMap:
		return e.runMap(f, st)
	}
	return e.fail(f, st, runtimeError(f, st, "unsupported state type %q", st.typ))
}

func (e *Execution) runPass(f *Frame, st *state) outcome {
	eff, err := e.inputPath(f, st, f.Input)
	if err != nil {
		return e.fail(f, st, err)
	}
	if st.parameters != nil {
		if eff, err = e.evalTemplate(st.parameters, &env{f: f, st: st, input: eff}); err != nil {
			return e.fail(f, st, err)
		}
	}
	if def := st.def.(*asl.Pass); def.HasResult {
		eff = def.Result
	}
	return e.complete(f, st, eff)
}

func (e *Execution) runSucceed(f *Frame, st *state) outcome {
	eff, err := e.inputPath(f, st, f.Input)
	if err != nil {
		return e.fail(f, st, err)
	}
	out, err := e.outputPath(f, st, eff)
	if err != nil {
		return e.fail(f, st, err)
	}
	return e.exit(f, st, out, nil, nil, nil)
}

func (e *Execution) runFail(f *Frame, st *state) outcome {
	def := st.def.(*asl.Fail)
	x := &env{f: f, st: st, input: f.Input}
	name, err := e.failField(x, "ErrorPath", def.Error, def.ErrorPath != nil || def.ErrorCall != nil, def.ErrorPath, def.ErrorCall)
	if err != nil {
		return failed(err)
	}
	cause, err := e.failField(x, "CausePath", def.Cause, def.CausePath != nil || def.CauseCall != nil, def.CausePath, def.CauseCall)
	if err != nil {
		return failed(err)
	}
	return outcome{kind: outFailed, err: name, cause: cause}
}

func (e *Execution) runWait(f *Frame, st *state) outcome {
	def := st.def.(*asl.Wait)
	eff := f.Input
	var err *stateError
	if !st.jsonata {
		if eff, err = e.inputPath(f, st, f.Input); err != nil {
			return e.fail(f, st, err)
		}
	}
	at, dynamic, err := e.waitUntilJSONata(&env{f: f, st: st, input: f.Input})
	if err != nil {
		return e.fail(f, st, err)
	}
	if !dynamic {
		if at, err = e.waitUntil(f, st, def, eff); err != nil {
			return e.fail(f, st, err)
		}
	}
	if err := e.checkWaitEnd(f, st, at); err != nil {
		return e.fail(f, st, err)
	}
	f.Effective = eff
	f.TimerID = e.newTimer(f, waitState, at)
	return outcome{kind: outBlocked}
}

// waitElapsed finishes a Wait state whose timer fired.
func (e *Execution) waitElapsed(f *Frame) outcome {
	st := e.p.states[f.State]
	if st.jsonata {
		return e.finishJSONata(f, st, &env{f: f, st: st, input: f.Input}, f.Input, st.output, st.assign, st.next)
	}
	eff := f.Effective
	f.Effective = nil
	out, err := e.outputPath(f, st, eff)
	if err != nil {
		return e.fail(f, st, err)
	}
	return e.exit(f, st, out, &env{f: f, st: st, input: eff}, st.assign, st.next)
}

func (e *Execution) waitUntil(f *Frame, st *state, def *asl.Wait, eff any) (time.Time, *stateError) {
	x := &env{f: f, st: st, input: eff}
	switch {
	case def.Seconds != nil:
		return afterSeconds(e.now, *def.Seconds), nil
	case def.Timestamp != "":
		t, ok := parseTimestamp(def.Timestamp)
		if !ok {
			return time.Time{}, runtimeError(f, st, "The Timestamp field does not contain a valid ISO-8601 extended offset date-time format string: %s", def.Timestamp)
		}
		return t, nil
	case def.SecondsPath != nil:
		v, err := e.get(def.SecondsPath, x)
		if err != nil {
			return time.Time{}, notFound(f, st, def.SecondsPath, err)
		}
		n, ok := jsonvalue.Float(v)
		switch {
		case !ok || n != math.Trunc(n) || math.Abs(n) >= maxLong:
			return time.Time{}, runtimeError(f, st, "The SecondsPath parameter cannot be parsed as a long value: %s == %s", def.SecondsPath.Text, plainText(v))
		case n < 0:
			return time.Time{}, runtimeError(f, st, "The SecondsPath parameter references a negative value: %s == %s", def.SecondsPath.Text, plainText(v))
		}
		return afterSeconds(e.now, n), nil
	case def.TimestampPath != nil:
		v, err := e.get(def.TimestampPath, x)
		if err != nil {
			return time.Time{}, notFound(f, st, def.TimestampPath, err)
		}
		s, _ := v.(string)
		t, ok := parseTimestamp(s)
		if !ok {
			return time.Time{}, runtimeError(f, st, "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: %s == %s", def.TimestampPath.Text, plainText(v))
		}
		return t, nil
	}
	return e.now, nil
}

// maxLong is 2^63: SecondsPath is read as a Java long on AWS, so larger numbers cannot be
// parsed at all.
const maxLong = 1 << 63

// maxExecutionDuration is the longest a Standard execution may run on AWS: one year.
const maxExecutionDuration = 365 * 24 * time.Hour

// checkWaitEnd fails a Wait that would last longer than a year: AWS would time the
// execution out before it ends, and a timer that far away (up to the 292 years a
// time.Duration holds) would keep the execution open for nothing. The failure is
// States.Runtime, which, like AWS's time-out, no Catch can handle.
func (e *Execution) checkWaitEnd(f *Frame, st *state, at time.Time) *stateError {
	if limit := e.now.Add(maxExecutionDuration); at.After(limit) {
		return runtimeError(f, st, "The Wait state would last until %s, longer than the maximum duration of an execution (one year)",
			at.UTC().Format(time.RFC3339))
	}
	return nil
}

// plainText writes a value in a cause: strings bare, the rest as JSON.
func plainText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return encodeJSON(v)
}

// complete processes a state's result: ResultSelector, ResultPath, OutputPath, Assign, and
// leaves the state.
func (e *Execution) complete(f *Frame, st *state, result any) outcome {
	if st.jsonata {
		x := &env{f: f, st: st, input: f.Input, result: result, hasResult: true}
		return e.finishJSONata(f, st, x, result, st.output, st.assign, st.next)
	}
	var err *stateError
	if st.resultSelector != nil {
		if result, err = e.evalTemplate(st.resultSelector, &env{f: f, st: st, input: result}); err != nil {
			return e.fail(f, st, err)
		}
	}
	out, err := e.resultPath(f, st, st.base.ResultPath, f.Input, result)
	if err != nil {
		return e.fail(f, st, err)
	}
	if out, err = e.outputPath(f, st, out); err != nil {
		return e.fail(f, st, err)
	}
	return e.exit(f, st, out, &env{f: f, st: st, input: result}, st.assign, st.next)
}

// exit assigns variables, checks the output's size, writes the Exited event and moves on to
// next (nil: the frame ends with out as its output).
func (e *Execution) exit(f *Frame, st *state, out any, x *env, assign *template, next *state) outcome {
	var assigned map[string]any
	if assign != nil {
		v, err := e.evalTemplate(assign, x)
		if err != nil {
			return e.fail(f, st, err)
		}
		if o, ok := jsonvalue.AsObject(v); ok {
			assigned = make(map[string]any, o.Len())
			for i := range o.Len() {
				assigned[o.KeyAt(i)] = o.ValueAt(i)
			}
		}
	}
	if limit := e.p.opts.PayloadLimit; limit > 0 {
		size := e.sizes.size(out, limit)
		if size > limit {
			return e.fail(f, st, dataLimitErrorFor(st, out))
		}
		e.countPayload(size)
	}
	if err := e.checkAssignedSizes(f, st, assigned); err != nil {
		return e.fail(f, st, err)
	}
	if len(assigned) > 0 {
		if f.Vars == nil {
			f.Vars = make(map[string]any, len(assigned))
		}
		for k, v := range assigned {
			f.Vars[k] = v
		}
	}
	if st.exited != "" {
		id, rec := e.eventID(f)
		if rec {
			details := &sfn.StateExitedDetails{Name: st.name, Output: payload(out), OutputDetails: notTruncated}
			if len(assigned) > 0 {
				details.AssignedVariables = make(map[string]string, len(assigned))
				for k, v := range assigned {
					details.AssignedVariables[k] = encodeJSON(v)
				}
				details.AssignedVariablesDetails = notTruncated
			}
			e.push(sfn.HistoryEvent{Type: st.exited, ID: id, PreviousEventID: f.Last, StateExitedEventDetails: details})
		}
		if !f.Silent { // the states of the executions that the history shows, with or without it
			e.addStateTime(st.name, e.now.Sub(f.EnteredTime))
		}
		f.Last = id
	}
	if next == nil {
		return outcome{kind: outSucceeded, value: out}
	}
	return outcome{kind: outNext, next: next, value: out}
}

// addStateTime adds a visit of d to the named state's time (see ExecutionState.StateTimes).
func (e *Execution) addStateTime(name string, d time.Duration) {
	if e.s.StateTimes == nil {
		// Sized for the definition's states: a map that grows state by state rehashes as it goes.
		e.s.StateTimes = make(map[string]StateTime, min(len(e.p.states), 64))
	}
	t := e.s.StateTimes[name] // a value, not a pointer: no allocation per state name
	d = max(d, 0)
	t.Runs++
	t.Total += d
	t.Max = max(t.Max, d)
	e.s.StateTimes[name] = t
}

// fail handles an error raised by state st: Retry, then Catch, else the frame fails.
func (e *Execution) fail(f *Frame, st *state, serr *stateError) outcome {
	b := st.base
	if serr.query {
		e.evaluationFailed(f, st, serr)
	}
	if f.Fan != nil && f.Fan.Distributed && f.Fan.MapRunStarted != 0 {
		// The run fails whether or not its state is retried (a retry starts a new run).
		e.mapRunEnded(f, f.Fan, MapRunFailed)
		run, rec := e.eventID(f)
		if rec {
			e.push(sfn.HistoryEvent{Type: sfn.EventMapRunFailed, ID: run, PreviousEventID: f.Fan.MapRunStarted,
				MapRunFailedEventDetails: &sfn.ErrorDetails{Error: serr.name, Cause: serr.cause}})
		}
		f.Last, f.Fan.MapRunStarted = run, 0
	}
	if serr.name != sfn.ErrorRuntime {
		for i := range b.Retry {
			r := &b.Retry[i]
			if !ErrorMatches(r.ErrorEquals, serr.name) {
				continue
			}
			for len(f.RetryAttempts) < len(b.Retry) {
				f.RetryAttempts = append(f.RetryAttempts, 0)
			}
			attempt := f.RetryAttempts[i]
			if int64(attempt) >= r.MaxAttempts {
				break
			}
			f.RetryAttempts[i]++
			f.RetryCount++
			f.Fan, f.endedFan = nil, nil
			f.TimerID = e.newTimer(f, waitRetry, e.now.Add(retryDelay(r, attempt, &e.s.Random)))
			return outcome{kind: outBlocked}
		}
	}
	if f.Fan != nil {
		t := sfn.EventParallelStateFailed
		if f.Fan.Map {
			t = sfn.EventMapStateFailed
		}
		f.Fan, f.endedFan = nil, f.Fan
		e.event(f, t)
	}
	for i := range b.Catch {
		c := &b.Catch[i]
		if !ErrorMatches(c.ErrorEquals, serr.name) {
			continue
		}
		errOut := errorOutput(serr.name, serr.cause)
		if st.jsonata {
			x := &env{f: f, st: st, input: f.Input, errorOutput: errOut, hasError: true}
			var out any = errOut
			if st.catchOutput[i] != nil {
				v, err := e.evalTemplate(st.catchOutput[i], x)
				if err != nil {
					return failed(err)
				}
				out = v
			}
			return e.exit(f, st, out, x, st.catchAssign[i], st.catchNext[i])
		}
		out, err := e.resultPath(f, st, c.ResultPath, f.Input, errOut)
		if err != nil {
			return failed(err)
		}
		return e.exit(f, st, out, &env{f: f, st: st, input: errOut}, st.catchAssign[i], st.catchNext[i])
	}
	return failed(serr)
}

// evaluationFailed writes AWS's EvaluationFailed event for a JSONata failure. AWS links it to
// the event before the state was entered (to the Entered event for Wait states), and a
// Parallel or Map state fails even before it started its children.
func (e *Execution) evaluationFailed(f *Frame, st *state, serr *stateError) {
	prev := f.EnteredPrev
	if st.typ == asl.TypeWait {
		prev = f.Last
	}
	id, rec := e.eventID(f)
	if rec {
		e.push(sfn.HistoryEvent{Type: sfn.EventEvaluationFailed, ID: id, PreviousEventID: prev,
			EvaluationFailedEventDetails: &sfn.EvaluationFailedDetails{Error: serr.name, Cause: serr.cause, Location: serr.location, State: st.name}})
	}
	f.Last = id
	if f.Fan == nil && (st.typ == asl.TypeMap || st.typ == asl.TypeParallel) {
		f.Fan = &Fan{Map: st.typ == asl.TypeMap}
	}
}

// retryDelay is IntervalSeconds × BackoffRate^attempt, capped by MaxDelaySeconds, with FULL
// jitter drawn from the execution's random numbers.
func retryDelay(r *asl.Retrier, attempt int, random *uint64) time.Duration {
	interval := float64(r.IntervalSeconds)
	backoff := r.BackoffRate
	if backoff == 0 {
		backoff = 2
	}
	seconds := interval * math.Pow(backoff, float64(attempt))
	if r.MaxDelaySeconds != nil && seconds > float64(*r.MaxDelaySeconds) {
		seconds = float64(*r.MaxDelaySeconds)
	}
	if r.JitterStrategy == "FULL" {
		seconds *= randomFloat(random)
	}
	if seconds > 1e9 {
		seconds = 1e9
	}
	return time.Duration(seconds * float64(time.Second))
}

// parseTimestamp accepts ISO-8601 extended offset date-times (RFC 3339 with the T and a zone).
func parseTimestamp(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}
