// Package sfn holds the leaf types every other Stepflow package shares: ARNs, execution
// statuses, AWS history event types and their detail records, the States.* error names and
// the payload limits. It imports nothing from Stepflow, so every package may import it.
package sfn
