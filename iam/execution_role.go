package iam

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
	"github.com/stepflow/stepflow/task"
)

// RoleInvoker runs each Task with its execution's role: when the state machine's roleArn
// names a role kept in the directory, the role's policies must allow what the Task asks
// (TaskPermissions) before the next invoker runs it; a denial fails the Task with the error
// the integration gives on AWS for an AccessDeniedException. A state machine whose role is
// not in the directory runs as before: the server's task settings are then the only bound,
// as they stay the outer bound of every role.
type RoleInvoker struct {
	dir  *Directory
	next task.Invoker
}

// NewRoleInvoker wraps next with the checks of execution roles kept in dir.
func NewRoleInvoker(dir *Directory, next task.Invoker) *RoleInvoker {
	return &RoleInvoker{dir: dir, next: next}
}

// Invoke checks the task's permissions with its execution's role, then runs it.
func (ri *RoleInvoker) Invoke(ctx context.Context, req *task.Request) (any, error) {
	if err := ri.check(ctx, req); err != nil {
		return nil, err
	}
	return ri.next.Invoke(ctx, req)
}

func (ri *RoleInvoker) check(ctx context.Context, req *task.Request) error {
	machineARN, ok := stateMachineOf(req.ExecutionARN)
	if !ok {
		return nil
	}
	perms, denial := TaskPermissions(req.Resource, req.Input, machineARN, ri.dir.scope)
	target := credentialsRoleARN(req.Credentials)
	if len(perms) == 0 && target == "" {
		return nil
	}
	sm, err := ri.dir.store.StateMachineGetByARN(ctx, &store.StateMachineGetByARNParams{ARN: machineARN})
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("execution role: state machine %s: %w", machineARN, err)
	}
	acting, err := ri.localRole(ctx, sm.RoleARN)
	if err != nil {
		return err
	}
	if target != "" {
		// The Task's Credentials name a role its execution's role assumes for it (AWS: "a
		// target role the state machine's execution role must assume before invoking the
		// specified Resource"): a local execution role must be allowed sts:AssumeRole on it,
		// and the Task then runs with the target's policies when the target is a local role.
		if acting != nil {
			assume := TaskPermission{Action: "sts:AssumeRole", Resource: target}
			if err := ri.decide(acting, req.ExecutionARN, assume, denial); err != nil {
				return err
			}
		}
		if acting, err = ri.localRole(ctx, target); err != nil {
			return err
		}
	}
	if acting == nil {
		return nil
	}
	for _, p := range perms {
		if err := ri.decide(acting, req.ExecutionARN, p, denial); err != nil {
			return err
		}
	}
	return nil
}

// localRole is the caller a role ARN names when it is a role kept in the directory, or nil.
func (ri *RoleInvoker) localRole(ctx context.Context, arn string) (*Caller, error) {
	role, err := ri.dir.caller(ctx, arn)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("execution role %s: %w", arn, err)
	}
	if role.Principal.Kind != store.PrincipalRole {
		return nil, nil
	}
	return role, nil
}

// decide evaluates one permission with a role's policies, as the role's session for the
// execution, and fails the Task as the integration does on AWS when it is denied.
func (ri *RoleInvoker) decide(role *Caller, executionARN string, p TaskPermission, denial TaskDenial) error {
	principal := assumedRoleARN(role.Principal, ri.dir.scope, executionARN)
	now := ri.dir.now().UTC()
	c := Context{}
	role.FillContext(c, ri.dir.scope.Account)
	c.Set(KeyCurrentTime, now.Format("2006-01-02T15:04:05Z"))
	c.Set(KeyEpochTime, strconv.FormatInt(now.Unix(), 10))
	c.Set(KeyRequestedRegion, ri.dir.scope.Region)
	for k, v := range p.Context {
		c.Set(k, v...)
	}
	r := &Request{Principal: principal, Action: p.Action, Resource: p.Resource, Context: c}
	decision := Evaluate(role.Policies, r)
	if decision.Allowed() {
		return nil
	}
	message := DenialMessage(r, decision)
	if denial.Service == "" {
		return &task.Error{Name: denial.ErrorName, Cause: message}
	}
	return &task.Error{Name: denial.ErrorName, Cause: fmt.Sprintf("%s (Service: %s; Status Code: %d; Error Code: AccessDeniedException; Request ID: %s; Proxy: null)",
		message, denial.Service, denial.Status, requestID())}
}

// credentialsRoleARN is the RoleArn of a Task's evaluated Credentials field, or "".
func credentialsRoleARN(credentials any) string {
	m, _ := credentials.(map[string]any)
	s, _ := m["RoleArn"].(string)
	return s
}

// stateMachineOf is the state machine of an execution ARN: of a Standard or Express
// execution, or of a Map Run's child execution (execution:MACHINE/MAPRUN:NAME).
func stateMachineOf(executionARN string) (string, bool) {
	a, err := sfn.ParseARN(executionARN)
	if err != nil || (a.Kind != "execution" && a.Kind != "express") {
		return "", false
	}
	machine, _, _ := strings.Cut(a.Resource, ":")
	machine, _, _ = strings.Cut(machine, "/")
	if machine == "" {
		return "", false
	}
	return a.Scope.StateMachineARN(machine), true
}

// assumedRoleARN is the role's session as AWS names the principal of a role in use:
// arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION, the session named after the execution.
func assumedRoleARN(role *store.Principal, scope sfn.Scope, executionARN string) string {
	sum := sha256.Sum256([]byte(executionARN))
	return "arn:" + scope.Partition + ":sts::" + scope.Account + ":assumed-role/" + role.Name + "/" + hex.EncodeToString(sum[:16])
}

// requestID is a random UUID, as AWS's request ids are.
func requestID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
