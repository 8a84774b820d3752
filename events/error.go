package events

import "fmt"

// Error is a refusal in EventBridge's terms: its exception name and message. The API layer
// answers it with HTTP 400 (LimitExceededException and the rest alike).
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// EventBridge's exception names.
const (
	CodeValidation            = "ValidationException"
	CodeInvalidEventPattern   = "InvalidEventPatternException"
	CodeResourceNotFound      = "ResourceNotFoundException"
	CodeResourceAlreadyExists = "ResourceAlreadyExistsException"
	CodeLimitExceeded         = "LimitExceededException"
)

func validation(format string, args ...any) *Error {
	return &Error{Code: CodeValidation, Message: fmt.Sprintf(format, args...)}
}

// constraint words a field that breaks a constraint as AWS's request validation does.
func constraint(value any, field, rule string) *Error {
	return validation("1 validation error detected: Value '%v' at '%s' failed to satisfy constraint: %s", value, field, rule)
}

func ruleNotFound(rule, bus string) *Error {
	return &Error{Code: CodeResourceNotFound, Message: fmt.Sprintf("Rule %s does not exist on EventBus %s.", rule, bus)}
}

func busNotFound(bus string) *Error {
	return &Error{Code: CodeResourceNotFound, Message: fmt.Sprintf("Event bus %s does not exist.", bus)}
}
