package store

import (
	"time"

	"github.com/stepflow/stepflow/sfn"
)

// StateMachineVersion is an immutable, numbered copy of a state machine's configuration.
// Its ARN is the state machine's ARN followed by ":" and the number.
type StateMachineVersion struct {
	ARN                  string
	StateMachineARN      string
	Number               int64
	Description          string
	RevisionID           string
	Type                 sfn.StateMachineType
	Definition           string
	RoleARN              string
	LoggingConfiguration string
	TracingConfiguration string
	CreatedDate          time.Time
}

// StateMachineVersionCreateParams publishes the state machine's current configuration.
type StateMachineVersionCreateParams struct {
	StateMachineARN string
	Description     string
	CreatedDate     time.Time
}

// StateMachineVersionGetByARNParams names a version.
type StateMachineVersionGetByARNParams struct {
	ARN string
}

// StateMachineVersionListParams pages through a state machine's versions, newest first.
type StateMachineVersionListParams struct {
	StateMachineARN string
	MaxResults      int
	NextToken       string
}

// StateMachineVersionListResult is one page; NextToken is "" on the last.
type StateMachineVersionListResult struct {
	Versions  []*StateMachineVersion
	NextToken string
}

// StateMachineVersionDeleteParams names the version to delete.
type StateMachineVersionDeleteParams struct {
	ARN string
}
