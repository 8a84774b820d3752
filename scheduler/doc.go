// Package scheduler is Stepflow's EventBridge Scheduler: schedule expressions (at, rate and
// AWS's six-field cron) evaluated in a time zone, the next fire time of a schedule with its
// start and end dates and flexible time window, and the service that fires each slot of each
// schedule exactly once through the store.
//
// The expression and slot arithmetic (expression.go, cron.go, slot.go) is pure: time comes in
// as an argument, so tests run on a virtual clock.
package scheduler

// Time zones come from Go's embedded database, so that ScheduleExpressionTimezone works on
// machines without /usr/share/zoneinfo.
import _ "time/tzdata"
