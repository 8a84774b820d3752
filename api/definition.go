package api

import (
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
	_, diags := asl.Parse([]byte(definition), interp.ParseOptions(typ))
	if !diags.HasErrors() {
		return nil
	}
	return clientError(codeInvalidDefinition, "%s", invalidDefinitionMessage(diags))
}

// invalidDefinitionMessage words the errors of a definition as CreateStateMachine does:
// "Invalid State Machine Definition: 'CODE: message at /location, CODE: ...'".
func invalidDefinitionMessage(diags asl.Diagnostics) string {
	var parts []string
	for _, d := range diags {
		if d.Severity != asl.SeverityError {
			continue
		}
		part := d.Code + ": " + d.Message
		switch {
		case d.Location == "":
			part += " at /"
		case !strings.HasSuffix(d.Message, d.Location):
			part += " at " + d.Location
		}
		parts = append(parts, part)
	}
	return "Invalid State Machine Definition: '" + strings.Join(parts, ", ") + "'"
}
