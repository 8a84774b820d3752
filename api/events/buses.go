package events

import (
	"context"

	"github.com/stepflow/stepflow/store"
)

type createEventBusInput struct {
	Name            string
	EventSourceName string
	Description     string
	Tags            []tag
}

type createEventBusOutput struct {
	EventBusArn string
	Description string `json:",omitempty"`
}

func (h *handler) createEventBus(ctx context.Context, in *createEventBusInput) (*createEventBusOutput, error) {
	if err := required(in.Name, "name"); err != nil {
		return nil, err
	}
	bus, err := h.bus.CreateEventBus(ctx, in.Name, in.Description)
	if err != nil {
		return nil, fail(err)
	}
	if len(in.Tags) > 0 {
		if err := h.setTags(ctx, bus.ARN, in.Tags); err != nil {
			return nil, err
		}
	}
	return &createEventBusOutput{EventBusArn: bus.ARN, Description: bus.Description}, nil
}

type eventBusInput struct {
	Name string
}

type eventBusOutput struct {
	Name             string
	Arn              string
	Description      string `json:",omitempty"`
	CreationTime     *epoch `json:",omitempty"`
	LastModifiedTime *epoch `json:",omitempty"`
}

func busOut(b *store.EventBus) *eventBusOutput {
	return &eventBusOutput{Name: b.Name, Arn: b.ARN, Description: b.Description,
		CreationTime: epochPtr(b.CreatedDate), LastModifiedTime: epochPtr(b.UpdatedDate)}
}

func (h *handler) describeEventBus(ctx context.Context, in *eventBusInput) (*eventBusOutput, error) {
	b, err := h.bus.DescribeEventBus(ctx, in.Name)
	if err != nil {
		return nil, fail(err)
	}
	return busOut(b), nil
}

func (h *handler) deleteEventBus(ctx context.Context, in *eventBusInput) (*empty, error) {
	if err := required(in.Name, "name"); err != nil {
		return nil, err
	}
	if err := h.bus.DeleteEventBus(ctx, in.Name); err != nil {
		return nil, fail(err)
	}
	return &empty{}, nil
}

type listEventBusesInput struct {
	NamePrefix string
	NextToken  string
	Limit      *int
}

type listEventBusesOutput struct {
	EventBuses []*eventBusOutput
	NextToken  string `json:",omitempty"`
}

func (h *handler) listEventBuses(ctx context.Context, in *listEventBusesInput) (*listEventBusesOutput, error) {
	if err := checkLimit(in.Limit); err != nil {
		return nil, err
	}
	buses, next, err := h.bus.ListEventBuses(ctx, in.NamePrefix, limitOf(in.Limit), in.NextToken)
	if err != nil {
		return nil, fail(err)
	}
	out := &listEventBusesOutput{EventBuses: []*eventBusOutput{}, NextToken: next}
	for _, b := range buses {
		out.EventBuses = append(out.EventBuses, busOut(b))
	}
	return out, nil
}
