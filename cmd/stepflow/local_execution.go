package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/stepflow/stepflow/asl"
	"github.com/stepflow/stepflow/engine"
	"github.com/stepflow/stepflow/internal/jsonvalue"
	"github.com/stepflow/stepflow/interp"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/task"
)

// The pieces `stepflow run` and `stepflow test` share: one in-memory execution of a
// definition file.

// loadProgram reads, checks and compiles a definition file; problems are printed one per
// line and end the command with exit status 1.
func loadProgram(defFile string, smType sfn.StateMachineType, opts interp.Options, stderr io.Writer) (*interp.Program, error) {
	data, err := os.ReadFile(defFile)
	if err != nil {
		return nil, err
	}
	sm, diags := asl.Parse(data, interp.ParseOptions(smType))
	if diags.HasErrors() {
		for _, d := range diags {
			fmt.Fprintf(stderr, "%s: %s %s %s: %s\n", defFile, d.Severity, d.Code, d.Location, d.Message)
		}
		return nil, exitError{Code: 1}
	}
	if smType != sfn.TypeExpress {
		opts.MaxHistoryEvents = sfn.HistoryEventLimit // as the server runs Standard executions
	}
	return interp.Compile(sm, opts)
}

// readInput reads the execution input; no file means {}.
func readInput(file string) (any, error) {
	if file == "" {
		return map[string]any{}, nil
	}
	input, err := jsonvalue.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read input: %w", err)
	}
	return input, nil
}

// parseMachineType checks a --type flag.
func parseMachineType(typ string) (sfn.StateMachineType, error) {
	t := sfn.StateMachineType(strings.ToUpper(typ))
	if t != sfn.TypeStandard && t != sfn.TypeExpress {
		return "", fmt.Errorf("--type must be STANDARD or EXPRESS, not %q", typ)
	}
	return t, nil
}

// machineName names the state machine after its file: orders.asl.json -> orders.
func machineName(defFile string) string {
	name := strings.TrimSuffix(filepath.Base(defFile), filepath.Ext(defFile))
	return strings.TrimSuffix(name, ".asl")
}

// addRoleARNFlag defines --role-arn, the local state machine's roleArn, which
// --assume-state-machine-role assumes for its AWS calls.
func addRoleARNFlag(fs *flag.FlagSet) *string {
	return fs.String("role-arn", "", "the state machine's IAM role ARN ($$.Execution.RoleArn; with --assume-state-machine-role, AWS calls are made as it); default: a placeholder role that exists nowhere")
}

// checkRoleARN refuses a --role-arn that is not an ARN, as CreateStateMachine refuses it.
func checkRoleARN(role string) error {
	if role != "" && !strings.HasPrefix(role, "arn:") {
		return fmt.Errorf("--role-arn: %q is not an ARN (arn:aws:iam::ACCOUNT:role/NAME)", role)
	}
	return nil
}

// localInfo is the identity of a local execution, with ARNs in the default scope; role
// "" is a placeholder role.
func localInfo(machine, execName string, smType sfn.StateMachineType, role string) interp.ExecutionInfo {
	scope := sfn.DefaultScope
	if role == "" {
		role = scope.RoleARN("StepflowExecutionRole")
	}
	info := interp.ExecutionInfo{
		ExecutionARN:     scope.ExecutionARN(machine, execName),
		ExecutionName:    execName,
		StateMachineARN:  scope.StateMachineARN(machine),
		StateMachineName: machine,
		RoleARN:          role,
		StartTime:        time.Now().UTC(),
		Seed:             uint64(time.Now().UnixNano()),
	}
	if smType == sfn.TypeExpress {
		info.ExecutionARN = scope.ExpressExecutionARN(machine, execName, execName)
	}
	return info
}

// localResult is how a local execution ended.
type localResult struct {
	interp.Result
	History []sfn.HistoryEvent
	Stop    time.Time // real or virtual
}

// runLocal runs the execution in memory. An execution that waits for something nothing will
// deliver (a task token nobody answers) is reported on stderr and ends the command with exit 1.
func runLocal(ctx context.Context, prog *interp.Program, info interp.ExecutionInfo, input any, invoker task.Invoker, virtual bool, stderr io.Writer) (*localResult, error) {
	out := &localResult{}
	res, err := engine.Run(ctx, prog, engine.RunOptions{
		Info: info, Input: input, Invoker: invoker, VirtualTime: virtual,
		OnStep:   func(evs []sfn.HistoryEvent) { out.History = append(out.History, evs...) },
		OnFinish: func(at time.Time) { out.Stop = at },
	})
	if err == engine.ErrStalled {
		fmt.Fprintf(stderr, "stepflow: %v\n", err)
		return nil, exitError{Code: 1}
	}
	if err != nil {
		return nil, err
	}
	out.Result = res
	return out, nil
}
