package storetest

import (
	"sync"
	"testing"

	"github.com/stepflow/stepflow/store"
)

func testWebhook(t *testing.T, s store.Store) {
	hook := func(name string) store.Webhook {
		return store.Webhook{Name: name, ARN: eventsARN + "webhook/" + name, Config: `{"Source":"s"}`, Secret: "sealed-" + name, CreatedDate: t0}
	}
	created := must(s.WebhookCreate(ctx, &store.WebhookCreateParams{Webhook: hook("b")})).get(t)
	want := hook("b")
	want.CreatedDate = at(0)
	equal(t, "created", created, &want)
	equal(t, "got", must(s.WebhookGet(ctx, &store.WebhookGetParams{Name: "b"})).get(t), &want)
	_, err := s.WebhookCreate(ctx, &store.WebhookCreateParams{Webhook: hook("b")})
	wantError(t, err, "webhook b already exists")
	must(s.WebhookCreate(ctx, &store.WebhookCreateParams{Webhook: hook("a")})).get(t)
	list := must(s.WebhookList(ctx, &store.WebhookListParams{})).get(t)
	equal(t, "listed", len(list), 2)
	equal(t, "order", list[0].Name+list[1].Name, "ab")

	take := func(name, sig string, now, expires int) error {
		return s.WebhookSignatureTake(ctx, &store.WebhookSignatureTakeParams{WebhookName: name, Signature: sig, Now: at(now), ExpiresAt: at(expires)})
	}
	check(t, take("b", "sig", 0, 600))
	wantError(t, take("b", "sig", 599, 1199), "webhook signature b already exists")
	check(t, take("a", "sig", 1, 601)) // another webhook's signature is its own
	check(t, take("b", "sig", 600, 1200))
	check(t, s.WebhookSignatureRelease(ctx, &store.WebhookSignatureReleaseParams{WebhookName: "b", Signature: "sig"}))
	check(t, take("b", "sig", 601, 1201))

	// Of many servers taking one signature at once, one does.
	var wg sync.WaitGroup
	taken := make(chan error, 8)
	for range 8 {
		wg.Go(func() { taken <- take("a", "racing", 2, 602) })
	}
	wg.Wait()
	close(taken)
	ok := 0
	for err := range taken {
		if err == nil {
			ok++
		}
	}
	equal(t, "racing takes that succeeded", ok, 1)

	check(t, s.WebhookDelete(ctx, &store.WebhookDeleteParams{Name: "b"}))
	wantError(t, s.WebhookDelete(ctx, &store.WebhookDeleteParams{Name: "b"}), "webhook b does not exist")
	_, err = s.WebhookGet(ctx, &store.WebhookGetParams{Name: "b"})
	wantError(t, err, "webhook b does not exist")
	// Its signatures went with it: a webhook made again under the name starts afresh.
	must(s.WebhookCreate(ctx, &store.WebhookCreateParams{Webhook: hook("b")})).get(t)
	check(t, take("b", "sig", 602, 1202))
}
