// Package webhook turns signed HTTP requests into events: POST /webhooks/NAME puts the
// request's JSON body, as the event's detail, on the bus the webhook NAME is configured for,
// with its configured source and detail-type.
//
// Webhooks come from the server's config file or from the API (Handler.Create, stored with
// their secret sealed by the server key). They sign their requests with a secret shared per
// webhook, as Stripe does (X-Stepflow-Signature: t=UNIX_SECONDS,v1=HEX carries
// HEX(HMAC-SHA256(secret, UNIX_SECONDS + "." + body)), refused beyond five minutes) or as
// GitHub does (X-Hub-Signature-256: sha256=HEX over the body). Signatures are compared in
// constant time, and each one accepted is kept in the store while a replay of it could
// pass, so every server sharing the store refuses the replay.
// Events go through the bus's PutEvents, so rules, durable delivery and metrics apply as to
// any other event.
package webhook
