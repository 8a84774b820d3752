package store

import "time"

// Webhooks made through the API (those of the config file are not stored), and the
// signatures webhooks accepted, kept while a replay of them could still pass the signature
// check, so that every server sharing the store refuses a replay.

// Webhook is a webhook made through the API. Config is its settings (source, detail-type,
// bus, signature format) as JSON; Secret is its shared secret as the server keeps it (sealed
// with the server key when there is one).
type Webhook struct {
	Name        string
	ARN         string
	Config      string
	Secret      string
	CreatedDate time.Time
}

// WebhookCreateParams creates a webhook; an existing name gives an *AlreadyExistsError.
type WebhookCreateParams struct{ Webhook Webhook }

// WebhookGetParams names the webhook to read.
type WebhookGetParams struct{ Name string }

// WebhookListParams lists every stored webhook, by name.
type WebhookListParams struct{}

// WebhookDeleteParams deletes a webhook with the signatures it accepted.
type WebhookDeleteParams struct{ Name string }

// WebhookSignatureTakeParams records that a webhook accepted a signature, until ExpiresAt.
// A signature the webhook holds already (not expired at Now) gives an *AlreadyExistsError:
// the request is a replay. Expired signatures of the webhook are dropped on the way.
type WebhookSignatureTakeParams struct {
	WebhookName string
	Signature   string
	Now         time.Time
	ExpiresAt   time.Time
}

// WebhookSignatureReleaseParams forgets a signature taken for a request whose event was not
// put after all, so that the sender may send it again.
type WebhookSignatureReleaseParams struct {
	WebhookName string
	Signature   string
}
