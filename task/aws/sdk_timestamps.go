package aws

import (
	"math"
	"strings"
	"time"

	"github.com/stepflow/stepflow/internal/jsonvalue"
)

// The AWS JSON protocols send timestamps as epoch seconds (1700000000.123). AWS Step
// Functions' aws-sdk integrations hand a state the AWS SDK for Java 2's rendering of them,
// ISO-8601 in UTC ("2023-11-14T22:13:20.123Z", as java.time.Instant prints it). Without the
// services' models Stepflow cannot know which numbers are timestamps, so it goes by the
// names the models give timestamp members, and by the value: a member named ...Date,
// ...Time, ...Timestamp, ...At, ...On or LastModified whose value is a number of seconds
// between 1973 and 2286. Epoch milliseconds (CloudWatch Logs, Batch: longs in their models,
// numbers on AWS too) are far outside that range and stay numbers.

// timestampSuffixes end the names of timestamp members: CreationDate, CreationDateTime,
// StartTime, ApproximateArrivalTimestamp, CreatedAt, CompletedOn.
var timestampSuffixes = []string{"Date", "DateTime", "Time", "Timestamp", "At", "On"}

// Epoch seconds a timestamp member may hold: 1973-03-03 to 2286-11-20.
const (
	minEpochSeconds = 1e8
	maxEpochSeconds = 1e10
)

func timestampMember(key string) bool {
	if key == "LastModified" {
		return true
	}
	for _, s := range timestampSuffixes {
		if len(key) > len(s) && strings.HasSuffix(key, s) {
			return true
		}
	}
	return false
}

// sdkTimestamps renders the timestamp members of an aws-sdk: result (PascalCase keys) as
// the AWS SDK for Java 2 does.
func sdkTimestamps(v any) any {
	switch v := v.(type) {
	case *jsonvalue.Object: // a map: its keys are data, not members
		for i := 0; i < v.Len(); i++ {
			v.Set(v.KeyAt(i), sdkTimestamps(v.ValueAt(i)))
		}
	case map[string]any:
		for k, e := range v {
			if f, ok := epochSeconds(e); ok && timestampMember(k) {
				v[k] = isoInstant(f)
				continue
			}
			v[k] = sdkTimestamps(e)
		}
	case []any:
		for i, e := range v {
			v[i] = sdkTimestamps(e)
		}
	}
	return v
}

// optimizedTimestamps renders the timestamp members of an optimized integration's result
// (PascalCase keys) as the AWS SDK for Java 1 does for Step Functions: epoch milliseconds.
func optimizedTimestamps(v any) any {
	switch v := v.(type) {
	case *jsonvalue.Object: // a map: its keys are data, not members
		for i := 0; i < v.Len(); i++ {
			v.Set(v.KeyAt(i), optimizedTimestamps(v.ValueAt(i)))
		}
	case map[string]any:
		for k, e := range v {
			if f, ok := epochSeconds(e); ok && timestampMember(k) {
				v[k] = math.Round(f * 1000)
				continue
			}
			v[k] = optimizedTimestamps(e)
		}
	case []any:
		for i, e := range v {
			v[i] = optimizedTimestamps(e)
		}
	}
	return v
}

// epochSeconds reads a number a timestamp member may hold. Responses are decoded as AWS
// reads JSON, so a fractional timestamp such as 1700000000.123 is held with its Java
// rendering (json.Number "1.700000000123E9").
func epochSeconds(v any) (float64, bool) {
	f, ok := jsonvalue.Float(v)
	return f, ok && f >= minEpochSeconds && f < maxEpochSeconds
}

// isoInstant prints epoch seconds as java.time.Instant does, to the millisecond the
// services send: no fraction when it is zero.
func isoInstant(seconds float64) string {
	ms := int64(math.Round(seconds * 1000))
	t := time.UnixMilli(ms).UTC()
	if ms%1000 == 0 {
		return t.Format("2006-01-02T15:04:05Z")
	}
	return t.Format("2006-01-02T15:04:05.000Z")
}
