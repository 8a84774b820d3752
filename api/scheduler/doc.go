// Package scheduler serves the EventBridge Scheduler API (REST-JSON: /schedules,
// /schedule-groups, /tags) beside the Step Functions API, over the scheduler package and the
// store.
package scheduler
