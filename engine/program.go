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
	"github.com/stepflow/stepflow/internal/jsonvalue"
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
	if !qualified {
		sm, err := e.stateMachine(ctx, arn)
		if err != nil {
			return nil, fmt.Errorf("start execution: %w", err)
		}
		return &target{StateMachineARN: sm.ARN, Name: sm.Name, Type: sm.Type, Definition: sm.Definition, RoleARN: sm.RoleARN}, nil
	}
	machineARN := strings.TrimSuffix(arn, ":"+qualifier)
	aliasARN := ""
	versionARN := arn
	if _, err := strconv.ParseUint(qualifier, 10, 64); err != nil {
		alias, err := e.stateMachineAlias(ctx, arn)
		if err != nil {
			return nil, fmt.Errorf("start execution: %w", err)
		}
		aliasARN, versionARN = alias.ARN, pickRoute(alias.Routing)
		if versionARN == "" {
			return nil, fmt.Errorf("start execution: alias %s routes to no version", arn)
		}
	}
	v, err := e.stateMachineVersion(ctx, versionARN)
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
	mu          sync.Mutex
	programs    map[string]*interp.Program
	definitions map[string]string // by hash, for executions restored from snapshots
	stored      map[string]bool   // hashes of the definitions this process put in the store
}

// storeDefinition puts a definition in the store under its hash, once per process: the
// snapshots of the executions that run it name it by hash only.
func (e *Engine) storeDefinition(ctx context.Context, hash, definition string) error {
	c := &e.programs
	c.mu.Lock()
	done := c.stored[hash]
	c.mu.Unlock()
	if done {
		return nil
	}
	if err := e.cfg.Store.DefinitionPut(ctx, &store.DefinitionPutParams{Hash: hash, Definition: definition}); err != nil {
		return err
	}
	c.mu.Lock()
	if c.stored == nil {
		c.stored = map[string]bool{}
	}
	c.stored[hash] = true
	c.mu.Unlock()
	return nil
}

func (e *Engine) program(definition string, typ sfn.StateMachineType, history bool) (*interp.Program, error) {
	hash := definitionHash(definition)
	key := string(typ) + ":" + strconv.FormatBool(history) + ":" + hash
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
	opts := interp.Options{PayloadLimit: e.payloadLimit(), History: history}
	if typ != sfn.TypeExpress {
		opts.MaxHistoryEvents = sfn.HistoryEventLimit
	}
	p, err := interp.Compile(sm, opts)
	if err != nil {
		return nil, fmt.Errorf("compile state machine: %w", err)
	}
	c.mu.Lock()
	if c.programs == nil {
		c.programs, c.definitions = map[string]*interp.Program{}, map[string]string{}
	}
	c.programs[key] = p
	c.definitions[hash] = definition
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

// programRef names the definition an execution runs, so that its snapshots need not carry
// the definition itself: a large definition would otherwise be rewritten at every step.
type programRef struct {
	Type   sfn.StateMachineType
	Source string // the version ARN, or the state machine ARN, the definition was read from
	Hash   string // hex SHA-256 of the definition text
}

// definitionHash is the hex SHA-256 of a definition. Every start needs it, twice; a
// definition of a thousand states is ~100 KB, whose SHA-256 costs more than finding the
// text in a map, so the hashes of recent definitions are kept.
func definitionHash(definition string) string {
	hashMemo.Lock()
	h, ok := hashMemo.m[definition]
	hashMemo.Unlock()
	if ok {
		return h
	}
	sum := sha256.Sum256([]byte(definition))
	h = hex.EncodeToString(sum[:])
	hashMemo.Lock()
	if len(hashMemo.m) >= hashMemoSize || hashMemo.m == nil {
		hashMemo.m = make(map[string]string, hashMemoSize)
	}
	hashMemo.m[definition] = h
	hashMemo.Unlock()
	return h
}

// hashMemo holds the hashes of up to hashMemoSize definitions (and so keeps their text, as the
// program cache does); it starts over when full.
var hashMemo struct {
	sync.Mutex
	m map[string]string
}

const hashMemoSize = 64

func (t *target) programRef() programRef {
	source := t.VersionARN
	if source == "" {
		source = t.StateMachineARN
	}
	return programRef{Type: t.Type, Source: source, Hash: definitionHash(t.Definition)}
}

// A stored snapshot is a header naming the program and the interpreter's state:
//
//	"SFS3\n" TYPE "\n" SOURCE "\n" HASH "\n" LEN "\n" DEFINITION STATE
//
// STATE leaves out the execution's input, which the store keeps beside the snapshot
// (store.ExecutionSnapshot.Input): a large input is not written again at every step.
// Snapshots written before that start with "SFS2\n" and carry the input in STATE.
// DEFINITION is empty (LEN 0): the definition is stored once under its hash
// (store.DefinitionPut) before the execution's first commit. Snapshots written before that
// carry it in an execution's first snapshot. A restarted engine finds the definition by hash
// in its cache, else in the store's definitions, else at SOURCE (the version, or the state
// machine when it was not updated since), else among the state machine's versions.
const (
	snapshotMagic          = "SFS3\n"
	snapshotMagicWithInput = "SFS2\n"
)

func encodeSnapshot(ref programRef, ex *interp.Execution) ([]byte, error) {
	state, err := ex.SnapshotWithoutInput()
	if err != nil {
		return nil, fmt.Errorf("snapshot execution: %w", err)
	}
	var b bytes.Buffer
	b.Grow(len(snapshotMagic) + len(ref.Type) + len(ref.Source) + len(ref.Hash) + len(state) + 8)
	b.WriteString(snapshotMagic)
	for _, field := range []string{string(ref.Type), ref.Source, ref.Hash, "0"} { // no definition text (LEN 0)
		b.WriteString(field)
		b.WriteByte('\n')
	}
	b.Write(state)
	return b.Bytes(), nil
}

var errBadSnapshot = errors.New("snapshot is not in the engine's format")

// decodeSnapshot splits a stored snapshot; withInput says its state carries the execution's
// input (an SFS2 snapshot).
func decodeSnapshot(data []byte) (ref programRef, definition string, state []byte, withInput bool, err error) {
	rest, ok := bytes.CutPrefix(data, []byte(snapshotMagic))
	if !ok {
		if rest, ok = bytes.CutPrefix(data, []byte(snapshotMagicWithInput)); !ok {
			return ref, "", nil, false, errBadSnapshot
		}
		withInput = true
	}
	var fields [4][]byte
	for i := range fields {
		if fields[i], rest, ok = bytes.Cut(rest, []byte("\n")); !ok {
			return ref, "", nil, false, errBadSnapshot
		}
	}
	size, err := strconv.Atoi(string(fields[3]))
	if err != nil || size < 0 || size > len(rest) {
		return ref, "", nil, false, errBadSnapshot
	}
	ref = programRef{Type: sfn.StateMachineType(fields[0]), Source: string(fields[1]), Hash: string(fields[2])}
	return ref, string(rest[:size]), rest[size:], withInput, nil
}

// restore rebuilds the execution a stored snapshot holds, on its program.
func (e *Engine) restore(ctx context.Context, snap *store.ExecutionSnapshot) (programRef, *interp.Execution, error) {
	ref, definition, state, withInput, err := decodeSnapshot(snap.Snapshot)
	if err != nil {
		return ref, nil, err
	}
	if definition == "" {
		if definition, err = e.definitionFor(ctx, ref); err != nil {
			return ref, nil, err
		}
	}
	prog, err := e.program(definition, ref.Type, true)
	if err != nil {
		return ref, nil, err
	}
	var ex *interp.Execution
	if withInput {
		ex, err = prog.Restore(state)
	} else {
		var input any
		if input, err = jsonvalue.Decode([]byte(snap.Input)); err != nil {
			return ref, nil, fmt.Errorf("restore snapshot: the execution's input: %w", err)
		}
		ex, err = prog.RestoreWithInput(state, input)
	}
	if err != nil {
		return ref, nil, fmt.Errorf("restore snapshot: %w", err)
	}
	return ref, ex, nil
}

// definitionFor finds the definition text of ref (see snapshotMagic).
func (e *Engine) definitionFor(ctx context.Context, ref programRef) (string, error) {
	c := &e.programs
	c.mu.Lock()
	def, ok := c.definitions[ref.Hash]
	c.mu.Unlock()
	if ok {
		return def, nil
	}
	st := e.cfg.Store
	def, err := st.DefinitionGet(ctx, &store.DefinitionGetParams{Hash: ref.Hash})
	if err == nil {
		return def, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return "", fmt.Errorf("read the definition the execution started with: %w", err)
	}
	// Executions started before definitions were stored by hash (schema version 3) name
	// theirs by where it was read from.
	if v, err := st.StateMachineVersionGetByARN(ctx, &store.StateMachineVersionGetByARNParams{ARN: ref.Source}); err == nil && definitionHash(v.Definition) == ref.Hash {
		return v.Definition, nil
	}
	machineARN := ref.Source
	if a, err := sfn.ParseARN(ref.Source); err == nil {
		if name, _, qualified := strings.Cut(a.Resource, ":"); qualified {
			machineARN = strings.TrimSuffix(ref.Source, a.Resource) + name
		}
	}
	if sm, err := st.StateMachineGetByARN(ctx, &store.StateMachineGetByARNParams{ARN: machineARN}); err == nil && definitionHash(sm.Definition) == ref.Hash {
		return sm.Definition, nil
	}
	next := ""
	for {
		page, err := st.StateMachineVersionList(ctx, &store.StateMachineVersionListParams{StateMachineARN: machineARN,
			MaxResults: store.MaxPageSize, NextToken: next})
		if err != nil {
			break
		}
		for _, v := range page.Versions {
			if definitionHash(v.Definition) == ref.Hash {
				return v.Definition, nil
			}
		}
		if page.NextToken == "" {
			break
		}
		next = page.NextToken
	}
	return "", fmt.Errorf("the definition the execution started with (%s of %s) is no longer stored", ref.Hash[:min(12, len(ref.Hash))], ref.Source)
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
