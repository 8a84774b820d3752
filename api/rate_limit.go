package api

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stepflow/stepflow/iam"
)

// RateLimit is a token bucket of requests: Burst requests at once, refilled at PerSecond.
type RateLimit struct {
	PerSecond float64
	Burst     int
}

func (l RateLimit) String() string {
	return strconv.FormatFloat(l.PerSecond, 'f', -1, 64) + ":" + strconv.Itoa(l.Burst)
}

// RateLimitTag is the tag of an IAM user that overrides the server's rate limit for that
// user's keys: "RPS[:BURST]" as --rate-limit takes it, or "none" for no limit.
const RateLimitTag = "stepflow:rate-limit"

// maxRateLimitPerSecond bounds the rate a limit may name; beyond it a limit means nothing.
const maxRateLimitPerSecond = 1e6

// ParseRateLimit reads "RPS[:BURST]": a positive rate per second (fractions allowed, 0.5 is a
// request every two seconds) and a positive whole burst, which defaults to the rate rounded
// up (at least 1).
func ParseRateLimit(s string) (RateLimit, error) {
	rate, burst, hasBurst := strings.Cut(s, ":")
	perSecond, err := strconv.ParseFloat(rate, 64)
	if err != nil || !(perSecond > 0) || perSecond > maxRateLimitPerSecond {
		return RateLimit{}, fmt.Errorf("want RPS[:BURST] with RPS a number of requests per second above 0 and at most %g, not %q", float64(maxRateLimitPerSecond), s)
	}
	l := RateLimit{PerSecond: perSecond, Burst: int(math.Max(1, math.Ceil(perSecond)))}
	if hasBurst {
		n, err := strconv.Atoi(burst)
		if err != nil || n < 1 || n > maxRateLimitPerSecond {
			return RateLimit{}, fmt.Errorf("want RPS[:BURST] with BURST a whole number of requests from 1 to %g, not %q", float64(maxRateLimitPerSecond), s)
		}
		l.Burst = n
	}
	return l, nil
}

// DefaultMaxRateLimitBuckets bounds the token buckets kept at once (one per access key in use,
// about 100 bytes each).
const DefaultMaxRateLimitBuckets = 65536

// rateLimiter keeps one token bucket per access key. Buckets are made only for keys whose
// signature was verified, so a caller cannot grow the table with made-up key ids; the table
// is bounded all the same: when full, buckets that have refilled (and so are the same as a new
// one) are dropped, then, if too few were, arbitrary ones, which only lets their keys start
// again with a full burst.
type rateLimiter struct {
	mu      sync.Mutex
	buckets map[string]*tokenBucket
	max     int
}

type tokenBucket struct {
	tokens float64
	last   time.Time
	limit  RateLimit
}

func newRateLimiter(maxBuckets int) *rateLimiter {
	if maxBuckets <= 0 {
		maxBuckets = DefaultMaxRateLimitBuckets
	}
	return &rateLimiter{buckets: map[string]*tokenBucket{}, max: maxBuckets}
}

// refill brings the bucket's tokens to now.
func (b *tokenBucket) refill(now time.Time) {
	if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
		b.tokens = math.Min(float64(b.limit.Burst), b.tokens+elapsed*b.limit.PerSecond)
		b.last = now
	}
}

// allow takes a token from key's bucket, made with limit if new. A bucket whose limit changed
// (its user's tag) is refilled at the new rate since its last use, up to the new burst.
func (l *rateLimiter) allow(key string, limit RateLimit, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= l.max {
			l.evict(now)
		}
		b = &tokenBucket{tokens: float64(limit.Burst), last: now, limit: limit}
		l.buckets[key] = b
	}
	if b.limit != limit {
		b.limit = limit
		b.tokens = math.Min(b.tokens, float64(limit.Burst))
	}
	b.refill(now)
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// evict makes room for a tenth of the table: refilled buckets first, then any.
func (l *rateLimiter) evict(now time.Time) {
	target := l.max - l.max/10 - 1
	for key, b := range l.buckets {
		b.refill(now)
		if b.tokens >= float64(b.limit.Burst) {
			delete(l.buckets, key)
		}
	}
	for key := range l.buckets {
		if len(l.buckets) <= target {
			break
		}
		delete(l.buckets, key)
	}
}

func (l *rateLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// throttled is AWS's answer to a caller over its rate (HTTP 400, which the AWS SDKs retry
// with back-off).
func throttled() *Error {
	return &Error{Code: codeThrottling, Message: "Rate exceeded", Status: http.StatusBadRequest}
}

// checkRate takes a token of the access key's bucket, under the caller's own limit (its
// RateLimitTag) when it has one, else the server's; a key without a limit is not counted.
func (s *Server) checkRate(caller *iam.Caller, keyID string) error {
	limit := s.cfg.RateLimit
	if caller != nil {
		for _, t := range caller.Tags {
			if t.Key != RateLimitTag {
				continue
			}
			if t.Value == "none" {
				return nil
			}
			own, err := ParseRateLimit(t.Value)
			if err != nil {
				// A mistyped tag must not lift the server's limit, nor lock the user out.
				s.logger.Warn("rate limit tag ignored", "principal", caller.Principal.ARN, "tag", RateLimitTag, "err", err)
				break
			}
			limit = &own
		}
	}
	if limit == nil || keyID == "" {
		return nil
	}
	if !s.limiter.allow(keyID, *limit, s.now()) {
		return throttled()
	}
	return nil
}

// signedKeyID is the access key a request's verified signature was made with.
func signedKeyID(r *http.Request) string {
	if auth, ok := parseAuthorization(r.Header.Get("Authorization")); ok {
		return auth.AccessKey
	}
	return ""
}
