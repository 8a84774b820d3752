package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/stepflow/stepflow/engine"
	"github.com/stepflow/stepflow/store"
)

// deliveryBatch is how many due deliveries one lease takes.
const deliveryBatch = 50

// maxBackoff caps the wait between two attempts of a delivery.
const maxBackoff = 5 * time.Minute

// wake tells the delivery loop that deliveries are due now.
func (b *Bus) wake() {
	select {
	case b.kick <- struct{}{}:
	default:
	}
}

// deliverLoop leases due deliveries and makes them, on a kick and every PollInterval.
func (b *Bus) deliverLoop(ctx context.Context) {
	ticker := time.NewTicker(b.cfg.PollInterval)
	defer ticker.Stop()
	for {
		for {
			n, err := b.deliverDue(ctx)
			if err != nil && ctx.Err() == nil {
				b.log.Warn("event delivery", "err", err)
			}
			if n < deliveryBatch || err != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-b.kick:
		case <-ticker.C:
		}
	}
}

// deliverDue makes one batch of due deliveries and returns how many it took.
func (b *Bus) deliverDue(ctx context.Context) (int, error) {
	now := b.now()
	leased, err := b.cfg.Store.EventDeliveryLease(ctx, &store.EventDeliveryLeaseParams{
		Owner: b.cfg.NodeID, Now: now, Until: now.Add(b.cfg.LeaseDuration), Limit: deliveryBatch})
	if err != nil {
		return 0, err
	}
	for _, d := range leased {
		if ctx.Err() != nil {
			// Left leased to this node: the next start takes it back.
			return len(leased), nil
		}
		if err := b.deliver(ctx, d); err != nil && ctx.Err() == nil {
			b.log.Warn("record event delivery", "delivery", d.ID, "err", err)
		}
	}
	return len(leased), nil
}

// deliver makes one attempt of a delivery and records its outcome.
func (b *Bus) deliver(ctx context.Context, d *store.EventDelivery) error {
	var t Target
	if err := json.Unmarshal([]byte(d.Target), &t); err != nil {
		return b.giveUp(ctx, d, &t, fmt.Errorf("target configuration: %w", err))
	}
	now := b.now()
	if now.Sub(d.EventTime) > time.Duration(t.maxAgeSeconds())*time.Second {
		return b.giveUp(ctx, d, &t, errors.New("the event is older than the target's MaximumEventAgeInSeconds"))
	}
	input, err := targetInput(&t, d.Event, deliveryContext{ruleARN: d.RuleARN, ruleName: d.RuleName, ingested: d.EventTime})
	if err != nil {
		return b.giveUp(ctx, d, &t, fmt.Errorf("shape the target's input: %w", err))
	}
	_, err = b.cfg.Starter.StartExecution(ctx, &engine.StartExecutionParams{StateMachineARN: t.Arn, Name: d.ID, Input: input})
	var exists *engine.ExecutionAlreadyExistsError
	if err == nil || errors.As(err, &exists) {
		// An execution of this name exists: an earlier attempt started it (and it may have
		// ended since), so the delivery was made.
		b.cfg.Metrics.Invocation(d.RuleARN, false)
		return b.cfg.Store.EventDeliveryDelete(ctx, &store.EventDeliveryDeleteParams{ID: d.ID})
	}
	if ctx.Err() != nil || errors.Is(err, engine.ErrClosed) {
		return nil // shutting down: the lease runs out and the delivery is made again
	}
	attempts := d.Attempts + 1
	if !retryable(err) || attempts > t.maxAttempts() {
		d.Attempts = attempts
		return b.giveUp(ctx, d, &t, err)
	}
	b.log.Info("event delivery failed; retrying", "delivery", d.ID, "target", t.Arn, "attempt", attempts, "err", err)
	return b.cfg.Store.EventDeliveryUpdate(ctx, &store.EventDeliveryUpdateParams{
		ID: d.ID, State: store.EventDeliveryPending, Attempts: attempts, NextAttemptAt: now.Add(backoff(attempts)), LastError: err.Error()})
}

// giveUp ends a delivery that failed for good: kept as a dead letter when the target has a
// DeadLetterConfig, dropped otherwise.
func (b *Bus) giveUp(ctx context.Context, d *store.EventDelivery, t *Target, cause error) error {
	b.cfg.Metrics.Invocation(d.RuleARN, true)
	b.log.Warn("event delivery failed", "delivery", d.ID, "rule", d.RuleARN, "target", t.Arn, "attempts", d.Attempts, "err", cause)
	if d.DeadLetterARN == "" {
		return b.cfg.Store.EventDeliveryDelete(ctx, &store.EventDeliveryDeleteParams{ID: d.ID})
	}
	b.cfg.Metrics.DeadLetter(d.RuleARN)
	return b.cfg.Store.EventDeliveryUpdate(ctx, &store.EventDeliveryUpdateParams{
		ID: d.ID, State: store.EventDeliveryDead, Attempts: d.Attempts, NextAttemptAt: b.now(), LastError: cause.Error()})
}

// retryable says whether a failed start may succeed later. A state machine that does not
// exist or an input it refuses will not change by waiting, as EventBridge does not retry
// "resource not found" and "invalid input" errors.
func retryable(err error) bool {
	var (
		input    *engine.InvalidExecutionInputError
		arn      *engine.InvalidARNError
		notFound *store.NotFoundError
	)
	return !errors.As(err, &input) && !errors.As(err, &arn) && !errors.As(err, &notFound)
}

// backoff is the wait before attempt n+1: exponential from one second, jittered, capped.
func backoff(attempts int) time.Duration {
	d := maxBackoff
	if attempts < 20 {
		d = min(time.Second<<(attempts-1), maxBackoff)
	}
	return d/2 + rand.N(d/2+1)
}

// DeadLetters lists deliveries kept after failing for good, optionally of one dead-letter ARN.
func (b *Bus) DeadLetters(ctx context.Context, deadLetterARN string, limit int, token string) (*store.EventDeliveryListResult, error) {
	return b.cfg.Store.EventDeliveryList(ctx, &store.EventDeliveryListParams{State: store.EventDeliveryDead, DeadLetterARN: deadLetterARN, MaxResults: limit, NextToken: token})
}
