// Package webhook turns signed HTTP requests into events: POST /webhooks/NAME puts the
// request's JSON body, as the event's detail, on the bus the webhook NAME is configured for,
// with its configured source and detail-type.
//
// Webhooks sign their requests the way GitHub and Stripe do, with a secret shared per
// webhook: the header X-Stepflow-Signature: t=UNIX_SECONDS,v1=HEX carries
// HEX(HMAC-SHA256(secret, UNIX_SECONDS + "." + body)). The signature is compared in constant
// time; a timestamp more than five minutes from the server's clock is refused, and so is a
// signature already accepted within that window, so a captured request cannot be replayed.
// Events go through the bus's PutEvents, so rules, durable delivery and metrics apply as to
// any other event.
package webhook
