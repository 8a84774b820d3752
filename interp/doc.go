// Package interp is Stepflow's Amazon States Language interpreter: pure and deterministic,
// for both query languages (JSONPath, and JSONata through package jsonata).
//
// A Program is compiled once per definition and shared by its executions. An Execution reacts
// to events (a task succeeded, a timer fired, a stop was requested) and answers with a Step:
// the new AWS history events and the commands for the engine around it (invoke a task, start
// or cancel a timer). Time and randomness come in as inputs (ExecutionInfo.Seed, the now of each
// Handle), so the same inputs always give the same history. There is no I/O, no goroutine and
// no clock in this package; an Execution's whole state is JSON-encodable (Snapshot, Restore).
//
// An execution that ended FAILED, ABORTED or TIMED_OUT can be redriven (Execution.Redrive): it
// continues from the states where it stopped, as AWS's RedriveExecution does.
//
// A Distributed Map run changes its settings when UpdateMapRun arrives as an event
// (MapRunUpdate), and keeps its final counts in the state once it ended, for DescribeMapRun
// (ExecutionState.MapRun). Its iterations are child executions (ChildExecution): they run as
// frames of their parent, but write their own histories, reported in Step.Children.
package interp
