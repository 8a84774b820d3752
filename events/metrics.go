package events

// Recorder receives the event layer's counts, named after EventBridge's CloudWatch metrics.
// metrics.Prometheus implements it.
type Recorder interface {
	// EventsMatched counts events that matched at least one rule (MatchedEvents).
	EventsMatched(n int)
	// RuleTriggered counts events that matched a rule (TriggeredRules).
	RuleTriggered(ruleARN string, n int)
	// Invocation counts a delivery to a target that ended: made, or given up when failed
	// (Invocations, and FailedInvocations when failed).
	Invocation(ruleARN string, failed bool)
	// DeadLetter counts a failed delivery kept as a dead letter (DeadLetterInvocations).
	DeadLetter(ruleARN string)
}

type discard struct{}

func (discard) EventsMatched(int)         {}
func (discard) RuleTriggered(string, int) {}
func (discard) Invocation(string, bool)   {}
func (discard) DeadLetter(string)         {}
