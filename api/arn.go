package api

import (
	"strconv"
	"strings"

	"github.com/stepflow/stepflow/sfn"
)

// machineRef is a state machine ARN as a request gave it, with its optional qualifier: a
// version number (NAME:3) or an alias name (NAME:prod).
type machineRef struct {
	ARN        string // as given
	MachineARN string // the unqualified state machine ARN
	Name       string
	Version    int64  // > 0 for a version ARN
	Alias      string // for an alias ARN
}

func (m machineRef) qualified() bool { return m.Version > 0 || m.Alias != "" }

// invalidArn is AWS's answer for an ARN of the wrong shape or kind.
func invalidArn(arn string) *Error {
	if !strings.HasPrefix(arn, "arn:") {
		return clientError(codeInvalidArn, "Invalid Arn: 'Invalid ARN prefix: %s'", arn)
	}
	return clientError(codeInvalidArn, "Invalid Arn: '%s'", arn)
}

// wrongKind is AWS's answer for a well-formed ARN of another resource type.
func wrongKind(kind string) *Error {
	return clientError(codeInvalidArn, "Invalid Arn: 'Resource type not valid in this context: %s'", kind)
}

// parseStatesARN parses a Step Functions ARN of the given kind; resource parts are separated
// by ":" and there must be between minParts and maxParts of them, none empty.
func parseStatesARN(arn, kind string, minParts, maxParts int) (sfn.ARN, []string, error) {
	a, err := sfn.ParseARN(arn)
	if err != nil || a.Service != "states" || a.Kind == "" {
		return sfn.ARN{}, nil, invalidArn(arn)
	}
	if a.Kind != kind {
		return sfn.ARN{}, nil, wrongKind(a.Kind)
	}
	parts := strings.Split(a.Resource, ":")
	if len(parts) < minParts || len(parts) > maxParts {
		return sfn.ARN{}, nil, invalidArn(arn)
	}
	for _, p := range parts {
		if p == "" {
			return sfn.ARN{}, nil, invalidArn(arn)
		}
	}
	return a, parts, nil
}

// parseMachineRef parses a state machine, version or alias ARN.
func parseMachineRef(arn string) (machineRef, error) {
	a, parts, err := parseStatesARN(arn, "stateMachine", 1, 2)
	if err != nil {
		return machineRef{}, err
	}
	ref := machineRef{ARN: arn, MachineARN: a.Scope.StateMachineARN(parts[0]), Name: parts[0]}
	if len(parts) == 2 {
		if n, err := strconv.ParseInt(parts[1], 10, 64); err == nil {
			if n <= 0 {
				return machineRef{}, invalidArn(arn)
			}
			ref.Version = n
		} else {
			ref.Alias = parts[1]
		}
	}
	return ref, nil
}

// parseUnqualifiedMachineARN parses the ARN of a state machine itself.
func parseUnqualifiedMachineARN(arn string) (machineRef, error) {
	ref, err := parseMachineRef(arn)
	if err != nil {
		return ref, err
	}
	if ref.qualified() {
		return machineRef{}, invalidArn(arn)
	}
	return ref, nil
}

// parseExecutionARN checks the shape of a Standard or Express execution ARN.
func parseExecutionARN(arn string) error {
	a, err := sfn.ParseARN(arn)
	if err != nil || a.Service != "states" || a.Kind == "" {
		return invalidArn(arn)
	}
	switch a.Kind {
	case "execution":
		_, _, err = parseStatesARN(arn, "execution", 2, 3)
	case "express":
		_, _, err = parseStatesARN(arn, "express", 3, 3)
	default:
		return wrongKind(a.Kind)
	}
	return err
}

// parseActivityARN checks the shape of an activity ARN.
func parseActivityARN(arn string) error {
	_, _, err := parseStatesARN(arn, "activity", 1, 1)
	return err
}
