// Package events serves the Amazon EventBridge API (the AWSEvents JSON 1.1 protocol) beside
// the Step Functions API on the same port: requests whose X-Amz-Target starts with
// "AWSEvents." and whose signature (when the server checks them) names the "events" service.
// The operations are the event bus's (package events); this package decodes, validates the
// request shapes and answers in EventBridge's shapes and error names.
package events
