package api

import (
	"fmt"
	"strings"

	"github.com/stepflow/stepflow/asl"
	"github.com/stepflow/stepflow/interp"
	"github.com/stepflow/stepflow/sfn"
)

// maxDefinitionLength is AWS's limit on a definition, in characters.
const maxDefinitionLength = 1048576

// checkDefinition parses a definition for a state machine of type typ and returns AWS's
// InvalidDefinition error when it has errors.
func checkDefinition(definition string, typ sfn.StateMachineType) error {
	_, diags := asl.Parse([]byte(definition), interp.DefinitionParseOptions(typ))
	if !diags.HasErrors() {
		return nil
	}
	return clientError(codeInvalidDefinition, "%s", invalidDefinitionMessage(diags))
}

// maxDefinitionErrorsShown bounds how many errors one InvalidDefinition message lists: a
// megabyte of definition can hold tens of thousands of them.
const maxDefinitionErrorsShown = 100

// invalidDefinitionMessage words the errors of a definition as CreateStateMachine does:
// "Invalid State Machine Definition: 'CODE: message at /location, CODE: ...'". Messages
// quote pieces of the definition (a token, a resource, a state name) as AWS's do; each piece
// is cut at maxEchoLength, so the definition itself is never sent back.
func invalidDefinitionMessage(diags asl.Diagnostics) string {
	var parts []string
	more := 0
	for _, d := range diags {
		if d.Severity != asl.SeverityError {
			continue
		}
		if len(parts) == maxDefinitionErrorsShown {
			more++
			continue
		}
		part := d.Code + ": " + elide(d.Message)
		switch {
		case d.Location == "":
			part += " at /"
		case !strings.HasSuffix(d.Message, d.Location):
			part += " at " + elide(d.Location)
		}
		parts = append(parts, part)
	}
	if more > 0 {
		parts = append(parts, fmt.Sprintf("and %d more errors", more))
	}
	return "Invalid State Machine Definition: '" + strings.Join(parts, ", ") + "'"
}
