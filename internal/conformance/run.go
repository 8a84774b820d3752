package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/stepflow/stepflow/asl"
	"github.com/stepflow/stepflow/engine"
	"github.com/stepflow/stepflow/interp"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/task"
	"github.com/stepflow/stepflow/task/function"
)

// Result is the outcome of one case.
type Result struct {
	Case   *Case
	Pass   bool
	Reason string // why it failed: the first difference found
}

// scope matches the account and region the recorded definitions name in their ARNs.
var scope = sfn.Scope{Partition: "aws", Region: "us-east-1", Account: "111111111111"}

var identity = Identity{
	StateMachineName: "ConformanceMachine",
	ExecutionName:    "conformance-execution",
	RoleARN:          "arn:aws:iam::111111111111:role/StepflowConformance",
	Account:          scope.Account,
	Region:           scope.Region,
	Partition:        scope.Partition,
}

// caseTimeout bounds one case; everything runs on virtual time, so only a hang reaches it.
const caseTimeout = 20 * time.Second

// Run executes one case, its Lambda functions played as lambda.json describes them, and
// compares it with the recording.
func Run(ctx context.Context, c *Case) Result {
	router := task.NewRouter()
	reg := function.NewRegistry(scope)
	for name, b := range c.Lambdas {
		if b.Kind != "missing" {
			reg.Register(name, fakeLambda(b))
		}
	}
	router.HandleLambda(reg)
	router.HandleService("lambda", reg)
	return RunWithInvoker(ctx, c, router)
}

// Scope is the partition, region and account the recorded definitions name in their ARNs.
func Scope() sfn.Scope { return scope }

// RunWithInvoker executes one case with its tasks run by invoker (e.g. real Lambda functions
// standing in for lambda.json's) and compares it with the recording.
func RunWithInvoker(ctx context.Context, c *Case, invoker task.Invoker) (res Result) {
	res.Case = c
	defer func() {
		if p := recover(); p != nil {
			res.Pass, res.Reason = false, fmt.Sprintf("panic: %v", p)
		}
	}()
	typ := sfn.TypeStandard
	if c.Expected.StateMachineType == string(sfn.TypeExpress) {
		typ = sfn.TypeExpress
	}
	sm, diags := asl.Parse(c.Definition, asl.ParseOptions{Type: typ})
	if diags.HasErrors() {
		return Result{Case: c, Reason: "definition rejected: " + diags[0].Code + " " + diags[0].Location + ": " + diags[0].Message}
	}
	prog, err := interp.Compile(sm, interp.Options{PayloadLimit: sfn.DefaultPayloadLimit})
	if err != nil {
		return Result{Case: c, Reason: "compile: " + err.Error()}
	}
	execARN := scope.ExecutionARN(identity.StateMachineName, identity.ExecutionName)
	if typ == sfn.TypeExpress {
		execARN = scope.ExpressExecutionARN(identity.StateMachineName, identity.ExecutionName, "00000000-0000-4000-8000-000000000000")
	}
	info := interp.ExecutionInfo{
		ExecutionARN:     execARN,
		ExecutionName:    identity.ExecutionName,
		StateMachineARN:  scope.StateMachineARN(identity.StateMachineName),
		StateMachineName: identity.StateMachineName,
		RoleARN:          identity.RoleARN,
		StartTime:        time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC),
		Seed:             1,
	}
	ctx, cancel := context.WithTimeout(ctx, caseTimeout)
	defer cancel()
	got, err := engine.Run(ctx, prog, engine.RunOptions{Info: info, Input: c.Input, Invoker: invoker, VirtualTime: true})
	if err != nil {
		return Result{Case: c, Reason: "run: " + err.Error()}
	}
	ok, why := compare(c, got)
	return Result{Case: c, Pass: ok, Reason: why}
}

func compare(c *Case, got interp.Result) (bool, string) {
	m := newMatcher(c.Expected.Placeholders, identity)
	want := c.Expected
	if string(got.Status) != want.Status {
		detail := ""
		if got.Status != sfn.StatusSucceeded {
			detail = fmt.Sprintf(" (%s: %s)", got.Error, clip(got.Cause))
		}
		return false, fmt.Sprintf("status %s%s, want %s", got.Status, detail, want.Status)
	}
	if want.Status == string(sfn.StatusSucceeded) {
		if ok, why := m.value(want.Output, got.Output, "output"); !ok {
			return false, why
		}
		return true, ""
	}
	if want.Error != nil && !m.str(*want.Error, got.Error) {
		return false, fmt.Sprintf("error %q, want %q", got.Error, *want.Error)
	}
	if want.CauseJSON != nil {
		var cause any
		if err := json.Unmarshal([]byte(got.Cause), &cause); err != nil {
			return false, fmt.Sprintf("cause %q is not JSON, want %s", clip(got.Cause), short(want.CauseJSON))
		}
		if ok, why := m.value(want.CauseJSON, cause, "cause"); !ok {
			return false, why
		}
	} else if want.Cause != nil && !m.str(*want.Cause, got.Cause) {
		return false, fmt.Sprintf("cause %q, want %q", clip(got.Cause), clip(*want.Cause))
	}
	return true, ""
}

func clip(s string) string {
	if len(s) > 200 {
		return s[:197] + "..."
	}
	return s
}

// Summary is pass counts per category and in total.
type Summary struct {
	Categories map[string][2]int // category -> {passed, total}
	Passed     int
	Total      int
}

// Summarize counts results.
func Summarize(results []Result) Summary {
	s := Summary{Categories: map[string][2]int{}}
	for _, r := range results {
		c := s.Categories[r.Case.Category]
		c[1]++
		s.Total++
		if r.Pass {
			c[0]++
			s.Passed++
		}
		s.Categories[r.Case.Category] = c
	}
	return s
}

// String prints one line per category and the total.
func (s Summary) String() string {
	var b strings.Builder
	cats := make([]string, 0, len(s.Categories))
	for c := range s.Categories {
		cats = append(cats, c)
	}
	sort.Strings(cats)
	for _, c := range cats {
		n := s.Categories[c]
		fmt.Fprintf(&b, "%-22s %4d/%-4d %5.1f%%\n", c, n[0], n[1], pct(n[0], n[1]))
	}
	fmt.Fprintf(&b, "%-22s %4d/%-4d %5.1f%%\n", "TOTAL", s.Passed, s.Total, pct(s.Passed, s.Total))
	return b.String()
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}
