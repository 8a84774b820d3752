package interp

import (
	"errors"

	"github.com/stepflow/stepflow/asl"
	"github.com/stepflow/stepflow/jsonata"
	"github.com/stepflow/stepflow/sfn"
)

// definitionJSONata reads a definition's JSONata as AWS Step Functions does, which runs
// jsonata-js 2.0.6: "??" and "?:" are syntax errors there, and a few functions differ.
var definitionJSONata = jsonata.CompileOptions{Compat206: true}

// ParseOptions are the asl.ParseOptions of a definition this interpreter will run: JSONata
// expressions are checked with the JSONata engine the interpreter uses, read as JSONata 2.0.6
// (a syntax error is INVALID_JSONATA_EXPRESSION, as on AWS).
func ParseOptions(typ sfn.StateMachineType) asl.ParseOptions {
	return asl.ParseOptions{Type: typ, JSONataSyntax: jsonataSyntax}
}

// jsonataSyntax checks an expression; AWS's message is the parser's without its code.
func jsonataSyntax(expr string) error {
	_, err := jsonata.CompileWithOptions(expr, definitionJSONata)
	var jerr *jsonata.Error
	if errors.As(err, &jerr) {
		return errors.New(jerr.Message)
	}
	return err
}

// DefinitionParseOptions are ParseOptions for creating and validating state machines: an AWS
// SDK integration Stepflow cannot call (sfn.SDKIntegrationSupported) is refused as AWS
// refuses a resource it does not recognise, rather than failing each execution.
func DefinitionParseOptions(typ sfn.StateMachineType) asl.ParseOptions {
	opts := ParseOptions(typ)
	opts.SDKIntegrationSupported = sfn.SDKIntegrationSupported
	return opts
}
