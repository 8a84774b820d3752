package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// checkSoakHistory checks that a history is well-formed: ids 1..n without a gap, every
// previousEventId names an earlier event (or is 0, as AWS gives the first state's entry), exactly one ExecutionStarted (the first event) and
// one terminal event (the last), and, in a succeeded execution, every scheduled task has its
// outcome, reached from the outcome through previousEventId as AWS chains them
// (TaskSucceeded → TaskStarted → TaskScheduled).
func checkSoakHistory(events []types.HistoryEvent, status types.ExecutionStatus) error {
	if len(events) == 0 {
		return errors.New("empty history")
	}
	byID := make(map[int64]types.HistoryEvent, len(events))
	started, terminal := 0, 0
	for i, ev := range events {
		if ev.Id != int64(i+1) {
			return fmt.Errorf("event %d has id %d: ids are not 1..n", i+1, ev.Id)
		}
		if i == 0 {
			if ev.PreviousEventId != 0 {
				return fmt.Errorf("event 1 has previousEventId %d", ev.PreviousEventId)
			}
		} else if ev.PreviousEventId < 0 || ev.PreviousEventId >= ev.Id {
			// 0 is AWS's "none": its event 2 (the first state entered) has it.
			return fmt.Errorf("event %d (%s) has previousEventId %d, not an earlier event", ev.Id, ev.Type, ev.PreviousEventId)
		}
		byID[ev.Id] = ev
		switch ev.Type {
		case types.HistoryEventTypeExecutionStarted:
			started++
			if i != 0 {
				return fmt.Errorf("ExecutionStarted is event %d, not the first", ev.Id)
			}
		case types.HistoryEventTypeExecutionSucceeded, types.HistoryEventTypeExecutionFailed,
			types.HistoryEventTypeExecutionAborted, types.HistoryEventTypeExecutionTimedOut:
			terminal++
			if i != len(events)-1 {
				return fmt.Errorf("%s is event %d of %d, not the last", ev.Type, ev.Id, len(events))
			}
		}
	}
	if started != 1 || terminal != 1 {
		return fmt.Errorf("%d ExecutionStarted and %d terminal events, want one each", started, terminal)
	}
	if status != types.ExecutionStatusSucceeded {
		return nil // a failed execution is reported as such; its tasks may have been cut short
	}
	paired := map[int64]bool{}
	for _, ev := range events {
		switch ev.Type {
		case types.HistoryEventTypeTaskSucceeded, types.HistoryEventTypeTaskFailed, types.HistoryEventTypeTaskTimedOut,
			types.HistoryEventTypeTaskStartFailed, types.HistoryEventTypeTaskSubmitFailed,
			types.HistoryEventTypeLambdaFunctionSucceeded, types.HistoryEventTypeLambdaFunctionFailed,
			types.HistoryEventTypeLambdaFunctionTimedOut, types.HistoryEventTypeLambdaFunctionStartFailed:
		default:
			continue
		}
		prev := byID[ev.PreviousEventId]
		for prev.Type == types.HistoryEventTypeTaskStarted || prev.Type == types.HistoryEventTypeTaskSubmitted ||
			prev.Type == types.HistoryEventTypeLambdaFunctionStarted {
			prev = byID[prev.PreviousEventId]
		}
		if prev.Type != types.HistoryEventTypeTaskScheduled && prev.Type != types.HistoryEventTypeLambdaFunctionScheduled {
			return fmt.Errorf("%s (event %d) does not follow a scheduled task (reached %s, event %d)", ev.Type, ev.Id, prev.Type, prev.Id)
		}
		if paired[prev.Id] {
			return fmt.Errorf("%s (event %d) is a second outcome of the task scheduled by event %d", ev.Type, ev.Id, prev.Id)
		}
		paired[prev.Id] = true
	}
	for _, ev := range events {
		if (ev.Type == types.HistoryEventTypeTaskScheduled || ev.Type == types.HistoryEventTypeLambdaFunctionScheduled) && !paired[ev.Id] {
			return fmt.Errorf("%s (event %d) has no outcome", ev.Type, ev.Id)
		}
	}
	return nil
}

// soakRun is one run of the soak-work function, from the run file.
type soakRun struct {
	key        string // the idempotency key: execution ARN and task id
	node       string
	life       int       // process id of the server that ran it
	start, end time.Time // end is zero when the run never finished
}

// readSoakRuns reads the run file: "start|end UNIXTIME NODE KEY PID PPID" lines, paired by
// key and process id.
func readSoakRuns(path string) ([]*soakRun, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	open := map[string]*soakRun{}
	var runs []*soakRun
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		fields := strings.Fields(sc.Text())
		if len(fields) != 6 {
			return nil, fmt.Errorf("%s:%d: malformed run record %q", path, line, sc.Text())
		}
		secs, err := strconv.ParseFloat(fields[1], 64)
		life, perr := strconv.Atoi(fields[5])
		if err != nil || perr != nil {
			return nil, fmt.Errorf("%s:%d: malformed run record %q", path, line, sc.Text())
		}
		at := time.Unix(0, int64(secs*1e9))
		id := fields[3] + " " + fields[4]
		switch fields[0] {
		case "start":
			r := &soakRun{key: fields[3], node: fields[2], life: life, start: at}
			runs = append(runs, r)
			open[id] = r
		case "end":
			if r := open[id]; r != nil {
				r.end = at
				delete(open, id)
			}
		default:
			return nil, fmt.Errorf("%s:%d: malformed run record %q", path, line, sc.Text())
		}
	}
	return runs, sc.Err()
}

// soakReport is what a soak found. Times are in seconds.
type soakReport struct {
	Store      string  `json:"store"`
	Nodes      int     `json:"nodes"`
	Executions int     `json:"executions"`
	Kills      int     `json:"kills"`
	Seed       uint64  `json:"seed"`
	Lease      string  `json:"lease,omitempty"`
	Spread     float64 `json:"spreadSeconds"`
	Downtime   float64 `json:"downtimeSeconds"`
	Seconds    float64 `json:"seconds"` // from the first start to the last execution's end

	Succeeded   int `json:"succeeded"`
	Failed      int `json:"failed"`
	Lost        int `json:"lost"`
	WrongOutput int `json:"wrongOutput"`
	NotStarted  int `json:"notStarted"`
	Malformed   int `json:"malformedHistories"`

	Tasks             int `json:"tasks"`             // distinct tasks run (idempotency keys)
	TaskRuns          int `json:"taskRuns"`          // runs of the function
	RerunTasks        int `json:"rerunTasks"`        // tasks run more than once
	Reruns            int `json:"reruns"`            // runs beyond each task's first
	RerunsWithoutKill int `json:"rerunsWithoutKill"` // re-runs no kill explains (a lease lost while the node lived)
	RefusedRestarts   int `json:"refusedRestarts"`   // kills after which the server refused to start at first
	// TaskFailures counts the task failures in the histories (retried or not), by error and
	// cause: a function that ran and answered should not fail.
	TaskFailures map[string]int `json:"taskFailures"`
	// ServerWarnings counts the servers' WARN and ERROR log lines by level, message and error.
	ServerWarnings map[string]int `json:"serverWarnings"`

	Restart       soakStat         `json:"restart"`          // a killed node's new process started to listening
	FirstProgress soakStat         `json:"firstProgress"`    // the new process started to its first task run
	Resumed       soakStat         `json:"resumed"`          // the new process started to the last of the killed one's tasks run again
	HandedOver    soakStat         `json:"resumedAfterKill"` // the kill to the last of its tasks run again (by any node)
	KillList      []soakKillReport `json:"killList"`

	Problems []string `json:"problems,omitempty"` // the first problems found, one line each
	Dir      string   `json:"dir,omitempty"`      // the working directory, when kept
	Pass     bool     `json:"pass"`
}

// soakStat is the median and maximum of a time measured once per kill.
type soakStat struct {
	Count  int     `json:"count"`
	Median float64 `json:"median"`
	Max    float64 `json:"max"`
}

// soakKillReport is one kill: when (seconds after the first start), how long the new process
// took to listen, how many of the killed one's tasks were in flight, and how soon after the
// new process started tasks ran again.
type soakKillReport struct {
	Node     string   `json:"node"`
	At       float64  `json:"at"`
	Restart  float64  `json:"restart"`           // the new process started to listening
	Refused  []string `json:"refused,omitempty"` // starts refused: the node-id file was still held
	InFlight int      `json:"inFlight"`          // runs of the killed process not ended by the kill
	Rerun    int      `json:"rerun"`             // tasks of the killed process run again (by any node)
	// FirstProgress: the new process started to its first task run (null: it ran none).
	FirstProgress *float64 `json:"firstProgress"`
	// Resumed: the new process started to the last of Rerun run again (null: none);
	// negative when another node took them all over before the restart.
	Resumed *float64 `json:"resumed"`
	// ResumedAfterKill: the kill to the last of Rerun run again; with --downtime longer than
	// a lease, the time another node took to hand them over.
	ResumedAfterKill *float64 `json:"resumedAfterKill"`
}

const soakMaxProblems = 20

func newSoakReport(cfg *soakConfig, nodes int, execs []*soakExecution, kills []soakKillEvent, runs []*soakRun, lives map[int]bool, began time.Time) *soakReport {
	rep := &soakReport{Store: cfg.Store, Nodes: nodes, Executions: cfg.Executions, Kills: len(kills), Seed: cfg.Seed,
		Lease: cfg.Lease, Spread: seconds(cfg.Spread), Downtime: seconds(cfg.Downtime), KillList: []soakKillReport{}, TaskFailures: map[string]int{},
		ServerWarnings: map[string]int{}}
	problem := func(format string, args ...any) {
		if len(rep.Problems) < soakMaxProblems {
			rep.Problems = append(rep.Problems, fmt.Sprintf(format, args...))
		}
	}
	ours := map[string]bool{}
	for _, ex := range execs {
		if ex.arn != "" {
			ours[ex.arn] = true
		}
		switch ex.kind {
		case "succeeded":
			rep.Succeeded++
		case "failed":
			rep.Failed++
		case "lost":
			rep.Lost++
		case "wrong-output":
			rep.WrongOutput++
		case "not-started":
			rep.NotStarted++
		}
		if ex.problem != "" {
			problem("%s: %s", ex.name, ex.problem)
		}
		for _, e := range ex.taskErrs {
			rep.TaskFailures[e]++
		}
		if ex.malform != "" {
			rep.Malformed++
			problem("%s: malformed history: %s", ex.name, ex.malform)
		}
	}

	// Runs by task, in start order; only this soak's executions count.
	byKey := map[string][]*soakRun{}
	var ourRuns []*soakRun
	for _, r := range runs {
		arn, _, _ := strings.Cut(r.key, "#")
		if !ours[arn] {
			continue
		}
		if !lives[r.life] {
			// Forked by a server killed before the shell started, which then got another
			// parent (init or a subreaper): the run is the last killed life's before it.
			for _, kl := range kills {
				if kl.node == r.node && !kl.killed.After(r.start) {
					r.life = kl.killedPID
				}
			}
		}
		ourRuns = append(ourRuns, r)
		byKey[r.key] = append(byKey[r.key], r)
	}
	rep.TaskRuns = len(ourRuns)
	rep.Tasks = len(byKey)
	// A run again is explained by a kill when the run before it was the killed process's; it
	// counts towards the last kill of that node before it (the restart that had it run
	// again: a later life if the node was killed again before it got to it).
	perKill := make([][]*soakRun, len(kills))
	for _, rs := range byKey {
		sort.Slice(rs, func(i, j int) bool { return rs[i].start.Before(rs[j].start) })
		if len(rs) > 1 {
			rep.RerunTasks++
			rep.Reruns += len(rs) - 1
		}
		for j := 1; j < len(rs); j++ {
			prev, cur := rs[j-1], rs[j]
			k := -1
			for i, kl := range kills {
				if kl.node == prev.node && kl.killedPID == prev.life && kl.killed.Before(cur.start) {
					k = i
					break
				}
			}
			for i := k + 1; k >= 0 && i < len(kills); i++ {
				if kills[i].node == prev.node && kills[i].killed.Before(cur.start) {
					k = i
				}
			}
			if k < 0 {
				rep.RerunsWithoutKill++
				problem("task %s ran again on %s (pid %d) at %.3fs, after a run on %s (pid %d, not killed in between) at %.3fs", cur.key,
					cur.node, cur.life, seconds(cur.start.Sub(began)), prev.node, prev.life, seconds(prev.start.Sub(began)))
				continue
			}
			perKill[k] = append(perKill[k], cur)
		}
	}

	var restarts, firsts, resumes, handovers []float64
	for i, kl := range kills {
		kr := soakKillReport{Node: kl.node, At: seconds(kl.killed.Sub(began)), Restart: seconds(kl.ready.Sub(kl.restarted)), Rerun: len(perKill[i])}
		restarts = append(restarts, kr.Restart)
		kr.Refused = kl.refused
		if len(kl.refused) > 0 {
			rep.RefusedRestarts++
			problem("kill %d: %s refused to start %d times (node-id file held): %s", i+1, kl.node, len(kl.refused), strings.Join(kl.refused, " / "))
		}
		var first time.Time
		for _, r := range ourRuns {
			if r.node == kl.node && r.life == kl.killedPID && (r.end.IsZero() || r.end.After(kl.killed)) {
				kr.InFlight++
			}
			if r.node == kl.node && r.life == kl.pid && (first.IsZero() || r.start.Before(first)) {
				first = r.start
			}
		}
		if !first.IsZero() {
			v := seconds(first.Sub(kl.restarted))
			kr.FirstProgress = &v
			firsts = append(firsts, v)
		}
		if len(perKill[i]) > 0 {
			last := perKill[i][0].start
			for _, r := range perKill[i] {
				if r.start.After(last) {
					last = r.start
				}
			}
			v := seconds(last.Sub(kl.restarted))
			kr.Resumed = &v
			resumes = append(resumes, v)
			h := seconds(last.Sub(kl.killed))
			kr.ResumedAfterKill = &h
			handovers = append(handovers, h)
		}
		rep.KillList = append(rep.KillList, kr)
	}
	rep.Restart, rep.FirstProgress, rep.Resumed = newSoakStat(restarts), newSoakStat(firsts), newSoakStat(resumes)
	rep.HandedOver = newSoakStat(handovers)
	if want := rep.Succeeded * soakTasksPerExecution; rep.Tasks < want {
		problem("%d tasks recorded in the run file for %d succeeded executions, want at least %d", rep.Tasks, rep.Succeeded, want)
	}
	rep.Pass = rep.Succeeded == cfg.Executions && rep.Malformed == 0
	return rep
}

func newSoakStat(v []float64) soakStat {
	if len(v) == 0 {
		return soakStat{}
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	median := s[len(s)/2]
	if len(s)%2 == 0 {
		median = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return soakStat{Count: len(s), Median: round3(median), Max: round3(s[len(s)-1])}
}

func seconds(d time.Duration) float64 { return round3(d.Seconds()) }

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

func (r *soakReport) writeText(w io.Writer) {
	verdict := "PASS"
	if !r.Pass {
		verdict = "FAIL"
	}
	lease := r.Lease
	if lease == "" {
		lease = "default"
	}
	fmt.Fprintf(w, "stepflow soak: %s, %d node(s), %d executions, %d kills, seed %d, lease %s: %s\n\n",
		r.Store, r.Nodes, r.Executions, r.Kills, r.Seed, lease, verdict)
	row := func(name string, v any) { fmt.Fprintf(w, "  %-28s %v\n", name, v) }
	row("succeeded", r.Succeeded)
	row("failed", r.Failed)
	row("lost (never ended)", r.Lost)
	row("wrong output", r.WrongOutput)
	row("not started", r.NotStarted)
	row("malformed histories", r.Malformed)
	row("tasks", r.Tasks)
	row("task runs", r.TaskRuns)
	row("tasks run again", fmt.Sprintf("%d (%d extra runs, %d without a kill)", r.RerunTasks, r.Reruns, r.RerunsWithoutKill))
	stat := func(s soakStat) string {
		if s.Count == 0 {
			return "-"
		}
		return fmt.Sprintf("median %.3fs, max %.3fs (%d kills)", s.Median, s.Max, s.Count)
	}
	failures := 0
	for _, n := range r.TaskFailures {
		failures += n
	}
	row("task failures (retried)", failures)
	row("restarts refused at first", r.RefusedRestarts)
	row("restart to listening", stat(r.Restart))
	row("restart to first task", stat(r.FirstProgress))
	row("restart to in-flight resumed", stat(r.Resumed))
	row("kill to in-flight resumed", stat(r.HandedOver))
	row("duration", fmt.Sprintf("%.1fs", r.Seconds))
	if len(r.KillList) > 0 {
		fmt.Fprintf(w, "\n  %-4s %-7s %9s %9s %9s %7s %11s %9s %11s\n", "kill", "node", "at", "restart", "in-flight", "re-run", "first task", "resumed", "after kill")
		opt := func(v *float64) string {
			if v == nil {
				return "-"
			}
			return fmt.Sprintf("%.3fs", *v)
		}
		for i, k := range r.KillList {
			fmt.Fprintf(w, "  %-4d %-7s %8.3fs %8.3fs %9d %7d %11s %9s %11s\n", i+1, k.Node, k.At, k.Restart, k.InFlight, k.Rerun, opt(k.FirstProgress), opt(k.Resumed), opt(k.ResumedAfterKill))
		}
	}
	writeCounts(w, "task failures", r.TaskFailures)
	writeCounts(w, "server warnings and errors", r.ServerWarnings)
	if len(r.Problems) > 0 {
		fmt.Fprintln(w, "\nproblems:")
		for _, p := range r.Problems {
			fmt.Fprintln(w, "  "+p)
		}
	}
	if r.Dir != "" {
		fmt.Fprintf(w, "\nworking directory (server logs, run file): %s\n", r.Dir)
	}
}

func writeCounts(w io.Writer, title string, counts map[string]int) {
	if len(counts) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%s:\n", title)
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "  %5d  %s\n", counts[k], k)
	}
}

var (
	soakLogLevelRE = regexp.MustCompile(`\blevel=(WARN|ERROR)\b`)
	soakLogMsgRE   = regexp.MustCompile(`\bmsg=("(?:[^"\\]|\\.)*"|\S+)`)
	soakLogErrRE   = regexp.MustCompile(`\berr=("(?:[^"\\]|\\.)*"|\S+)`)
)

// countServerWarnings adds the WARN and ERROR lines of a server log (logfmt, as the soak
// starts the servers) to counts, keyed by level, message and error: the times, executions
// and tasks they name differ from line to line.
func countServerWarnings(path string, counts map[string]int) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		level := soakLogLevelRE.FindStringSubmatch(line)
		if level == nil {
			continue
		}
		key := level[1]
		for _, re := range []*regexp.Regexp{soakLogMsgRE, soakLogErrRE} {
			if m := re.FindStringSubmatch(line); m != nil {
				v := m[1]
				if u, err := strconv.Unquote(v); err == nil {
					v = u
				}
				key += " " + v
			}
		}
		counts[key]++
	}
	return sc.Err()
}
