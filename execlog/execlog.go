// Package execlog writes execution history events as log records, as Step Functions does to
// CloudWatch Logs when a state machine has a loggingConfiguration: the level (ALL, ERROR,
// FATAL, OFF) picks the events, includeExecutionData decides whether inputs and outputs are
// kept, and each destination log group becomes one JSON-lines file in a directory.
package execlog

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/stepflow/stepflow/sfn"
)

// Config is a state machine's loggingConfiguration, as the API carries it.
type Config struct {
	Level                string        `json:"level"`
	IncludeExecutionData bool          `json:"includeExecutionData"`
	Destinations         []Destination `json:"destinations"`
}

// Destination names a CloudWatch Logs log group.
type Destination struct {
	CloudWatchLogsLogGroup struct {
		LogGroupArn string `json:"logGroupArn"`
	} `json:"cloudWatchLogsLogGroup"`
}

// ParseConfig reads a loggingConfiguration's JSON text; "" means logging off.
func ParseConfig(text string) (Config, error) {
	c := Config{Level: "OFF"}
	if strings.TrimSpace(text) == "" {
		return c, nil
	}
	if err := json.Unmarshal([]byte(text), &c); err != nil {
		return c, fmt.Errorf("logging configuration: %w", err)
	}
	if c.Level == "" {
		c.Level = "OFF"
	}
	return c, nil
}

// Enabled reports whether the configuration logs anything.
func (c Config) Enabled() bool { return c.Level != "OFF" }

// fatal events end an execution unsuccessfully: the FATAL level logs only these.
var fatal = map[sfn.EventType]bool{
	sfn.EventExecutionFailed:   true,
	sfn.EventExecutionAborted:  true,
	sfn.EventExecutionTimedOut: true,
}

// Logs reports whether the level logs events of type t: ALL logs every event, ERROR the
// events that report a failure, FATAL the failed, aborted and timed-out ends of executions.
func (c Config) Logs(t sfn.EventType) bool {
	switch c.Level {
	case "ALL":
		return true
	case "ERROR":
		return fatal[t] || isError(t)
	case "FATAL":
		return fatal[t]
	}
	return false
}

func isError(t sfn.EventType) bool {
	s := string(t)
	return t == sfn.EventFailStateEntered || t == sfn.EventEvaluationFailed ||
		strings.HasSuffix(s, "Failed") || strings.HasSuffix(s, "TimedOut") || strings.HasSuffix(s, "Aborted")
}

// record is one log line, field for field as Step Functions writes it to CloudWatch Logs.
type record struct {
	ID              string          `json:"id"`
	Type            sfn.EventType   `json:"type"`
	Details         json.RawMessage `json:"details"`
	PreviousEventID string          `json:"previous_event_id"`
	EventTimestamp  string          `json:"event_timestamp"`
	ExecutionARN    string          `json:"execution_arn"`
}

// Writer appends log records to one file per log group under a directory.
type Writer struct {
	dir   string
	mu    sync.Mutex
	files map[string]*os.File
}

// NewWriter writes under dir, which is created when the first record is written.
func NewWriter(dir string) *Writer {
	return &Writer{dir: dir, files: map[string]*os.File{}}
}

// Write logs the events the configuration selects.
func (w *Writer) Write(c Config, executionARN string, events []*sfn.HistoryEvent) error {
	if !c.Enabled() {
		return nil
	}
	var lines []byte
	for _, ev := range events {
		if !c.Logs(ev.Type) {
			continue
		}
		line, err := encode(c, executionARN, ev)
		if err != nil {
			return err
		}
		lines = append(append(lines, line...), '\n')
	}
	if len(lines) == 0 {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, name := range c.groups() {
		f, err := w.file(name)
		if err != nil {
			return err
		}
		if _, err := f.Write(lines); err != nil {
			return fmt.Errorf("write execution log %s: %w", f.Name(), err)
		}
	}
	return nil
}

// Close closes every open log file.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	var first error
	for name, f := range w.files {
		if err := f.Close(); err != nil && first == nil {
			first = err
		}
		delete(w.files, name)
	}
	return first
}

// maxOpenFiles bounds the log files kept open: log group names come from API callers.
const maxOpenFiles = 64

func (w *Writer) file(name string) (*os.File, error) {
	if f, ok := w.files[name]; ok {
		return f, nil
	}
	if len(w.files) >= maxOpenFiles {
		for n, f := range w.files { // files are opened for append: reopening later is cheap
			_ = f.Close()
			delete(w.files, n)
		}
	}
	if err := os.MkdirAll(w.dir, 0o755); err != nil {
		return nil, fmt.Errorf("create execution log directory: %w", err)
	}
	path := filepath.Join(w.dir, name+".jsonl")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open execution log: %w", err)
	}
	w.files[name] = f
	return f, nil
}

// groups names the files of the destinations: the log group's name with "/" as "_"
// (arn:aws:logs:R:A:log-group:/aws/states/orders:* -> aws_states_orders).
func (c Config) groups() []string {
	var names []string
	for _, d := range c.Destinations {
		arn := d.CloudWatchLogsLogGroup.LogGroupArn
		name := arn
		if i := strings.Index(arn, ":log-group:"); i >= 0 {
			name = strings.TrimSuffix(arn[i+len(":log-group:"):], ":*")
		}
		name = strings.Trim(strings.NewReplacer("/", "_", ":", "_", "\\", "_").Replace(name), "_.")
		if name != "" {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		names = []string{"default"}
	}
	return names
}

func encode(c Config, executionARN string, ev *sfn.HistoryEvent) ([]byte, error) {
	if !c.IncludeExecutionData {
		ev = ev.WithoutExecutionData(true)
	}
	details := json.RawMessage("{}")
	if d := ev.Details(); d != nil {
		var err error
		if details, err = json.Marshal(d); err != nil {
			return nil, fmt.Errorf("encode event %d: %w", ev.ID, err)
		}
	}
	return json.Marshal(record{
		ID:              strconv.FormatInt(ev.ID, 10),
		Type:            ev.Type,
		Details:         details,
		PreviousEventID: strconv.FormatInt(ev.PreviousEventID, 10),
		EventTimestamp:  strconv.FormatInt(ev.Timestamp.UnixMilli(), 10),
		ExecutionARN:    executionARN,
	})
}
