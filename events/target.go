package events

// Target is a rule's target as PutTargets takes it and ListTargetsByRule returns it; it is
// stored as this JSON.
type Target struct {
	Id               string            `json:"Id"`
	Arn              string            `json:"Arn"`
	RoleArn          string            `json:"RoleArn,omitempty"`
	Input            string            `json:"Input,omitempty"`
	InputPath        string            `json:"InputPath,omitempty"`
	InputTransformer *InputTransformer `json:"InputTransformer,omitempty"`
	RetryPolicy      *RetryPolicy      `json:"RetryPolicy,omitempty"`
	DeadLetterConfig *DeadLetterConfig `json:"DeadLetterConfig,omitempty"`
}

// InputTransformer builds a target's input from values picked out of the event.
type InputTransformer struct {
	InputPathsMap map[string]string `json:"InputPathsMap,omitempty"`
	InputTemplate string            `json:"InputTemplate"`
}

// RetryPolicy bounds how long and how often a failed delivery is tried again.
type RetryPolicy struct {
	MaximumRetryAttempts     *int `json:"MaximumRetryAttempts,omitempty"`
	MaximumEventAgeInSeconds *int `json:"MaximumEventAgeInSeconds,omitempty"`
}

// DeadLetterConfig names where deliveries that gave up go. On AWS an SQS queue; here the
// store keeps them, listed under this ARN.
type DeadLetterConfig struct {
	Arn string `json:"Arn,omitempty"`
}

// EventBridge's retry defaults and bounds.
const (
	DefaultMaximumRetryAttempts     = 185
	DefaultMaximumEventAgeInSeconds = 86400
	MaxTargetsPerRule               = 5
)

func (t *Target) maxAttempts() int {
	if t.RetryPolicy != nil && t.RetryPolicy.MaximumRetryAttempts != nil {
		return *t.RetryPolicy.MaximumRetryAttempts
	}
	return DefaultMaximumRetryAttempts
}

func (t *Target) maxAgeSeconds() int {
	if t.RetryPolicy != nil && t.RetryPolicy.MaximumEventAgeInSeconds != nil {
		return *t.RetryPolicy.MaximumEventAgeInSeconds
	}
	return DefaultMaximumEventAgeInSeconds
}

func (t *Target) deadLetterARN() string {
	if t.DeadLetterConfig == nil {
		return ""
	}
	return t.DeadLetterConfig.Arn
}
