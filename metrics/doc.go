// Package metrics counts what the engine does, under the names of the CloudWatch AWS/States
// metrics, for Prometheus: ExecutionsStarted becomes stepflow_executions_started_total, the
// ExecutionTime interval becomes the stepflow_execution_time_seconds histogram, and so on for
// activities, Lambda functions and service integrations.
//
// The engine reports through the Recorder interface; Prometheus implements it and serves the
// text exposition format (with Go runtime and process metrics) from Handler. Discard ignores
// everything, for engines without metrics.
package metrics
