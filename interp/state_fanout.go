package interp

import (
	"slices"
	"time"

	"github.com/stepflow/stepflow/asl"
	"github.com/stepflow/stepflow/asl/jsonpath"
	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/sfn"
)

func (e *Execution) runParallel(f *Frame, st *state) outcome {
	eff := f.Input
	var err *stateError
	if !st.jsonata {
		if eff, err = e.inputPath(f, st, f.Input); err != nil {
			return e.fail(f, st, err)
		}
	}
	if t := st.input(); t != nil {
		if eff, err = e.evalTemplate(t, &env{f: f, st: st, input: eff}); err != nil {
			return e.fail(f, st, err)
		}
	}
	f.Fan = &Fan{Input: eff, Results: make([]any, len(st.branches)), Children: map[int]*Frame{}, ToleratedCount: -1, ToleratedPct: -1}
	e.event(f, sfn.EventParallelStateStarted)
	return e.pump(f, st)
}

func (e *Execution) runMap(f *Frame, st *state) outcome {
	def := st.def.(*asl.Map)
	eff := f.Input
	var err *stateError
	if !st.jsonata {
		if eff, err = e.inputPath(f, st, f.Input); err != nil {
			return e.fail(f, st, err)
		}
	}
	x := &env{f: f, st: st, input: eff}
	// With an ItemReader the items come later, from the engine; ItemsPath and Items are not used.
	var items []any
	if def.ItemReader == nil {
		if items, err = e.mapItems(x, def); err != nil {
			return e.fail(f, st, err)
		}
	}
	fan := &Fan{Map: true, Input: eff, Items: items, Children: map[int]*Frame{}, ToleratedCount: -1, ToleratedPct: -1}
	if st.maxConcurrencyExpr != nil {
		n, err := e.jsonataInteger(x, st.maxConcurrencyExpr)
		if err != nil {
			return e.fail(f, st, err)
		}
		fan.Max = int(n)
	} else if fan.Max, err = e.mapInteger(x, "MaxConcurrencyPath", def.MaxConcurrency, def.MaxConcurrencyPath); err != nil {
		return e.fail(f, st, err)
	}
	if def.ItemBatcher != nil && def.ItemReader == nil {
		if fan.Items, err = e.batches(x, st, def.ItemBatcher, items); err != nil {
			return e.fail(f, st, err)
		}
	}
	fan.Results = make([]any, len(fan.Items))
	id, rec := e.eventID(f)
	if rec {
		e.push(sfn.HistoryEvent{Type: sfn.EventMapStateStarted, ID: id, PreviousEventID: f.Last,
			MapStateStartedEventDetails: &sfn.MapStateStartedDetails{Length: len(fan.Items)}})
	}
	f.Last = id
	if st.toleratedCountExpr != nil {
		n, err := e.jsonataSignedInteger(x, st.toleratedCountExpr)
		if err != nil {
			return e.fail(f, st, err)
		}
		if n < 0 {
			return e.fail(f, st, runtimeError(f, st, negativeToleratedCount))
		}
		fan.ToleratedCount = n
	}
	if st.toleratedPctExpr != nil {
		v, err := e.evalTemplate(st.toleratedPctExpr, x)
		if err != nil {
			return e.fail(f, st, err)
		}
		pct, ok := jsonvalue.Float(v)
		if !ok {
			return e.fail(f, st, queryError(x, "ToleratedFailurePercentage", "The JSONata expression '%s' specified for the field 'ToleratedFailurePercentage' returned an unexpected result type. Expected 'number', but was '%s' for value: %s",
				exprText(st.toleratedPctExpr), jsonTypeName(v), encodeJSON(v)))
		}
		if pct < 0 || pct > 100 {
			return e.fail(f, st, runtimeError(f, st, toleratedPercentageRange))
		}
		fan.ToleratedPct = pct
	}
	switch {
	case def.ToleratedFailureCount != nil:
		fan.ToleratedCount = *def.ToleratedFailureCount
	case def.ToleratedFailureCountPath != nil:
		p := def.ToleratedFailureCountPath
		v, gerr := e.get(p, x)
		if gerr != nil {
			return e.fail(f, st, notFound(f, st, p, gerr))
		}
		n, ok := signedIntegerValue(v)
		if !ok {
			return e.fail(f, st, runtimeError(f, st, "The ToleratedFailureCountPath field refers to value \"%s\" which is not a valid integer: %s", plainText(v), p.Text))
		}
		if n < 0 {
			return e.fail(f, st, runtimeError(f, st, negativeToleratedCount))
		}
		fan.ToleratedCount = n
	}
	switch {
	case def.ToleratedFailurePercentage != nil:
		fan.ToleratedPct = *def.ToleratedFailurePercentage
	case def.ToleratedFailurePercentagePath != nil:
		v, gerr := e.get(def.ToleratedFailurePercentagePath, x)
		if gerr != nil {
			return e.fail(f, st, notFound(f, st, def.ToleratedFailurePercentagePath, gerr))
		}
		pct, ok := numberValue(v)
		if !ok {
			return e.fail(f, st, runtimeError(f, st, "The ToleratedFailurePercentagePath field refers to value \"%s\" which is not a valid float: %s", plainText(v), def.ToleratedFailurePercentagePath.Text))
		}
		if pct < 0 || pct > 100 {
			return e.fail(f, st, runtimeError(f, st, toleratedPercentageRange))
		}
		fan.ToleratedPct = pct
	}
	var readRequest map[string]any
	negativeMaxItems := false
	if def.ItemReader != nil {
		if readRequest, negativeMaxItems, err = e.itemReaderRequest(x); err != nil {
			return e.fail(f, st, err)
		}
	}
	if pc := st.processor.def.ProcessorConfig; pc != nil && pc.Mode == "DISTRIBUTED" {
		fan.Distributed = true
		fan.Batched = def.ItemBatcher != nil
		fan.Writer = def.ResultWriter != nil && def.ResultWriter.Resource != ""
		id, rec := e.eventID(f)
		if rec || fan.Writer {
			fan.MapRunARN = e.mapRunARN(st)
		}
		if rec {
			e.push(sfn.HistoryEvent{Type: sfn.EventMapRunStarted, ID: id, PreviousEventID: f.Last,
				MapRunStartedEventDetails: &sfn.MapRunStartedDetails{MapRunArn: fan.MapRunARN}})
		}
		f.Last, fan.MapRunStarted = id, id
	}
	f.Fan = fan
	if def.ItemReader != nil {
		if negativeMaxItems {
			return e.fail(f, st, &stateError{name: sfn.ErrorItemReaderFailed, cause: "field MaxItems must be positive"})
		}
		return e.requestIO(f, st, waitItemReader, def.ItemReader.Resource, readRequest)
	}
	if fan.Writer {
		fan.Runs = make([]ChildRun, len(fan.Items))
	}
	return e.pump(f, st)
}

// mapItems finds a Map state's items: ItemsPath (JSONPath) or Items (JSONata), else its input.
func (e *Execution) mapItems(x *env, def *asl.Map) ([]any, *stateError) {
	f, st := x.f, x.st
	if st.jsonata {
		if st.items == nil {
			items, ok := x.input.([]any)
			if !ok {
				return nil, queryError(x, "", "Map state input must be an array but was: %s", encodeJSON(x.input))
			}
			return items, nil
		}
		v, err := e.evalTemplate(st.items, x)
		if err != nil {
			return nil, err
		}
		items, ok := v.([]any)
		if !ok {
			return nil, queryError(x, "Items", "The JSONata expression '%s' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was '%s' for value: %s",
				exprText(st.items), jsonTypeName(v), encodeJSON(v))
		}
		return items, nil
	}
	v := x.input
	if def.ItemsPath.Present && !def.ItemsPath.Null && def.ItemsPath.Path != nil {
		var err *stateError
		if v, err = e.selectPath(f, st, def.ItemsPath, x.input); err != nil {
			return nil, err
		}
	}
	items, ok := v.([]any)
	if !ok {
		return nil, runtimeError(f, st, "Items of Map state must reference a JSON array, but found: %s", encodeJSON(v))
	}
	return items, nil
}

// mapRunARN names a Distributed Map run: arn:...:mapRun:MACHINE/LABEL:ID.
func (e *Execution) mapRunARN(st *state) string {
	label := st.def.(*asl.Map).Label
	if label == "" {
		label = st.name
	}
	scope := sfn.DefaultScope
	if a, err := sfn.ParseARN(e.s.Info.StateMachineARN); err == nil {
		scope = a.Scope
	}
	return "arn:" + scope.Partition + ":states:" + scope.Region + ":" + scope.Account + ":mapRun:" +
		e.s.Info.StateMachineName + "/" + label + ":" + randomUUID(&e.s.Random)
}

// The causes of a tolerated-failure threshold that resolves out of range at run time. The
// wording is LocalStack's, whose recorded sibling ("... is not a valid integer") matches AWS; no
// AWS recording holds these two (docs/validation.md lists them as unverified).
const (
	negativeToleratedCount   = "ToleratedFailureCount cannot be negative."
	toleratedPercentageRange = "ToleratedFailurePercentage must be between 0 and 100."
)

// mapInteger reads MaxConcurrency or a batch limit, or its Path variant.
func (e *Execution) mapInteger(x *env, field string, literal *int64, p *jsonpath.Path) (int, *stateError) {
	if literal != nil {
		return int(*literal), nil
	}
	if p == nil {
		return 0, nil
	}
	v, err := e.get(p, x)
	if err != nil {
		return 0, notFound(x.f, x.st, p, err)
	}
	n, ok := integerValue(v)
	if !ok {
		return 0, runtimeError(x.f, x.st, "The %s field refers to value \"%s\" which is not a valid integer: %s", field, plainText(v), p.Text)
	}
	return int(n), nil
}

// batches groups the (selected) items as ItemBatcher says: {"BatchInput": ..., "Items": [...]}.
func (e *Execution) batches(x *env, st *state, b *asl.ItemBatcher, items []any) ([]any, *stateError) {
	maxItems, err := e.mapInteger(x, "MaxItemsPerBatchPath", b.MaxItemsPerBatch, b.MaxItemsPerBatchPath)
	if err != nil {
		return nil, err
	}
	maxBytes, err := e.mapInteger(x, "MaxInputBytesPerBatchPath", b.MaxInputBytesPerBatch, b.MaxInputBytesPerBatchPath)
	if err != nil {
		return nil, err
	}
	var batchInput any
	if st.batchInput != nil {
		if batchInput, err = e.evalTemplate(st.batchInput, x); err != nil {
			return nil, err
		}
	}
	var out []any
	var cur []any
	size := 0
	flush := func() {
		if len(cur) > 0 {
			batch := jsonvalue.NewObject(2)
			if batchInput != nil {
				batch.Set("BatchInput", batchInput)
			}
			batch.Set("Items", cur)
			out = append(out, batch)
			cur, size = nil, 0
		}
	}
	for i, item := range items {
		if st.itemSelector != nil {
			if item, err = e.evalTemplate(st.itemSelector, &env{f: x.f, st: st, input: x.input, item: &mapItem{index: i, value: item}}); err != nil {
				return nil, err
			}
		}
		n := jsonSize(item, 1<<62) + 1
		if len(cur) > 0 && ((maxItems > 0 && len(cur) >= maxItems) || (maxBytes > 0 && size+n > maxBytes)) {
			flush()
		}
		cur = append(cur, item)
		size += n
	}
	flush()
	return out, nil
}

// pump starts children while the fan has room, and ends the state once they all ended.
func (e *Execution) pump(f *Frame, st *state) outcome {
	fan := f.Fan
	total := len(fan.Results)
	fan.pumping = true
	room := func() bool {
		return !fan.Failed && fan.Started < total && (fan.Max <= 0 || len(fan.Children) < fan.Max)
	}
	for e.running() && room() {
		if e.stepFull() {
			e.parkFan(f)
			break
		}
		i := fan.Started
		if len(fan.Redo) > 0 {
			i, fan.Redo = fan.Redo[0], fan.Redo[1:]
		}
		fan.Started++
		e.startChild(f, st, i)
	}
	fan.pumping = false
	switch {
	case !e.running():
		return outcome{kind: outBlocked}
	case fan.Failed:
		return e.fail(f, st, &stateError{name: fan.Error, cause: fan.Cause})
	case fan.Finished == total:
		return e.fanSucceeded(f, st)
	}
	return outcome{kind: outBlocked}
}

func (e *Execution) startChild(f *Frame, st *state, i int) {
	fan := f.Fan
	child := e.newFrame(f, i)
	fan.Children[i] = child
	delete(fan.ChildStatus, i) // started again by a redrive
	var prev *ChildExecution
	if old := fan.Unfinished[i]; old != nil {
		prev = old.Child
	}
	rp := fan.takeResume(i)
	if !fan.Map {
		child.Last = f.Last
		if rp != nil {
			e.drive(child, e.resume(child, rp))
			return
		}
		e.drive(child, e.enter(child, st.branches[i].start, fan.Input))
		return
	}
	child.Silent = child.Silent || fan.Distributed
	input := fan.Items[i]
	if rp != nil {
		input = rp.Input
	} else if st.itemSelector != nil && st.def.(*asl.Map).ItemBatcher == nil {
		v, err := e.evalTemplate(st.itemSelector, &env{f: f, st: st, input: fan.Input, item: &mapItem{index: i, value: input}})
		if err != nil {
			delete(fan.Children, i)
			delete(e.frames, child.ID)
			fan.unfinished(i, nil)
			fan.childUnsuccessful(i, sfn.StatusAborted)
			fan.Failed, fan.Error, fan.Cause = true, err.name, err.cause
			e.abortChildren(f, st)
			return
		}
		input = v
	}
	if fan.Runs != nil {
		if r := &fan.Runs[i]; rp != nil && r.Name != "" {
			r.Start, r.Stop, r.Status, r.Error, r.Cause = e.now, time.Time{}, sfn.StatusRunning, "", ""
		} else {
			fan.Runs[i] = ChildRun{Name: randomUUID(&e.s.Random), Input: input, Start: e.now, Status: sfn.StatusRunning}
		}
	}
	express := fan.Distributed && st.processor.def.ProcessorConfig.ExecutionType == "EXPRESS"
	if fan.Distributed && !f.Silent && e.hist && fan.MapRunARN != "" {
		name := ""
		if fan.Runs != nil && !(express && prev != nil) {
			name = fan.Runs[i].Name
		}
		e.startChildExecution(f, child, fan, express, name, prev, input)
		if fan.Runs != nil {
			fan.Runs[i].Name = child.Child.Name // a redriven EXPRESS child is a new execution
		}
	} else {
		if fan.Distributed {
			child.owner = nil // an iteration of a run nested in a child execution stays silent
		}
		id, rec := e.eventID(child)
		if rec {
			e.push(sfn.HistoryEvent{Type: sfn.EventMapIterationStarted, ID: id, PreviousEventID: f.Last,
				MapIterationStartedEventDetails: &sfn.MapIterationDetails{Name: st.name, Index: i}})
		}
		child.Last = id
	}
	if express {
		limit := e.p.opts.ExpressChildTimeLimit
		if limit <= 0 {
			limit = sfn.ExpressDurationLimit
		}
		child.ChildTimerID = e.newTimer(child, waitChildTimeout, e.now.Add(limit))
	}
	if rp != nil {
		e.drive(child, e.resume(child, rp))
		return
	}
	e.drive(child, e.enter(child, st.processor.start, input))
}

// childTimedOut ends a Distributed Map's EXPRESS child that is still running when its time
// is up: what it was doing is withdrawn, and the Map counts it as a failure (States.Timeout)
// and DescribeMapRun as timed out.
func (e *Execution) childTimedOut(child *Frame) {
	parent := child.parent
	if parent == nil || parent.Fan == nil || parent.Fan.Children[child.Index] != child {
		return
	}
	e.abortFrame(child)
	e.finish(child, outcome{kind: outFailed, err: sfn.ErrorTimeout, timedOut: true})
}

// childEnded records a branch's or iteration's end and lets the parent state go on.
func (e *Execution) childEnded(f, child *Frame, oc outcome) {
	fan := f.Fan
	if fan == nil {
		return
	}
	st := e.p.states[f.State]
	delete(fan.Children, child.Index)
	e.cancelTimer(child.ChildTimerID)
	child.ChildTimerID = ""
	fan.Finished++
	if fan.Distributed {
		if child.Child != nil {
			e.childOutcomeEnded(child, oc)
		}
		child.Last = f.Last
	} else if fan.Map {
		t := sfn.EventMapIterationSucceeded
		if oc.kind != outSucceeded {
			t = sfn.EventMapIterationFailed
		}
		id, rec := e.eventID(f)
		if rec {
			ev := sfn.HistoryEvent{Type: t, ID: id, PreviousEventID: child.Last}
			details := &sfn.MapIterationDetails{Name: st.name, Index: child.Index}
			if t == sfn.EventMapIterationSucceeded {
				ev.MapIterationSucceededEventDetails = details
			} else {
				ev.MapIterationFailedEventDetails = details
			}
			e.push(ev)
		}
		fan.LastIteration = id
	}
	f.Last = child.Last
	if fan.Runs != nil {
		r := &fan.Runs[child.Index]
		r.Stop, r.Status = e.now, sfn.StatusSucceeded
		if oc.kind != outSucceeded {
			r.Status, r.Error, r.Cause = sfn.StatusFailed, oc.err, oc.cause
			if oc.timedOut {
				r.Status = sfn.StatusTimedOut
			} else if oc.aborted {
				r.Status = sfn.StatusAborted
			}
		}
	}
	if oc.timedOut {
		fan.childUnsuccessful(child.Index, sfn.StatusTimedOut)
	} else if oc.aborted {
		fan.childUnsuccessful(child.Index, sfn.StatusAborted)
	} else if oc.kind != outSucceeded {
		fan.childUnsuccessful(child.Index, sfn.StatusFailed)
	}
	if oc.kind == outSucceeded {
		fan.Results[child.Index] = oc.value
	} else {
		fan.Failures++
		tolerant := fan.ToleratedCount >= 0 || fan.ToleratedPct >= 0
		switch {
		case tolerant && !e.exceedsTolerance(fan):
			fan.Results[child.Index] = errorOutput(oc.err, oc.cause)
		case tolerant:
			fan.Failed, fan.Error, fan.Cause = true, sfn.ErrorExceedToleratedFailureThreshold, "The specified tolerated failure threshold was exceeded"
		default:
			fan.Failed, fan.Error, fan.Cause = true, oc.err, oc.cause
		}
		if fan.Failed {
			e.abortChildren(f, st)
		}
	}
	if fan.pumping {
		return
	}
	e.drive(f, e.pump(f, st))
}

func (e *Execution) exceedsTolerance(fan *Fan) bool {
	if fan.ToleratedCount >= 0 && int64(fan.Failures) > fan.ToleratedCount {
		if fan.ToleratedPct < 0 {
			return true
		}
	} else if fan.ToleratedCount >= 0 {
		return false
	}
	if fan.ToleratedPct >= 0 && len(fan.Results) > 0 {
		return float64(fan.Failures)*100/float64(len(fan.Results)) > fan.ToleratedPct
	}
	return fan.ToleratedCount >= 0
}

// fanSucceeded ends a Parallel or Map state whose children all ended well, once a
// ResultWriter (if any) exported them.
func (e *Execution) fanSucceeded(f *Frame, st *state) outcome {
	if f.Fan.Writer {
		return e.writeResults(f, st)
	}
	if f.Fan.Map && st.writerConfig != nil {
		results, err := e.transformResults(f, st)
		if err != nil {
			return e.fail(f, st, err)
		}
		return e.fanDone(f, st, results)
	}
	return e.fanDone(f, st, f.Fan.Results)
}

// fanDone writes the fan's end events and completes the state with result.
func (e *Execution) fanDone(f *Frame, st *state, result any) outcome {
	fan := f.Fan
	// Kept in case the state's output processing fails: a redrive then reuses every result.
	f.Fan, f.endedFan = nil, fan
	if fan.Distributed {
		e.mapRunEnded(f, fan, MapRunSucceeded)
		run, rec := e.eventID(f)
		if rec {
			e.push(sfn.HistoryEvent{Type: sfn.EventMapRunSucceeded, ID: run, PreviousEventID: fan.MapRunStarted})
		}
		id, rec := e.eventID(f)
		if rec {
			e.push(sfn.HistoryEvent{Type: sfn.EventMapStateSucceeded, ID: id, PreviousEventID: run})
		}
		f.Last = run
	} else if fan.Map {
		prev := f.Last
		if fan.LastIteration != 0 {
			prev = fan.LastIteration
		}
		id, rec := e.eventID(f)
		if rec {
			e.push(sfn.HistoryEvent{Type: sfn.EventMapStateSucceeded, ID: id, PreviousEventID: prev})
		}
		f.Last = prev
	} else {
		e.event(f, sfn.EventParallelStateSucceeded)
	}
	return e.complete(f, st, result)
}

// abortChildren stops the running children of a failed fan, in index order.
func (e *Execution) abortChildren(f *Frame, st *state) {
	fan := f.Fan
	indexes := make([]int, 0, len(fan.Children))
	for i := range fan.Children {
		indexes = append(indexes, i)
	}
	slices.Sort(indexes)
	for _, i := range indexes {
		child := fan.Children[i]
		delete(fan.Children, i)
		fan.unfinished(i, e.stopped(child))
		fan.childUnsuccessful(i, sfn.StatusAborted)
		e.abortFrame(child)
		if child.Child != nil {
			e.childExecutionEnded(child, sfn.StatusAborted, nil, "", "")
		}
		if fan.Map && !fan.Distributed {
			id, rec := e.eventID(f)
			if rec {
				e.push(sfn.HistoryEvent{Type: sfn.EventMapIterationAborted, ID: id, PreviousEventID: child.Last,
					MapIterationAbortedEventDetails: &sfn.MapIterationDetails{Name: st.name, Index: i}})
			}
		}
	}
}

// abortFrame withdraws a frame's tasks and timers, and its children's.
func (e *Execution) abortFrame(f *Frame) {
	e.cancelTask(f.TaskID)
	e.cancelTimer(f.TaskTimerID)
	e.cancelTimer(f.HeartbeatTimerID)
	e.cancelTimer(f.TimerID)
	e.cancelTimer(f.ChildTimerID)
	if f.Fan != nil {
		e.mapRunEnded(f, f.Fan, MapRunAborted)
		indexes := make([]int, 0, len(f.Fan.Children))
		for i := range f.Fan.Children {
			indexes = append(indexes, i)
		}
		slices.Sort(indexes)
		for _, i := range indexes {
			child := f.Fan.Children[i]
			e.abortFrame(child)
			if child.Child != nil {
				e.childExecutionEnded(child, sfn.StatusAborted, nil, "", "")
			}
		}
		f.Fan.Children = nil
	}
	f.State = -1
	delete(e.frames, f.ID)
}
