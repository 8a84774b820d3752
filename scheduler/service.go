package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/stepflow/stepflow/sfn"
	"github.com/stepflow/stepflow/store"
)

// DefaultPollInterval is how often the service looks for due schedules.
const DefaultPollInterval = time.Second

// dueBatch is how many due schedules one look takes.
const dueBatch = 100

// maxCatchUp bounds the slots walked to find the latest one missed: a rate(1 minute)
// schedule left behind for two years.
const maxCatchUp = 1 << 20

// Waker is told that deliveries were written: the event bus, whose delivery loop starts
// the targets.
type Waker interface{ Wake() }

// Recorder receives the scheduler's counts.
type Recorder interface {
	// ScheduleFired counts a fired slot and how long after its fire time it fired.
	ScheduleFired(scheduleARN string, lateness time.Duration)
}

type discard struct{}

func (discard) ScheduleFired(string, time.Duration) {}

// Config configures a Service.
type Config struct {
	Store store.Store
	// Deliveries is woken after a fire; nil leaves the deliveries to the bus's own polling.
	Deliveries Waker
	Scope      sfn.Scope
	Logger     *slog.Logger
	Metrics    Recorder
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// PollInterval: see DefaultPollInterval.
	PollInterval time.Duration
	// RuleEvents makes the deliveries of a fire of an EventBridge scheduled rule: the event
	// bus's ScheduledRuleDeliveries. Without it those schedules do not fire.
	RuleEvents func(ctx context.Context, busName, ruleName string, slot, now time.Time) ([]*store.EventDelivery, error)
}

// Service is the Scheduler: its API's operations and the loop that fires due slots.
type Service struct {
	cfg  Config
	log  *slog.Logger
	stop context.CancelFunc
	done sync.WaitGroup
}

// New returns a service; Start begins firing.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("scheduler: Config.Store is required")
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
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	return &Service{cfg: cfg, log: cfg.Logger}, nil
}

// Start runs the firing loop until Close.
func (s *Service) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	s.done.Add(1)
	go func() {
		defer s.done.Done()
		ticker := time.NewTicker(s.cfg.PollInterval)
		defer ticker.Stop()
		for {
			if _, err := s.FireDue(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("fire schedules", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-ticker.C:
			}
		}
	}()
}

// Close stops the loop.
func (s *Service) Close() {
	if s.stop != nil {
		s.stop()
	}
	s.done.Wait()
}

func (s *Service) now() time.Time { return store.Stamp(s.cfg.Now()) }

// FireDue fires every slot due now and returns how many fired. Nodes sharing a store may
// call it at once: each slot fires on one of them (see store.ScheduleFireParams).
func (s *Service) FireDue(ctx context.Context) (int, error) {
	fired := 0
	for {
		now := s.now()
		due, err := s.cfg.Store.ScheduleDue(ctx, &store.ScheduleDueParams{Now: now, Limit: dueBatch})
		if err != nil {
			return fired, err
		}
		progressed := false
		for _, sc := range due {
			ok, moved, err := s.fire(ctx, sc, now)
			if err != nil {
				if ctx.Err() != nil {
					return fired, err
				}
				s.log.Warn("fire schedule", "schedule", sc.ARN, "err", err)
				continue
			}
			if ok {
				fired++
			}
			progressed = progressed || moved
		}
		if len(due) < dueBatch || !progressed {
			break
		}
	}
	if fired > 0 && s.cfg.Deliveries != nil {
		s.cfg.Deliveries.Wake()
	}
	return fired, nil
}

// fire fires a due schedule's slot. When several slots passed while no node ran (or all
// were behind), they are fired as one: the latest of them, late. It says whether the slot
// fired here and whether the schedule moved on (here or on another node).
func (s *Service) fire(ctx context.Context, sc *store.Schedule, now time.Time) (fired, moved bool, err error) {
	var def Definition
	if err := json.Unmarshal([]byte(sc.Definition), &def); err != nil {
		return false, false, fmt.Errorf("stored definition: %w", err)
	}
	plan, err := NewPlan(&def, sc.ID, sc.CreatedDate)
	if err != nil {
		return false, false, fmt.Errorf("stored definition: %w", err)
	}
	slot := *sc.NextSlot
	for range maxCatchUp {
		n, ok := plan.NextSlot(slot)
		if !ok || plan.FireAt(n).After(now) {
			break
		}
		slot = n
	}
	next, more := plan.NextSlot(slot)
	params := &store.ScheduleFireParams{GroupName: sc.GroupName, Name: sc.Name, Version: sc.Version, Slot: slot, FiredAt: now,
		ExecutionName: ExecutionName(sc.Name, sc.ID, slot),
		Delete:        !more && def.ActionAfterCompletion == CompletionDelete}
	if more {
		fireAt := plan.FireAt(next)
		params.NextSlot, params.NextFireAt = &next, &fireAt
	}
	if rule := def.EventRule; rule != nil {
		if s.cfg.RuleEvents == nil {
			return false, false, errors.New("a scheduled rule's schedule, and no event bus to fire it")
		}
		if params.Deliveries, err = s.cfg.RuleEvents(ctx, rule.BusName, rule.Name, slot, now); err != nil {
			return false, false, err
		}
	} else {
		delivery, err := s.delivery(sc, &def, params.ExecutionName, slot, now)
		if err != nil {
			return false, false, err
		}
		params.Delivery = delivery
	}
	res, err := s.cfg.Store.ScheduleFire(ctx, params)
	if err != nil {
		return false, false, err
	}
	if res.Fired {
		s.cfg.Metrics.ScheduleFired(sc.ARN, now.Sub(plan.FireAt(slot)))
		s.log.Info("schedule fired", "schedule", sc.ARN, "slot", slot, "execution", params.ExecutionName)
	}
	return res.Fired, true, nil
}

// deliveryTarget is the events layer's target shape, which its delivery loop reads.
type deliveryTarget struct {
	Id               string            `json:"Id"`
	Arn              string            `json:"Arn"`
	RoleArn          string            `json:"RoleArn,omitempty"`
	Input            string            `json:"Input,omitempty"`
	RetryPolicy      *RetryPolicy      `json:"RetryPolicy,omitempty"`
	DeadLetterConfig *DeadLetterConfig `json:"DeadLetterConfig,omitempty"`
}

// delivery is the start of a slot's execution, made by the event layer's durable delivery
// (with its retries, dead letters and execution-name idempotency).
func (s *Service) delivery(sc *store.Schedule, def *Definition, name string, slot, now time.Time) (*store.EventDelivery, error) {
	input := strings.NewReplacer(
		"<aws.scheduler.schedule-arn>", sc.ARN,
		"<aws.scheduler.scheduled-time>", slot.UTC().Format(time.RFC3339),
		"<aws.scheduler.execution-id>", name,
	).Replace(def.Target.Input)
	target, err := json.Marshal(deliveryTarget{Id: "scheduler", Arn: def.Target.Arn, RoleArn: def.Target.RoleArn, Input: input,
		RetryPolicy: def.Target.RetryPolicy, DeadLetterConfig: def.Target.DeadLetterConfig})
	if err != nil {
		return nil, err
	}
	dlq := ""
	if def.Target.DeadLetterConfig != nil {
		dlq = def.Target.DeadLetterConfig.Arn
	}
	return &store.EventDelivery{ID: name, EventID: name, RuleName: sc.GroupName + "/" + sc.Name, RuleARN: sc.ARN,
		TargetID: "scheduler", Target: string(target), Event: "{}", EventTime: slot, State: store.EventDeliveryPending,
		NextAttemptAt: now, DeadLetterARN: dlq, CreatedDate: now}, nil
}
