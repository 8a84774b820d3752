// Package jsonata is Stepflow's implementation of the JSONata 2.x query and transformation
// language, which Amazon States Language uses when a state machine sets QueryLanguage to
// "JSONata". An expression is compiled once with Compile and evaluated any number of times
// with (*Expr).Eval against decoded JSON values (nil, bool, float64, json.Number, string,
// []any, *jsonvalue.Object, map[string]any). A json.Number is a number held exactly: it
// keeps its text while the expression only moves it, and is read as its nearest double
// where an operator or function computes with it.
//
// JSONata distinguishes an undefined result (nothing matched) from JSON null: Eval returns
// the sentinel Undefined for the former and nil for the latter. Evaluation can be bounded in
// depth and time (EvalOptions) so that hostile expressions fail with error U1001 instead of
// exhausting the stack or running forever.
//
// The language is JSONata 2.2 (jsonata-js 2.2.2, the version of the JSONata test suite).
// CompileWithOptions with CompileOptions.Compat206 gives jsonata-js 2.0.6 instead, the version
// AWS Step Functions runs, wherever the two differ; state machine definitions use it.
package jsonata
