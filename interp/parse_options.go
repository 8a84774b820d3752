package interp

import (
	"errors"
	"fmt"

	"github.com/stepflow/stepflow/asl"
	"github.com/stepflow/stepflow/jsonata"
	"github.com/stepflow/stepflow/sfn"
)

// ParseOptions are the asl.ParseOptions of a definition this interpreter will run: JSONata
// expressions are checked with the JSONata engine the interpreter uses (a syntax error is
// INVALID_JSONATA_EXPRESSION, as on AWS), and operators newer than the JSONata 2.0.6 that AWS
// runs get a warning naming the spot, since AWS rejects them while Stepflow would run them.
func ParseOptions(typ sfn.StateMachineType) asl.ParseOptions {
	return asl.ParseOptions{Type: typ, JSONataSyntax: jsonataSyntax, JSONataWarnings: jsonataWarnings}
}

// jsonataSyntax checks an expression; AWS's message is the parser's without its code.
func jsonataSyntax(expr string) error {
	_, err := jsonata.Compile(expr)
	var jerr *jsonata.Error
	if errors.As(err, &jerr) {
		return errors.New(jerr.Message)
	}
	return err
}

// newerOperators were added in JSONata 2.1; AWS Step Functions implements JSONata 2.0.6.
var newerOperators = []string{"??", "?:"}

func jsonataWarnings(expr string) []string {
	var out []string
	for _, use := range jsonata.OperatorsUsed(expr, newerOperators...) {
		out = append(out, fmt.Sprintf("The JSONata operator '%s' (at position %d of '%s') is newer than JSONata 2.0.6, which AWS Step Functions runs: AWS rejects it, Stepflow runs it", use.Operator, use.Position, expr))
	}
	return out
}

// DefinitionParseOptions are ParseOptions for creating and validating state machines: an AWS
// SDK integration Stepflow cannot call (sfn.SDKIntegrationSupported) is refused as AWS
// refuses a resource it does not recognise, rather than failing each execution.
func DefinitionParseOptions(typ sfn.StateMachineType) asl.ParseOptions {
	opts := ParseOptions(typ)
	opts.SDKIntegrationSupported = sfn.SDKIntegrationSupported
	return opts
}
