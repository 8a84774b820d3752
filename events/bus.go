package events

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stepflow/stepflow/engine"
	"github.com/stepflow/stepflow/events/pattern"
	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

// DefaultBusName is the bus every account has.
const DefaultBusName = "default"

// Defaults of the Config fields left zero.
const (
	DefaultPollInterval  = time.Second
	DefaultLeaseDuration = 30 * time.Second
	// DefaultRulesTTL bounds how long a node matches with rules read from the store before
	// it reads them again, so that rule changes made on another node take effect.
	DefaultRulesTTL = 5 * time.Second
)

// Starter starts executions: the engine.
type Starter interface {
	StartExecution(ctx context.Context, p *engine.StartExecutionParams) (*store.Execution, error)
}

// Config configures a Bus.
type Config struct {
	Store   store.Store
	Starter Starter
	Scope   sfn.Scope
	// NodeID names this process in delivery leases; it should be the engine's NodeID (stable
	// across restarts), so that Start takes back at once the deliveries a crash left leased.
	NodeID string
	Logger *slog.Logger
	// Metrics receives EventBridge's counts; nil records nothing.
	Metrics Recorder
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// PollInterval is how often the store is asked for due deliveries (those retried, or
	// accepted by another node); 0 means DefaultPollInterval.
	PollInterval time.Duration
	// LeaseDuration is how long a node owns a delivery it took; 0 means DefaultLeaseDuration.
	LeaseDuration time.Duration
	// RulesTTL: see DefaultRulesTTL.
	RulesTTL time.Duration
}

// Bus is the event layer: the EventBridge API's operations, delivery and status-change events.
type Bus struct {
	cfg Config
	log *slog.Logger

	mu    sync.Mutex
	rules map[string]*busRules // by bus name

	kick chan struct{}
	// statusDeliveries counts the status-change deliveries handed to the engine since the
	// last wake: the engine's commit of them wakes delivery (see StatusChanged).
	statusDeliveries atomic.Int64
	stop             context.CancelFunc
	done             sync.WaitGroup
}

// busRules are one bus's enabled rules, compiled, with their targets.
type busRules struct {
	set     *pattern.Set
	byName  map[string]*ruleTargets
	fetched time.Time
}

type ruleTargets struct {
	rule    *store.EventRule
	targets []*store.EventTarget
}

// New returns a bus; Start begins delivery.
func New(cfg Config) (*Bus, error) {
	if cfg.Store == nil || cfg.Starter == nil {
		return nil, errors.New("events: Config.Store and Config.Starter are required")
	}
	if cfg.Scope == (sfn.Scope{}) {
		cfg.Scope = sfn.DefaultScope
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Metrics == nil {
		cfg.Metrics = discard{}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.NodeID == "" {
		cfg.NodeID = "events-" + newEventID()[:8]
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	if cfg.LeaseDuration <= 0 {
		cfg.LeaseDuration = DefaultLeaseDuration
	}
	if cfg.RulesTTL <= 0 {
		cfg.RulesTTL = DefaultRulesTTL
	}
	return &Bus{
		cfg:   cfg,
		log:   cfg.Logger,
		rules: map[string]*busRules{},
		kick:  make(chan struct{}, 1),
	}, nil
}

// Start takes back the deliveries an earlier life of this node left leased and starts the
// delivery loop.
func (b *Bus) Start(ctx context.Context) error {
	if _, err := b.cfg.Store.EventDeliveryRelease(ctx, &store.EventDeliveryReleaseParams{Owner: b.cfg.NodeID, Now: b.now()}); err != nil {
		return err
	}
	bg, cancel := context.WithCancel(context.Background())
	b.stop = cancel
	b.done.Add(1)
	go func() { defer b.done.Done(); b.deliverLoop(bg) }()
	return nil
}

// Close stops the loops. Deliveries not made stay in the store for the next start.
func (b *Bus) Close() {
	if b.stop != nil {
		b.stop()
	}
	b.done.Wait()
}

func (b *Bus) now() time.Time { return store.Stamp(b.cfg.Now()) }

// ARNs of the bus's resources.
func (b *Bus) busARN(name string) string {
	return "arn:" + b.cfg.Scope.Partition + ":events:" + b.cfg.Scope.Region + ":" + b.cfg.Scope.Account + ":event-bus/" + name
}

func (b *Bus) ruleARN(bus, name string) string {
	prefix := "arn:" + b.cfg.Scope.Partition + ":events:" + b.cfg.Scope.Region + ":" + b.cfg.Scope.Account + ":rule/"
	if bus == DefaultBusName {
		return prefix + name
	}
	return prefix + bus + "/" + name
}

// invalidate drops a bus's compiled rules after a change to them.
func (b *Bus) invalidate(bus string) {
	b.mu.Lock()
	delete(b.rules, bus)
	b.mu.Unlock()
}

// compiled returns a bus's enabled rules, compiled, reading them again when older than the TTL.
func (b *Bus) compiled(ctx context.Context, bus string) (*busRules, error) {
	now := time.Now()
	b.mu.Lock()
	br, ok := b.rules[bus]
	b.mu.Unlock()
	if ok && now.Sub(br.fetched) < b.cfg.RulesTTL {
		return br, nil
	}
	br = &busRules{set: pattern.NewSet(), byName: map[string]*ruleTargets{}, fetched: now}
	token := ""
	for {
		page, err := b.cfg.Store.EventRuleList(ctx, &store.EventRuleListParams{BusName: bus, MaxResults: store.MaxPageSize, NextToken: token})
		if err != nil {
			return nil, err
		}
		for _, r := range page.Rules {
			if r.State != store.EventRuleEnabled || r.EventPattern == "" {
				continue
			}
			p, err := pattern.Parse(r.EventPattern)
			if err != nil {
				b.log.Warn("stored event pattern does not compile", "rule", r.ARN, "err", err)
				continue
			}
			br.set.Add(r.Name, p)
			br.byName[r.Name] = &ruleTargets{rule: r}
		}
		if token = page.NextToken; token == "" {
			break
		}
	}
	targets, err := b.cfg.Store.EventTargetList(ctx, &store.EventTargetListParams{BusName: bus})
	if err != nil {
		return nil, err
	}
	for _, t := range targets {
		if rt := br.byName[t.RuleName]; rt != nil {
			rt.targets = append(rt.targets, t)
		}
	}
	b.mu.Lock()
	b.rules[bus] = br
	b.mu.Unlock()
	return br, nil
}

// Account is the account id the bus's ARNs and events carry.
func (b *Bus) Account() string { return b.cfg.Scope.Account }

// Wake tells the delivery loop that deliveries were written (by the scheduler, say) and are
// due now, so it need not wait for its next poll.
func (b *Bus) Wake() { b.wake() }
