package api

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/stepflow/stepflow/engine"
	"github.com/stepflow/stepflow/store"
)

// Error is an AWS API error: its code (the exception's name, such as StateMachineDoesNotExist),
// message and HTTP status. Fields are extra members some exceptions carry (resourceName, reason).
type Error struct {
	Code    string
	Message string
	Status  int
	Fields  map[string]any
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// clientError is a 400 error with a formatted message.
func clientError(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Status: http.StatusBadRequest}
}

// The AWS error codes the server answers with.
const (
	codeActivityDoesNotExist         = "ActivityDoesNotExist"
	codeActivityWorkerLimitExceeded  = "ActivityWorkerLimitExceeded"
	codeConflict                     = "ConflictException"
	codeExecutionAlreadyExists       = "ExecutionAlreadyExists"
	codeExecutionDoesNotExist        = "ExecutionDoesNotExist"
	codeExecutionNotRedrivable       = "ExecutionNotRedrivable"
	codeInvalidArn                   = "InvalidArn"
	codeInvalidDefinition            = "InvalidDefinition"
	codeInvalidExecutionInput        = "InvalidExecutionInput"
	codeInvalidLoggingConfiguration  = "InvalidLoggingConfiguration"
	codeInvalidName                  = "InvalidName"
	codeInvalidOutput                = "InvalidOutput"
	codeInvalidToken                 = "InvalidToken"
	codeMissingRequiredParameter     = "MissingRequiredParameter"
	codeResourceNotFound             = "ResourceNotFound"
	codeServiceQuotaExceeded         = "ServiceQuotaExceededException"
	codeStateMachineAlreadyExists    = "StateMachineAlreadyExists"
	codeStateMachineDoesNotExist     = "StateMachineDoesNotExist"
	codeStateMachineTypeNotSupported = "StateMachineTypeNotSupported"
	codeTaskDoesNotExist             = "TaskDoesNotExist"
	codeTaskTimedOut                 = "TaskTimedOut"
	codeTooManyTags                  = "TooManyTags"
	codeValidation                   = "ValidationException"
	codeSerialization                = "SerializationException"
	codeUnknownOperation             = "UnknownOperationException"
	codeInternalFailure              = "InternalFailure"
	codeServiceUnavailable           = "ServiceUnavailable"
	codeUnrecognizedClient           = "UnrecognizedClientException"
	codeInvalidSignature             = "InvalidSignatureException"
	codeThrottling                   = "ThrottlingException"
	codeRequestTimeout               = "RequestTimeoutException"
	codeMissingAuthenticationToken   = "MissingAuthenticationTokenException"
)

func stateMachineDoesNotExist(arn string) *Error {
	return clientError(codeStateMachineDoesNotExist, "State Machine Does Not Exist: '%s'", arn)
}

func executionDoesNotExist(arn string) *Error {
	return clientError(codeExecutionDoesNotExist, "Execution Does Not Exist: '%s'", arn)
}

func activityDoesNotExist(arn string) *Error {
	return clientError(codeActivityDoesNotExist, "Activity Does Not Exist: '%s'", arn)
}

func resourceNotFound(arn string) *Error {
	e := clientError(codeResourceNotFound, "Resource not found: '%s'", arn)
	e.Fields = map[string]any{"resourceName": arn}
	return e
}

func invalidName(name string) *Error {
	return clientError(codeInvalidName, "Invalid Name: '%s'", name)
}

func invalidToken(token string) *Error {
	return clientError(codeInvalidToken, "Invalid Token: '%s'", token)
}

// fromError turns an error from the store or the engine into the API error AWS would answer
// with. Errors that are not the caller's fault become a 500 InternalFailure.
func fromError(err error) *Error {
	var apiErr *Error
	if errors.As(err, &apiErr) {
		return apiErr
	}
	var notFound *store.NotFoundError
	if errors.As(err, &notFound) {
		switch notFound.Resource {
		case store.ResourceStateMachine:
			return stateMachineDoesNotExist(notFound.Key)
		case store.ResourceExecution:
			return executionDoesNotExist(notFound.Key)
		case store.ResourceActivity:
			return activityDoesNotExist(notFound.Key)
		case store.ResourceTaskToken:
			return clientError(codeTaskDoesNotExist, "Task Does Not Exist: '%s'", notFound.Key)
		default:
			return resourceNotFound(notFound.Key)
		}
	}
	if e := fromEngineError(err); e != nil {
		return e
	}
	if errors.Is(err, store.ErrInvalidPageToken) {
		return invalidToken("Invalid pagination token")
	}
	var down *store.UnavailableError
	if errors.As(err, &down) {
		// AWS's answer when it cannot serve a request for now; the SDKs retry it. The reason
		// says what the operator must fix, without the address or file the log names.
		return &Error{Code: codeServiceUnavailable, Status: http.StatusServiceUnavailable,
			Message: "The request has failed due to a temporary failure of the server: " + down.Reason}
	}
	if errors.Is(err, engine.ErrClosed) {
		return &Error{Code: codeServiceUnavailable, Message: "The server is shutting down", Status: http.StatusServiceUnavailable}
	}
	return &Error{Code: codeInternalFailure, Message: "Internal error: " + err.Error(), Status: http.StatusInternalServerError}
}

// validationErrors collects the constraint violations of one request, worded as AWS's request
// validation words them, so that one ValidationException reports them all.
type validationErrors []string

// The value is left out for the members AWS's API model marks sensitive (definitions, inputs,
// outputs, errors and causes, descriptions ...), as AWS leaves them out: "Value at 'definition'
// failed to satisfy constraint: ...". Other values are shown, cut at maxEchoLength.
func (v *validationErrors) add(value any, field, constraint string) {
	shown := "Value null"
	switch {
	case value != nil && sensitiveMembers[field]:
		shown = "Value"
	case value != nil:
		shown = "Value '" + elide(fmt.Sprint(value)) + "'"
	}
	*v = append(*v, fmt.Sprintf("%s at '%s' failed to satisfy constraint: Member must %s", shown, field, constraint))
}

// sensitiveMembers are the request members whose shapes AWS's API model for Step Functions
// marks sensitive (botocore's stepfunctions service-2.json: Definition, SensitiveData,
// SensitiveError, SensitiveCause, VersionDescription, AliasDescription, TestStateStateName).
// Their values never appear in an error message.
var sensitiveMembers = map[string]bool{
	"definition":                            true,
	"input":                                 true,
	"output":                                true,
	"error":                                 true,
	"cause":                                 true,
	"versionDescription":                    true,
	"description":                           true,
	"variables":                             true,
	"context":                               true,
	"stateName":                             true,
	"mock.result":                           true,
	"mock.errorOutput.error":                true,
	"mock.errorOutput.cause":                true,
	"stateConfiguration.errorCausedByState": true,
	"stateConfiguration.mapItemReaderData":  true,
}

// maxEchoLength bounds how much of a caller's value an error message repeats: enough for any
// valid ARN (2,048 characters), not the megabytes a hostile request can carry.
const maxEchoLength = 2048

// elide cuts text longer than maxEchoLength, saying how long it was.
func elide(text string) string {
	if len(text) <= maxEchoLength {
		return text
	}
	cut := maxEchoLength
	for cut > 0 && !utf8.RuneStart(text[cut]) {
		cut--
	}
	return fmt.Sprintf("%s... (%d bytes)", text[:cut], len(text))
}

// required reports a missing member.
func (v *validationErrors) required(field string, present bool) {
	if !present {
		v.add(nil, field, "not be null")
	}
}

// length checks a string's length in characters, when it was given.
func (v *validationErrors) length(field string, value *string, minLen, maxLen int) {
	if value == nil {
		return
	}
	n := len([]rune(*value))
	switch {
	case n < minLen:
		v.add(*value, field, fmt.Sprintf("have length greater than or equal to %d", minLen))
	case n > maxLen:
		v.add(*value, field, fmt.Sprintf("have length less than or equal to %d", maxLen))
	}
}

// enum checks a string against its allowed values, when it was given.
func (v *validationErrors) enum(field string, value *string, allowed ...string) {
	if value == nil {
		return
	}
	for _, a := range allowed {
		if *value == a {
			return
		}
	}
	v.add(*value, field, "satisfy enum value set: ["+strings.Join(allowed, ", ")+"]")
}

// intRange checks a number, when it was given.
func (v *validationErrors) intRange(field string, value *int64, minValue, maxValue int64) {
	if value == nil {
		return
	}
	switch {
	case *value < minValue:
		v.add(*value, field, fmt.Sprintf("have value greater than or equal to %d", minValue))
	case *value > maxValue:
		v.add(*value, field, fmt.Sprintf("have value less than or equal to %d", maxValue))
	}
}

// err is the ValidationException for the violations, or nil when there are none.
func (v validationErrors) err() error {
	switch len(v) {
	case 0:
		return nil
	case 1:
		return clientError(codeValidation, "1 validation error detected: %s", v[0])
	}
	return clientError(codeValidation, "%d validation errors detected: %s", len(v), strings.Join(v, "; "))
}

// fromEngineError maps the engine's typed errors to AWS's; nil when err is none of them.
func fromEngineError(err error) *Error {
	var (
		exists          *engine.ExecutionAlreadyExistsError
		badInput        *engine.InvalidExecutionInputError
		badOutput       *engine.InvalidOutputError
		typeUnsupported *engine.StateMachineTypeNotSupportedError
		noTask          *engine.TaskDoesNotExistError
		timedOut        *engine.TaskTimedOutError
		badToken        *engine.InvalidTokenError
		notRunning      *engine.ExecutionNotRunningError
		badARN          *engine.InvalidARNError
		notRedrivable   *engine.ExecutionNotRedrivableError
	)
	switch {
	case errors.As(err, &exists):
		return clientError(codeExecutionAlreadyExists, "%s", exists.Error())
	case errors.As(err, &badInput):
		return clientError(codeInvalidExecutionInput, "%s", badInput.Message)
	case errors.As(err, &badOutput):
		return clientError(codeInvalidOutput, "%s", badOutput.Message)
	case errors.As(err, &typeUnsupported):
		return clientError(codeStateMachineTypeNotSupported, "%s", typeUnsupported.Error())
	case errors.As(err, &noTask):
		return clientError(codeTaskDoesNotExist, "%s", noTask.Error())
	case errors.As(err, &timedOut):
		return clientError(codeTaskTimedOut, "%s", timedOut.Error())
	case errors.As(err, &badToken):
		return clientError(codeInvalidToken, "%s", badToken.Message)
	case errors.As(err, &notRunning):
		return clientError(codeValidation, "Execution is %s: '%s'", notRunning.Status, notRunning.ExecutionARN)
	case errors.As(err, &notRedrivable):
		return clientError(codeExecutionNotRedrivable, "%s", notRedrivable.Reason)
	case errors.As(err, &badARN):
		return clientError(codeInvalidArn, "%s", badARN.Error())
	}
	return nil
}
