// Package events is Stepflow's event bus, EventBridge's model: buses, rules with event
// patterns, targets that start state machines, and durable, at-least-once delivery.
//
// PutEvents matches each event against the enabled rules of its bus (compiled once into a
// pattern.Set per bus) and writes one delivery row per matched target in the transaction
// that accepts the request, so an accepted event survives a crash. A delivery loop leases
// due rows (several nodes may share PostgreSQL), shapes the target's input (Input,
// InputPath or InputTransformer) and calls StartExecution under a name derived from the
// event id, the rule and the target id: a delivery retried after a crash, or by another
// node, finds its execution started and does not start a second one. Failed starts are
// retried by the target's RetryPolicy; those that give up are kept as dead letters when the
// target has a DeadLetterConfig.
//
// Execution status changes become "Step Functions Execution Status Change" events from
// "aws.states" on the default bus: the engine asks the bus for their deliveries before it
// commits the step that changes the status (StatusChangeDeliveries), and writes them in
// that step's transaction, so a committed status change is never without its event.
package events
