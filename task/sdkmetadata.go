package task

import (
	"sort"
	"strings"
	"unicode/utf16"

	"github.com/stepflow/stepflow/internal/jsonvalue"
)

// SDKHTTPMetadata is the SdkHttpMetadata Step Functions puts beside the result of an
// optimized integration (the AWS SDK for Java 1's response metadata), keys in AWS's order
// (recorded on AWS for lambda:invoke, sqs:sendMessage, sns:publish, dynamodb:putItem,
// ecs:runTask): AllHttpHeaders (every value of each header) in the order of the
// java.util.HashMap that holds them, HttpHeaders (each header's first value) sorted
// case-insensitively as the SDK's TreeMap keeps them, then HttpStatusCode.
//
// names are the headers' names, values their values by name. The HashMap's order depends on
// the order the headers arrived in only where two names share a bucket; callers do not know
// that order (Go's HTTP client does not keep it), so the names are put in sorted. names is
// sorted in place.
func SDKHTTPMetadata(names []string, values map[string][]string, status int) *jsonvalue.Object {
	sort.Slice(names, func(a, b int) bool { return CaseInsensitiveLess(names[a], names[b]) })
	first := jsonvalue.NewObject(len(names))
	for _, name := range names {
		if vs := values[name]; len(vs) > 0 {
			first.Set(name, vs[0])
		}
	}
	all := jsonvalue.NewObject(len(names))
	for _, i := range jsonvalue.JavaHashMapOrder(names) {
		vs := values[names[i]]
		list := make([]any, len(vs))
		for j, v := range vs {
			list[j] = v
		}
		all.Set(names[i], list)
	}
	return jsonvalue.ObjectOf("AllHttpHeaders", all, "HttpHeaders", first, "HttpStatusCode", float64(status))
}

// CaseInsensitiveLess is Java's String.CASE_INSENSITIVE_ORDER, the order of a TreeMap built
// with it: UTF-16 code units compared upper-cased, then lower-cased.
func CaseInsensitiveLess(a, b string) bool {
	ua, ub := utf16.Encode([]rune(a)), utf16.Encode([]rune(b))
	for i := 0; i < len(ua) && i < len(ub); i++ {
		ca, cb := ua[i], ub[i]
		if ca == cb {
			continue
		}
		ca, cb = foldUnit(ca, true), foldUnit(cb, true)
		if ca == cb {
			continue
		}
		ca, cb = foldUnit(ca, false), foldUnit(cb, false)
		if ca != cb {
			return ca < cb
		}
	}
	return len(ua) < len(ub)
}

func foldUnit(u uint16, upper bool) uint16 {
	if u >= 0xD800 && u <= 0xDFFF {
		return u // half of a surrogate pair: Character.toUpperCase leaves it
	}
	s := string(rune(u))
	if upper {
		s = strings.ToUpper(s)
	} else {
		s = strings.ToLower(s)
	}
	r := []rune(s)
	if len(r) != 1 || r[0] > 0xFFFF {
		return u
	}
	return uint16(r[0])
}
