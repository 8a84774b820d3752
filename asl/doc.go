// Package asl parses and validates Amazon States Language definitions into typed states.
//
// Parse reads a definition and returns a *StateMachine plus every problem found, as
// Diagnostics with AWS's codes and JSON-pointer locations, the way AWS's
// ValidateStateMachineDefinition reports them. JSONPath paths, reference paths and intrinsic
// function calls are compiled here, once per definition; JSONata expressions are kept as
// text for the interpreter to compile (ParseOptions.JSONataSyntax lets a caller check their
// syntax here without this package importing the JSONata implementation).
// Diagnostics.InvalidDefinitionMessage words the errors as CreateStateMachine's
// InvalidDefinition message. docs/validation.md lists every check.
package asl
