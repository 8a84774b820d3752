package sfn

import (
	"fmt"
	"strings"
)

// Partition, region and account used when the operator configures none; they match what
// local AWS tooling commonly assumes.
const (
	DefaultPartition = "aws"
	DefaultRegion    = "us-east-1"
	DefaultAccount   = "123456789012"
)

// Scope is where resources live: the partition, region and account of their ARNs.
type Scope struct {
	Partition string
	Region    string
	Account   string
}

// DefaultScope is the scope used when none is configured.
var DefaultScope = Scope{Partition: DefaultPartition, Region: DefaultRegion, Account: DefaultAccount}

// StateMachineARN returns arn:PARTITION:states:REGION:ACCOUNT:stateMachine:NAME.
func (s Scope) StateMachineARN(name string) string {
	return s.arn("stateMachine", name)
}

// ExecutionARN returns arn:PARTITION:states:REGION:ACCOUNT:execution:MACHINE:NAME.
func (s Scope) ExecutionARN(machine, name string) string {
	return s.arn("execution", machine+":"+name)
}

// ExpressExecutionARN returns the ARN AWS gives an Express execution:
// arn:PARTITION:states:REGION:ACCOUNT:express:MACHINE:NAME:ID.
func (s Scope) ExpressExecutionARN(machine, name, id string) string {
	return s.arn("express", machine+":"+name+":"+id)
}

// ActivityARN returns arn:PARTITION:states:REGION:ACCOUNT:activity:NAME.
func (s Scope) ActivityARN(name string) string {
	return s.arn("activity", name)
}

// RoleARN returns a placeholder IAM role ARN in the scope's account, used when a request names none.
func (s Scope) RoleARN(name string) string {
	return fmt.Sprintf("arn:%s:iam::%s:role/%s", s.Partition, s.Account, name)
}

func (s Scope) arn(kind, rest string) string {
	return "arn:" + s.Partition + ":states:" + s.Region + ":" + s.Account + ":" + kind + ":" + rest
}

// ARN is a parsed Step Functions ARN: arn:PARTITION:states:REGION:ACCOUNT:KIND:RESOURCE.
type ARN struct {
	Scope
	Service  string
	Kind     string // stateMachine, execution, express, activity, mapRun, ...
	Resource string // everything after KIND:, e.g. "machine:execution"
}

// ParseARN splits an ARN into its parts. It checks the shape, not that the resource exists.
func ParseARN(s string) (ARN, error) {
	parts := strings.SplitN(s, ":", 7)
	if len(parts) < 6 || parts[0] != "arn" || parts[1] == "" || parts[2] == "" {
		return ARN{}, fmt.Errorf("invalid arn %q", s)
	}
	a := ARN{Scope: Scope{Partition: parts[1], Region: parts[3], Account: parts[4]}, Service: parts[2]}
	if len(parts) == 7 {
		a.Kind, a.Resource = parts[5], parts[6]
	} else {
		a.Resource = parts[5]
	}
	return a, nil
}
