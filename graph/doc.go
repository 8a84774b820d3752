// Package graph draws a state machine definition: Build turns a parsed *asl.StateMachine into
// nodes and labelled edges (Next, Choice rules, Default, Catch, Retry loops) with Parallel
// branches and Map item processors nested as clusters; Arrange lays it out in layers; DOT,
// Mermaid and SVG render it. The SVG is self-contained (no fonts, scripts or links to fetch),
// so the web UI can inline it and colour states by their execution status.
package graph
