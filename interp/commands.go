package interp

import "time"

// Command is an instruction from the interpreter to the engine running it.
type Command interface{ command() }

// InvokeTask asks the engine to run a Task state's work and answer with TaskSucceeded or
// TaskFailed carrying the same TaskID.
type InvokeTask struct {
	TaskID           string
	Resource         string
	Input            any
	TimeoutSeconds   int64  // 0 = none; the interpreter also runs its own timer for it
	HeartbeatSeconds int64  // 0 = none
	TaskToken        string // set for .waitForTaskToken resources
	StateName        string
	Credentials      any
}

// A Map state reads its items (ItemReader) and writes its results (ResultWriter) through the
// engine too, as an InvokeTask whose Resource is the reader's or writer's (s3:getObject,
// s3:listObjectsV2, s3:putObject) and whose Input is an object with one key, ItemReaderRequest
// or ResultWriterRequest, so that the task runner can tell it from a Task state's own call.
// Neither writes a Task history event, as on AWS.
//
// ItemReaderRequest holds {"Parameters": the evaluated Parameters or Arguments,
// "ReaderConfig": the evaluated ReaderConfig, MaxItemsPath resolved into MaxItems}; the task's
// output must be the items, a JSON array.
//
// ResultWriterRequest holds {"Parameters", "WriterConfig", "MapRunArn", "Children"}; Children
// lists each iteration as a child execution: {"ExecutionArn", "Name", "StateMachineArn",
// "Status", "Input", "Output" (SUCCEEDED), "Error" and "Cause" (FAILED), "StartDate",
// "StopDate" (RFC 3339)}. The task's output becomes the Map state's result, on AWS
// {"MapRunArn", "ResultWriterDetails": {"Bucket", "Key"}}.
const (
	ItemReaderRequest   = "Stepflow.ItemReader"
	ResultWriterRequest = "Stepflow.ResultWriter"
)

// StartTimer asks the engine to answer with TimerFired{TimerID} at FireAt.
type StartTimer struct {
	TimerID string
	FireAt  time.Time
}

// CancelTask tells the engine a task's result is no longer wanted.
type CancelTask struct{ TaskID string }

// CancelTimer tells the engine a timer need not fire any more.
type CancelTimer struct{ TimerID string }

func (InvokeTask) command()  {}
func (StartTimer) command()  {}
func (CancelTask) command()  {}
func (CancelTimer) command() {}

// Event is something that happened outside the interpreter, handed to Execution.Handle.
type Event interface{ event() }

// TaskSucceeded is the result of an InvokeTask.
type TaskSucceeded struct {
	TaskID string
	Output any
}

// TaskFailed is the failure of an InvokeTask.
type TaskFailed struct {
	TaskID       string
	Error, Cause string
}

// TaskStarted says a worker took an activity task (GetActivityTask); it writes
// ActivityStarted. Without it, ActivityStarted is written when the result arrives.
type TaskStarted struct {
	TaskID     string
	WorkerName string
}

// TaskSubmitted says a .sync integration started its job; it writes TaskSubmitted with the
// start call's output. The task still waits for TaskSucceeded or TaskFailed.
type TaskSubmitted struct {
	TaskID string
	Output any
}

// TaskHeartbeat resets a task's HeartbeatSeconds clock.
type TaskHeartbeat struct{ TaskID string }

// TimerFired says a StartTimer's time has come.
type TimerFired struct{ TimerID string }

// StopRequested aborts the execution (StopExecution).
type StopRequested struct{ Error, Cause string }

func (TaskSucceeded) event() {}
func (TaskFailed) event()    {}
func (TaskHeartbeat) event() {}
func (TaskStarted) event()   {}
func (TaskSubmitted) event() {}
func (TimerFired) event()    {}
func (StopRequested) event() {}

// ChildStopRequested aborts one running Distributed Map child execution (StopExecution of a
// child's ARN); its Map counts it as a failed iteration.
type ChildStopRequested struct{ ChildARN, Error, Cause string }

func (ChildStopRequested) event() {}
