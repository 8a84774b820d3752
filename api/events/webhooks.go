package events

import (
	"context"

	"github.com/stepflow/stepflow/api"
	"github.com/stepflow/stepflow/events/webhook"
)

// Option adds to the EventBridge API.
type Option func(*handler, map[string]api.Action)

// WithWebhooks serves Stepflow's own webhook actions beside EventBridge's: CreateWebhook,
// DescribeWebhook, ListWebhooks and DeleteWebhook (EventBridge has no webhooks; these are
// shaped as its actions are, and authorized as events:CreateWebhook and so on).
func WithWebhooks(hooks *webhook.Handler) Option {
	return func(h *handler, actions map[string]api.Action) {
		h.webhooks = hooks
		actions["CreateWebhook"] = api.Handle(h.createWebhook)
		actions["DescribeWebhook"] = api.Handle(h.describeWebhook)
		actions["ListWebhooks"] = api.Handle(h.listWebhooks)
		actions["DeleteWebhook"] = api.Handle(h.deleteWebhook)
	}
}

type createWebhookInput struct {
	Name            string
	Source          string
	DetailType      string
	EventBusName    string
	SignatureFormat string
	Secret          string
}

type webhookOutput struct {
	Name            string
	WebhookArn      string
	Source          string
	DetailType      string
	EventBusName    string
	SignatureFormat string
	Origin          string
	CreationTime    *epoch `json:",omitempty"`
	// Path is where senders POST: the server's address and this path.
	Path string
}

type createWebhookOutput struct {
	webhookOutput
	// Secret is shown this once; the server keeps it sealed.
	Secret string
}

func describedWebhook(w *webhook.Webhook) webhookOutput {
	return webhookOutput{Name: w.Name, WebhookArn: w.ARN, Source: w.Source, DetailType: w.DetailType, EventBusName: w.EventBusName,
		SignatureFormat: w.SignatureFormat, Origin: w.Origin, CreationTime: epochPtr(w.CreationTime), Path: webhook.Prefix + w.Name}
}

func (h *handler) createWebhook(ctx context.Context, in *createWebhookInput) (*createWebhookOutput, error) {
	for _, f := range []struct{ value, name string }{{in.Name, "name"}, {in.Source, "source"}, {in.DetailType, "detailType"}} {
		if err := required(f.value, f.name); err != nil {
			return nil, err
		}
	}
	w, secret, err := h.webhooks.Create(ctx, &webhook.CreateParams{Name: in.Name, Source: in.Source, DetailType: in.DetailType,
		EventBusName: in.EventBusName, SignatureFormat: in.SignatureFormat, Secret: in.Secret})
	if err != nil {
		return nil, fail(err)
	}
	return &createWebhookOutput{webhookOutput: describedWebhook(w), Secret: secret}, nil
}

type webhookNameInput struct{ Name string }

func (h *handler) describeWebhook(ctx context.Context, in *webhookNameInput) (*webhookOutput, error) {
	if err := required(in.Name, "name"); err != nil {
		return nil, err
	}
	w, err := h.webhooks.Describe(ctx, in.Name)
	if err != nil {
		return nil, fail(err)
	}
	out := describedWebhook(w)
	return &out, nil
}

type listWebhooksInput struct{}

type listWebhooksOutput struct{ Webhooks []webhookOutput }

func (h *handler) listWebhooks(ctx context.Context, _ *listWebhooksInput) (*listWebhooksOutput, error) {
	ws, err := h.webhooks.List(ctx)
	if err != nil {
		return nil, fail(err)
	}
	out := &listWebhooksOutput{Webhooks: []webhookOutput{}}
	for _, w := range ws {
		out.Webhooks = append(out.Webhooks, describedWebhook(w))
	}
	return out, nil
}

type emptyOutput struct{}

func (h *handler) deleteWebhook(ctx context.Context, in *webhookNameInput) (*emptyOutput, error) {
	if err := required(in.Name, "name"); err != nil {
		return nil, err
	}
	if err := h.webhooks.Delete(ctx, in.Name); err != nil {
		return nil, fail(err)
	}
	return &emptyOutput{}, nil
}
