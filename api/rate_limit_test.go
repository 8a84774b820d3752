package api

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awssfn "github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/stepflow/stepflow/iam"
	"github.com/stepflow/stepflow/store"
)

func TestParseRateLimit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want RateLimit
		err  string
	}{
		{in: "10", want: RateLimit{PerSecond: 10, Burst: 10}},
		{in: "10:50", want: RateLimit{PerSecond: 10, Burst: 50}},
		{in: "0.5", want: RateLimit{PerSecond: 0.5, Burst: 1}},
		{in: "2.5:1", want: RateLimit{PerSecond: 2.5, Burst: 1}},
		{in: "0", err: `want RPS[:BURST] with RPS a number of requests per second above 0 and at most 1e+06, not "0"`},
		{in: "-1", err: `want RPS[:BURST] with RPS a number of requests per second above 0 and at most 1e+06, not "-1"`},
		{in: "NaN", err: `want RPS[:BURST] with RPS a number of requests per second above 0 and at most 1e+06, not "NaN"`},
		{in: "", err: `want RPS[:BURST] with RPS a number of requests per second above 0 and at most 1e+06, not ""`},
		{in: "5:0", err: `want RPS[:BURST] with BURST a whole number of requests from 1 to 1e+06, not "5:0"`},
		{in: "5:1.5", err: `want RPS[:BURST] with BURST a whole number of requests from 1 to 1e+06, not "5:1.5"`},
	} {
		got, err := ParseRateLimit(tc.in)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("ParseRateLimit(%q) = %v, %v; want error %s", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseRateLimit(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

// testClock is a clock a test moves by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func wantThrottled(t *testing.T, err error) {
	t.Helper()
	wantSDKError(t, err, "ThrottlingException", "Rate exceeded")
	var resp *awshttp.ResponseError
	if !errors.As(err, &resp) || resp.HTTPStatusCode() != 400 {
		t.Fatalf("throttled with %v, want HTTP 400", err)
	}
}

// TestRateLimitPerAccessKey: each access key has its own token bucket (burst, then the refill
// rate); a user's stepflow:rate-limit tag overrides the server's limit, "none" lifts it.
func TestRateLimitPerAccessKey(t *testing.T) {
	t.Parallel()
	clock := &testClock{t: time.Now()}
	box, err := iam.NewSecretBox([]byte("an AES-256 server key, 32 bytes!"))
	if err != nil {
		t.Fatal(err)
	}
	var dir *iam.Directory
	edge := startEdgeServer(t, func(c *Config) {
		dir = iam.NewDirectory(c.Engine.Store(), box, c.Engine.Scope(), nil)
		c.IAM, c.Now, c.RateLimit = dir, clock.now, &RateLimit{PerSecond: 1, Burst: 3}
	})
	srv := &iamServer{edgeServer: edge, dir: dir}
	ctx := context.Background()
	const listAll = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"states:List*","Resource":"*"}}`
	list := func(c *awssfn.Client) error {
		_, err := c.ListActivities(ctx, &awssfn.ListActivitiesInput{})
		return err
	}
	first, _ := srv.user(t, "first", listAll)
	second, _ := srv.user(t, "second", listAll)
	for i := range 3 {
		if err := list(first); err != nil {
			t.Fatalf("request %d of the burst: %v", i+1, err)
		}
	}
	wantThrottled(t, list(first))
	// Another key has its own bucket.
	if err := list(second); err != nil {
		t.Fatalf("the second key: %v", err)
	}
	// A second refills one token.
	clock.advance(time.Second)
	if err := list(first); err != nil {
		t.Fatalf("after a second: %v", err)
	}
	wantThrottled(t, list(first))

	// Per-user overrides, read from the user's tags at each request.
	unlimited, _ := srv.user(t, "unlimited", listAll)
	if err := srv.api.store.TagSet(ctx, &store.TagSetParams{ResourceARN: dir.UserARN("unlimited"), Tags: []store.Tag{{Key: RateLimitTag, Value: "none"}}}); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if err := list(unlimited); err != nil {
			t.Fatalf("unlimited user, request %d: %v", i+1, err)
		}
	}
	if err := srv.api.store.TagSet(ctx, &store.TagSetParams{ResourceARN: dir.UserARN("first"), Tags: []store.Tag{{Key: RateLimitTag, Value: "10:5"}}}); err != nil {
		t.Fatal(err)
	}
	clock.advance(time.Second) // 10 tokens' worth, capped at the burst of 5
	for i := range 5 {
		if err := list(first); err != nil {
			t.Fatalf("raised limit, request %d: %v", i+1, err)
		}
	}
	wantThrottled(t, list(first))
	// A malformed tag keeps the server's limit.
	if err := srv.api.store.TagSet(ctx, &store.TagSetParams{ResourceARN: dir.UserARN("second"), Tags: []store.Tag{{Key: RateLimitTag, Value: "lots"}}}); err != nil {
		t.Fatal(err)
	}
	clock.advance(time.Minute)
	for i := range 3 {
		if err := list(second); err != nil {
			t.Fatalf("malformed tag, request %d: %v", i+1, err)
		}
	}
	wantThrottled(t, list(second))
}

// TestRateLimitSignedKeys: under --auth sigv4 the bucket is the signing key's.
func TestRateLimitSignedKeys(t *testing.T) {
	t.Parallel()
	clock := &testClock{t: time.Now()}
	srv := startEdgeServer(t, func(c *Config) {
		c.Credentials = map[string]string{edgeAccessKey: edgeSecretKey}
		c.Now, c.RateLimit = clock.now, &RateLimit{PerSecond: 0.5, Burst: 1}
	})
	client := srv.sdkClient("us-east-1")
	ctx := context.Background()
	if _, err := client.ListActivities(ctx, &awssfn.ListActivitiesInput{}); err != nil {
		t.Fatal(err)
	}
	_, err := client.ListActivities(ctx, &awssfn.ListActivitiesInput{})
	wantThrottled(t, err)
	clock.advance(time.Second) // half a token
	_, err = client.ListActivities(ctx, &awssfn.ListActivitiesInput{})
	wantThrottled(t, err)
	clock.advance(time.Second)
	if _, err := client.ListActivities(ctx, &awssfn.ListActivitiesInput{}); err != nil {
		t.Fatal(err)
	}
}

// TestRateLimiterIsBounded: however many keys come, the table stays within its bound, and a
// drained bucket stays drained while the table has room.
func TestRateLimiterIsBounded(t *testing.T) {
	t.Parallel()
	l := newRateLimiter(100)
	now := time.Now()
	limit := RateLimit{PerSecond: 1, Burst: 1}
	if !l.allow("busy", limit, now) || l.allow("busy", limit, now) {
		t.Fatal("a burst of 1 allows one request")
	}
	for i := range 50 {
		l.allow(fmt.Sprintf("key-%d", i), limit, now)
	}
	if l.allow("busy", limit, now) {
		t.Fatal("a drained bucket was refilled while the table had room")
	}
	for i := range 10000 {
		l.allow(fmt.Sprintf("key-%d", i), limit, now.Add(time.Duration(i)*time.Millisecond))
		if n := l.size(); n > 100 {
			t.Fatalf("%d buckets after %d keys, bound 100", n, i+1)
		}
	}
}

// BenchmarkRateLimiter: the cost of one request's token, and the memory of a full table of
// buckets (reported as bytes/bucket), the figure the documented bound rests on.
func BenchmarkRateLimiter(b *testing.B) {
	limit := RateLimit{PerSecond: 100, Burst: 100}
	keys := make([]string, DefaultMaxRateLimitBuckets)
	for i := range keys {
		keys[i] = fmt.Sprintf("AKIA%016d", i)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	l := newRateLimiter(0)
	now := time.Now()
	for _, k := range keys {
		l.allow(k, limit, now)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	perBucket := float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(len(keys))
	for i := 0; b.Loop(); i++ {
		l.allow(keys[i%len(keys)], limit, now.Add(time.Duration(i)))
	}
	b.ReportMetric(perBucket, "bytes/bucket")
}
