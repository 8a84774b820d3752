// Package api serves the AWS Step Functions API (the AWSStepFunctions JSON 1.0 protocol) over
// HTTP, so the AWS SDKs and the AWS CLI work against Stepflow unchanged.
//
// A request is a POST to "/" whose X-Amz-Target header names the action
// ("AWSStepFunctions.CreateStateMachine") and whose body is the action's JSON input. Answers are
// JSON; errors carry AWS's error code in "__type" and in the X-Amzn-ErrorType header, with AWS's
// HTTP status and message text. Dates are epoch seconds, as the JSON protocol sends them.
//
// Definition, name and limit checks happen here, before anything is stored: a rejected request
// changes nothing. Execution lifecycles (start, stop, redrive, task tokens, activity tasks) are
// the engine's; the rest is CRUD on the engine's store.
package api
