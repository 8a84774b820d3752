package engine

import (
	"context"
	"sync"
	"time"

	"github.com/stepflow/stepflow/store"
)

// targetCacheTTL is how long a start reuses the state machine, version or alias record an
// earlier start read. AWS documents that executions started shortly after UpdateStateMachine
// may still use the previous definition; this process forgets its records at once when the
// API changes one (Engine.ForgetTargets), so only another node's change can take this long to
// be seen.
const targetCacheTTL = time.Second

// targetCache keeps the records StartExecution reads, by ARN: reading them again for every
// start was a twentieth of a durable start's work.
type targetCache struct {
	mu       sync.Mutex
	machines map[string]cached[*store.StateMachine]
	versions map[string]cached[*store.StateMachineVersion]
	aliases  map[string]cached[*store.StateMachineAlias]
}

type cached[T any] struct {
	value   T
	expires time.Time
}

// ForgetTargets drops the records the engine keeps for starting executions; the API calls it
// after it changes a state machine, version or alias, so the next start reads the change.
func (e *Engine) ForgetTargets() {
	c := &e.targets
	c.mu.Lock()
	c.machines, c.versions, c.aliases = nil, nil, nil
	c.mu.Unlock()
}

// lookup returns m[key] while it is fresh, else reads it with load and keeps it.
func lookup[T any](c *targetCache, m *map[string]cached[T], key string, load func() (T, error)) (T, error) {
	now := time.Now()
	c.mu.Lock()
	entry, ok := (*m)[key]
	c.mu.Unlock()
	if ok && now.Before(entry.expires) {
		return entry.value, nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if *m == nil {
		*m = map[string]cached[T]{}
	}
	(*m)[key] = cached[T]{value: v, expires: now.Add(targetCacheTTL)}
	c.mu.Unlock()
	return v, nil
}

func (e *Engine) stateMachine(ctx context.Context, arn string) (*store.StateMachine, error) {
	return lookup(&e.targets, &e.targets.machines, arn, func() (*store.StateMachine, error) {
		return e.cfg.Store.StateMachineGetByARN(ctx, &store.StateMachineGetByARNParams{ARN: arn})
	})
}

func (e *Engine) stateMachineVersion(ctx context.Context, arn string) (*store.StateMachineVersion, error) {
	return lookup(&e.targets, &e.targets.versions, arn, func() (*store.StateMachineVersion, error) {
		return e.cfg.Store.StateMachineVersionGetByARN(ctx, &store.StateMachineVersionGetByARNParams{ARN: arn})
	})
}

func (e *Engine) stateMachineAlias(ctx context.Context, arn string) (*store.StateMachineAlias, error) {
	return lookup(&e.targets, &e.targets.aliases, arn, func() (*store.StateMachineAlias, error) {
		return e.cfg.Store.StateMachineAliasGetByARN(ctx, &store.StateMachineAliasGetByARNParams{ARN: arn})
	})
}

// CachedStateMachine returns the state machine as starts see it: the record this engine read
// within the last second (forgotten at once when the API changes it), else the store's. The
// API checks a start's target with it, so that a start reads no record twice.
func (e *Engine) CachedStateMachine(ctx context.Context, arn string) (*store.StateMachine, error) {
	return e.stateMachine(ctx, arn)
}

// CachedStateMachineVersion is CachedStateMachine for a version.
func (e *Engine) CachedStateMachineVersion(ctx context.Context, arn string) (*store.StateMachineVersion, error) {
	return e.stateMachineVersion(ctx, arn)
}

// CachedStateMachineAlias is CachedStateMachine for an alias.
func (e *Engine) CachedStateMachineAlias(ctx context.Context, arn string) (*store.StateMachineAlias, error) {
	return e.stateMachineAlias(ctx, arn)
}
