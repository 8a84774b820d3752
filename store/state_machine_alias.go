package store

import "time"

// StateMachineAlias routes executions to one or two versions by weight. Its ARN is the state
// machine's ARN followed by ":" and the alias name.
type StateMachineAlias struct {
	ARN             string
	StateMachineARN string
	Name            string
	Description     string
	Routing         []RoutingEntry
	CreatedDate     time.Time
	UpdatedDate     time.Time
}

// RoutingEntry sends Weight percent of an alias's executions to a version.
type RoutingEntry struct {
	StateMachineVersionARN string `json:"stateMachineVersionArn"`
	Weight                 int    `json:"weight"`
}

// StateMachineAliasCreateParams creates an alias; UpdatedDate starts at CreatedDate.
type StateMachineAliasCreateParams struct {
	ARN             string
	StateMachineARN string
	Name            string
	Description     string
	Routing         []RoutingEntry
	CreatedDate     time.Time
}

// StateMachineAliasGetByARNParams names an alias.
type StateMachineAliasGetByARNParams struct {
	ARN string
}

// StateMachineAliasListParams pages through a state machine's aliases by ARN.
type StateMachineAliasListParams struct {
	StateMachineARN string
	MaxResults      int
	NextToken       string
}

// StateMachineAliasListResult is one page; NextToken is "" on the last.
type StateMachineAliasListResult struct {
	Aliases   []*StateMachineAlias
	NextToken string
}

// StateMachineAliasUpdateParams changes the fields that are not nil.
type StateMachineAliasUpdateParams struct {
	ARN         string
	Description *string
	Routing     []RoutingEntry // nil keeps the routing
	UpdatedDate time.Time
}

// StateMachineAliasDeleteParams names the alias to delete.
type StateMachineAliasDeleteParams struct {
	ARN string
}
