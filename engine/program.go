package engine

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"sync"

	"github.com/stepflow/stepflow/asl"
	"github.com/stepflow/stepflow/interp"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

// target is what an execution runs: a state machine's definition, reached directly or through
// a version or an alias.
type target struct {
	StateMachineARN string
	VersionARN      string
	AliasARN        string
	Name            string // the state machine's name
	Type            sfn.StateMachineType
	Definition      string
	RoleARN         string
}

// InvalidARNError is the answer for a state machine ARN that is malformed.
type InvalidARNError struct{ ARN string }

func (e *InvalidARNError) Error() string { return "Invalid Arn: '" + e.ARN + "'" }

// resolveTarget finds the definition behind a state machine, version or alias ARN. An alias
// picks one of its versions by weight, as AWS does for each execution.
func (e *Engine) resolveTarget(ctx context.Context, arn string) (*target, error) {
	a, err := sfn.ParseARN(arn)
	if err != nil || a.Service != "states" || a.Kind != "stateMachine" || a.Resource == "" {
		return nil, &InvalidARNError{ARN: arn}
	}
	name, qualifier, qualified := strings.Cut(a.Resource, ":")
	st := e.cfg.Store
	if !qualified {
		sm, err := st.StateMachineGetByARN(ctx, &store.StateMachineGetByARNParams{ARN: arn})
		if err != nil {
			return nil, fmt.Errorf("start execution: %w", err)
		}
		return &target{StateMachineARN: sm.ARN, Name: sm.Name, Type: sm.Type, Definition: sm.Definition, RoleARN: sm.RoleARN}, nil
	}
	machineARN := strings.TrimSuffix(arn, ":"+qualifier)
	aliasARN := ""
	versionARN := arn
	if _, err := strconv.ParseUint(qualifier, 10, 64); err != nil {
		alias, err := st.StateMachineAliasGetByARN(ctx, &store.StateMachineAliasGetByARNParams{ARN: arn})
		if err != nil {
			return nil, fmt.Errorf("start execution: %w", err)
		}
		aliasARN, versionARN = alias.ARN, pickRoute(alias.Routing)
		if versionARN == "" {
			return nil, fmt.Errorf("start execution: alias %s routes to no version", arn)
		}
	}
	v, err := st.StateMachineVersionGetByARN(ctx, &store.StateMachineVersionGetByARNParams{ARN: versionARN})
	if err != nil {
		return nil, fmt.Errorf("start execution: %w", err)
	}
	return &target{StateMachineARN: machineARN, VersionARN: v.ARN, AliasARN: aliasARN, Name: name,
		Type: v.Type, Definition: v.Definition, RoleARN: v.RoleARN}, nil
}

// pickRoute chooses a version of an alias with probability proportional to its weight.
func pickRoute(routes []store.RoutingEntry) string {
	total := 0
	for _, r := range routes {
		total += r.Weight
	}
	if total <= 0 {
		if len(routes) > 0 {
			return routes[0].StateMachineVersionARN
		}
		return ""
	}
	n, err := rand.Int(rand.Reader, big.NewInt(int64(total)))
	if err != nil {
		return routes[0].StateMachineVersionARN
	}
	pick := int(n.Int64())
	for _, r := range routes {
		if pick < r.Weight {
			return r.StateMachineVersionARN
		}
		pick -= r.Weight
	}
	return routes[len(routes)-1].StateMachineVersionARN
}

// programCache shares compiled programs between executions of the same definition. The key
// is the definition's hash, so an updated state machine gets a new program while running
// executions keep theirs.
type programCache struct {
	mu       sync.Mutex
	programs map[string]*interp.Program
}

func (e *Engine) program(definition string, typ sfn.StateMachineType, history bool) (*interp.Program, error) {
	sum := sha256.Sum256([]byte(definition))
	key := string(typ) + ":" + strconv.FormatBool(history) + ":" + hex.EncodeToString(sum[:])
	c := &e.programs
	c.mu.Lock()
	p, ok := c.programs[key]
	c.mu.Unlock()
	if ok {
		return p, nil
	}
	sm, diags := asl.Parse([]byte(definition), asl.ParseOptions{Type: typ})
	if sm == nil || diags.HasErrors() {
		msg := "invalid definition"
		for _, d := range diags {
			if d.Severity == asl.SeverityError {
				msg = d.Code + ": " + d.Message
				break
			}
		}
		return nil, fmt.Errorf("compile state machine: %s", msg)
	}
	p, err := interp.Compile(sm, interp.Options{PayloadLimit: e.payloadLimit(), History: history})
	if err != nil {
		return nil, fmt.Errorf("compile state machine: %w", err)
	}
	c.mu.Lock()
	if c.programs == nil {
		c.programs = map[string]*interp.Program{}
	}
	c.programs[key] = p
	c.mu.Unlock()
	return p, nil
}

func (e *Engine) payloadLimit() int {
	switch {
	case e.cfg.PayloadLimit == 0:
		return sfn.DefaultPayloadLimit
	case e.cfg.PayloadLimit < 0:
		return 0
	}
	return e.cfg.PayloadLimit
}

// A stored snapshot carries the definition the execution started with next to the
// interpreter's state, so an execution resumes on its own definition even after the state
// machine was updated or deleted, without any other read:
//
//	"SFS1\n" TYPE "\n" LEN "\n" DEFINITION STATE
const snapshotMagic = "SFS1\n"

func encodeSnapshot(typ sfn.StateMachineType, definition string, ex *interp.Execution) ([]byte, error) {
	state, err := ex.Snapshot()
	if err != nil {
		return nil, fmt.Errorf("snapshot execution: %w", err)
	}
	var b bytes.Buffer
	b.Grow(len(snapshotMagic) + len(typ) + len(definition) + len(state) + 16)
	b.WriteString(snapshotMagic)
	b.WriteString(string(typ))
	b.WriteByte('\n')
	b.WriteString(strconv.Itoa(len(definition)))
	b.WriteByte('\n')
	b.WriteString(definition)
	b.Write(state)
	return b.Bytes(), nil
}

var errBadSnapshot = errors.New("snapshot is not in the engine's format")

func decodeSnapshot(data []byte) (typ sfn.StateMachineType, definition string, state []byte, err error) {
	rest, ok := bytes.CutPrefix(data, []byte(snapshotMagic))
	if !ok {
		return "", "", nil, errBadSnapshot
	}
	t, rest, ok := bytes.Cut(rest, []byte("\n"))
	if !ok {
		return "", "", nil, errBadSnapshot
	}
	n, rest, ok := bytes.Cut(rest, []byte("\n"))
	size, err := strconv.Atoi(string(n))
	if !ok || err != nil || size < 0 || size > len(rest) {
		return "", "", nil, errBadSnapshot
	}
	return sfn.StateMachineType(t), string(rest[:size]), rest[size:], nil
}

// newUUID returns a random (version 4) UUID, as AWS names executions started without a name.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// newSeed returns the random seed of a new execution's deterministic randomness.
func newSeed() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return binary.LittleEndian.Uint64(b[:])
}

// newTaskToken returns a token for an activity task (callback tasks get theirs from the
// interpreter, which puts it in $$.Task.Token).
func newTaskToken() string {
	var b [48]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
