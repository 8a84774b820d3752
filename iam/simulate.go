package iam

import (
	"context"
	"time"
)

// EvaluationResult is the simulator's answer for one action on one resource, in the shape of
// IAM's SimulatePrincipalPolicy: the decision, the statement that made it, and for a denial
// the AccessDenied message the API would answer.
type EvaluationResult struct {
	EvalActionName    string
	EvalResourceName  string
	EvalDecision      string
	MatchedStatements []MatchedStatement
	Message           string `json:",omitempty"`
}

// MatchedStatement names the statement that decided.
type MatchedStatement struct {
	SourcePolicyId string
	StatementIndex int
	Sid            string         `json:",omitempty"`
	Statement      map[string]any `json:",omitempty"`
}

// Simulate evaluates each action on each resource with the policies of the principal arn (a
// user or a role), the principal's own condition keys, aws:CurrentTime of now, and the given
// condition keys (which may override them).
func (d *Directory) Simulate(ctx context.Context, arn string, actions, resources []string, given Context, now time.Time) ([]EvaluationResult, error) {
	caller, err := d.CallerByARN(ctx, arn)
	if err != nil {
		return nil, err
	}
	if len(resources) == 0 {
		resources = []string{"*"}
	}
	results := []EvaluationResult{}
	for _, action := range actions {
		for _, resource := range resources {
			reqCtx := Context{}
			caller.FillContext(reqCtx, d.scope.Account)
			reqCtx.Set(KeyCurrentTime, now.UTC().Format("2006-01-02T15:04:05Z"))
			for k, v := range given {
				reqCtx[k] = v
			}
			req := &Request{Principal: caller.Principal.ARN, Action: action, Resource: resource, Context: reqCtx}
			decision := Evaluate(caller.Policies, req)
			result := EvaluationResult{EvalActionName: action, EvalResourceName: resource, EvalDecision: decision.Outcome.String(), MatchedStatements: []MatchedStatement{}}
			if decision.Outcome != ImplicitDeny {
				st := MatchedStatement{SourcePolicyId: decision.Policy, StatementIndex: decision.Statement, Sid: decision.Sid}
				for _, p := range caller.Policies {
					if p.Name == decision.Policy {
						st.Statement = StatementJSON(p.Policy.Statements[decision.Statement])
					}
				}
				result.MatchedStatements = append(result.MatchedStatements, st)
			}
			if !decision.Allowed() {
				result.Message = DenialMessage(req, decision)
			}
			results = append(results, result)
		}
	}
	return results, nil
}

// StatementJSON shows a parsed statement in the policy language's shape.
func StatementJSON(st Statement) map[string]any {
	m := map[string]any{"Effect": st.Effect}
	if st.Sid != "" {
		m["Sid"] = st.Sid
	}
	for name, list := range map[string][]string{"Action": st.Actions, "NotAction": st.NotActions, "Resource": st.Resources, "NotResource": st.NotResources} {
		if list != nil {
			m[name] = list
		}
	}
	if len(st.Conditions) > 0 {
		cond := map[string]map[string][]string{}
		for _, c := range st.Conditions {
			if cond[c.Operator.Name] == nil {
				cond[c.Operator.Name] = map[string][]string{}
			}
			cond[c.Operator.Name][c.Key] = c.Values
		}
		m["Condition"] = cond
	}
	return m
}
