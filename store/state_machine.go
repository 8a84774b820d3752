package store

import (
	"time"

	"github.com/stepflow/stepflow/sfn"
)

// StateMachine is a state machine's current configuration.
type StateMachine struct {
	ARN         string
	Name        string
	Type        sfn.StateMachineType
	Definition  string // the ASL JSON text as the user sent it
	RoleARN     string
	Description string
	// LoggingConfiguration and TracingConfiguration are JSON text as the API carries them
	// ("" when unset).
	LoggingConfiguration string
	TracingConfiguration string
	RevisionID           string
	CreatedDate          time.Time
	UpdatedDate          time.Time
}

// StateMachineCreateParams creates a state machine; UpdatedDate starts at CreatedDate.
type StateMachineCreateParams struct {
	ARN                  string
	Name                 string
	Type                 sfn.StateMachineType
	Definition           string
	RoleARN              string
	Description          string
	LoggingConfiguration string
	TracingConfiguration string
	RevisionID           string
	CreatedDate          time.Time
}

// StateMachineGetByARNParams names a state machine.
type StateMachineGetByARNParams struct {
	ARN string
}

// StateMachineListParams pages through state machines ordered by ARN.
type StateMachineListParams struct {
	MaxResults int
	NextToken  string
}

// StateMachineListResult is one page; NextToken is "" on the last.
type StateMachineListResult struct {
	StateMachines []*StateMachine
	NextToken     string
}

// StateMachineUpdateParams changes the fields that are not nil and sets a new revision.
type StateMachineUpdateParams struct {
	ARN                  string
	Definition           *string
	RoleARN              *string
	Description          *string
	LoggingConfiguration *string
	TracingConfiguration *string
	RevisionID           string
	UpdatedDate          time.Time
}

// StateMachineDeleteParams names the state machine to delete.
type StateMachineDeleteParams struct {
	ARN string
}
