package iam

import (
	"math/big"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Condition is one key of one operator of a statement's Condition block. A statement matches
// only if every one of its conditions is true; a condition is true if the request's value
// matches any of Values.
type Condition struct {
	Operator Operator
	Key      string
	Values   []string
}

// Operator is a parsed condition operator such as "ForAnyValue:StringLikeIfExists".
type Operator struct {
	Name     string // as written in the policy
	base     string // StringLike
	set      setQualifier
	ifExists bool
}

type setQualifier int

const (
	setNone setQualifier = iota
	setForAllValues
	setForAnyValue
)

// The base operators. Each negated operator (StringNotEquals) is its positive twin inverted;
// operatorTable says which.
const (
	opStringEquals           = "StringEquals"
	opStringNotEquals        = "StringNotEquals"
	opStringEqualsIgnoreCase = "StringEqualsIgnoreCase"
	opStringNotEqualsIC      = "StringNotEqualsIgnoreCase"
	opStringLike             = "StringLike"
	opStringNotLike          = "StringNotLike"
	opNumericEquals          = "NumericEquals"
	opNumericNotEquals       = "NumericNotEquals"
	opNumericLessThan        = "NumericLessThan"
	opNumericLessThanEquals  = "NumericLessThanEquals"
	opNumericGreaterThan     = "NumericGreaterThan"
	opNumericGreaterEquals   = "NumericGreaterThanEquals"
	opDateEquals             = "DateEquals"
	opDateNotEquals          = "DateNotEquals"
	opDateLessThan           = "DateLessThan"
	opDateLessThanEquals     = "DateLessThanEquals"
	opDateGreaterThan        = "DateGreaterThan"
	opDateGreaterThanEquals  = "DateGreaterThanEquals"
	opBool                   = "Bool"
	opBinaryEquals           = "BinaryEquals"
	opIPAddress              = "IpAddress"
	opNotIPAddress           = "NotIpAddress"
	opArnEquals              = "ArnEquals"
	opArnLike                = "ArnLike"
	opArnNotEquals           = "ArnNotEquals"
	opArnNotLike             = "ArnNotLike"
	opNull                   = "Null"
)

// operatorRule is how a base operator compares a policy value with a request value.
type operatorRule struct {
	// match reports whether the request value matches the policy value.
	match func(policy, request string) bool
	// negated operators are true when the request value matches none of the policy values.
	negated bool
	// variables: policy variables are resolved in the operator's values (string and ARN
	// operators only, as on AWS).
	variables bool
	// wildcards: the operator matches * and ? in its values (StringLike, the ARN operators);
	// the others compare a resolved value as it is.
	wildcards bool
}

var operatorTable = map[string]operatorRule{
	opStringEquals:           {match: stringEquals, variables: true},
	opStringNotEquals:        {match: stringEquals, negated: true, variables: true},
	opStringEqualsIgnoreCase: {match: strings.EqualFold, variables: true},
	opStringNotEqualsIC:      {match: strings.EqualFold, negated: true, variables: true},
	opStringLike:             {match: wildcardMatch, variables: true, wildcards: true},
	opStringNotLike:          {match: wildcardMatch, negated: true, variables: true, wildcards: true},
	opNumericEquals:          {match: numeric(func(c int) bool { return c == 0 })},
	opNumericNotEquals:       {match: numeric(func(c int) bool { return c == 0 }), negated: true},
	opNumericLessThan:        {match: numeric(func(c int) bool { return c < 0 })},
	opNumericLessThanEquals:  {match: numeric(func(c int) bool { return c <= 0 })},
	opNumericGreaterThan:     {match: numeric(func(c int) bool { return c > 0 })},
	opNumericGreaterEquals:   {match: numeric(func(c int) bool { return c >= 0 })},
	opDateEquals:             {match: date(func(c int) bool { return c == 0 })},
	opDateNotEquals:          {match: date(func(c int) bool { return c == 0 }), negated: true},
	opDateLessThan:           {match: date(func(c int) bool { return c < 0 })},
	opDateLessThanEquals:     {match: date(func(c int) bool { return c <= 0 })},
	opDateGreaterThan:        {match: date(func(c int) bool { return c > 0 })},
	opDateGreaterThanEquals:  {match: date(func(c int) bool { return c >= 0 })},
	opBool:                   {match: strings.EqualFold},
	opBinaryEquals:           {match: stringEquals},
	opIPAddress:              {match: ipInRange},
	opNotIPAddress:           {match: ipInRange, negated: true},
	opArnEquals:              {match: arnMatch, variables: true, wildcards: true},
	opArnLike:                {match: arnMatch, variables: true, wildcards: true},
	opArnNotEquals:           {match: arnMatch, negated: true, variables: true, wildcards: true},
	opArnNotLike:             {match: arnMatch, negated: true, variables: true, wildcards: true},
}

// parseOperator reads "[ForAllValues:|ForAnyValue:]Base[IfExists]".
func parseOperator(name string) (Operator, error) {
	op := Operator{Name: name}
	rest := name
	if q, base, ok := strings.Cut(rest, ":"); ok {
		switch q {
		case "ForAllValues":
			op.set = setForAllValues
		case "ForAnyValue":
			op.set = setForAnyValue
		default:
			return op, malformed("Invalid Condition type : %s", name)
		}
		rest = base
	}
	if base, ok := strings.CutSuffix(rest, "IfExists"); ok && base != opNull {
		op.ifExists = true
		rest = base
	}
	if _, ok := operatorTable[rest]; !ok && rest != opNull {
		return op, malformed("Invalid Condition type : %s", name)
	}
	if rest == opNull && op.set != setNone {
		return op, malformed("Invalid Condition type : %s", name)
	}
	op.base = rest
	return op, nil
}

// evaluate reports whether the condition holds for the request. Policy values have had their
// variables resolved already (resolved[i] is false for a value whose variable the request
// cannot fill: such a value matches nothing).
func (c *Condition) evaluate(req *Request, values []string, resolved []bool) bool {
	requestValues, present := req.Context.lookup(c.Key)
	if c.Operator.base == opNull {
		// Null: "true" means the key must be absent, "false" that it must be present.
		for _, v := range c.Values {
			if strings.EqualFold(v, "true") != present {
				return true
			}
		}
		return false
	}
	rule := operatorTable[c.Operator.base]
	if !present {
		switch {
		case c.Operator.ifExists:
			return true
		case c.Operator.set == setForAllValues:
			// ForAllValues holds for an empty set of request values (AWS documents this).
			return true
		case c.Operator.set == setForAnyValue:
			return false
		}
		// A negated operator is true when the key is missing; the others are false.
		return rule.negated
	}
	matchesAny := func(requestValue string) bool {
		for i, v := range values {
			if resolved[i] && rule.match(v, requestValue) {
				return true
			}
		}
		return false
	}
	// satisfies is the operator's verdict on one request value.
	satisfies := func(requestValue string) bool { return matchesAny(requestValue) != rule.negated }
	switch c.Operator.set {
	case setForAllValues:
		for _, rv := range requestValues {
			if !satisfies(rv) {
				return false
			}
		}
		return true
	case setForAnyValue:
		for _, rv := range requestValues {
			if satisfies(rv) {
				return true
			}
		}
		return false
	}
	// Without a set qualifier a positive operator needs one request value to match; a
	// negated one needs every request value to match none of the policy values.
	if rule.negated {
		for _, rv := range requestValues {
			if matchesAny(rv) {
				return false
			}
		}
		return true
	}
	for _, rv := range requestValues {
		if matchesAny(rv) {
			return true
		}
	}
	return false
}

func stringEquals(a, b string) bool { return a == b }

// numeric compares the request value with the policy value as numbers; a value that is not a
// number matches nothing.
func numeric(accept func(cmp int) bool) func(policy, request string) bool {
	return func(policy, request string) bool {
		p, ok1 := new(big.Rat).SetString(strings.TrimSpace(policy))
		r, ok2 := new(big.Rat).SetString(strings.TrimSpace(request))
		if !ok1 || !ok2 {
			return false
		}
		return accept(r.Cmp(p))
	}
}

// date compares the request time with the policy time; a value that is not a date matches
// nothing.
func date(accept func(cmp int) bool) func(policy, request string) bool {
	return func(policy, request string) bool {
		p, ok1 := parseDate(policy)
		r, ok2 := parseDate(request)
		if !ok1 || !ok2 {
			return false
		}
		return accept(r.Compare(p))
	}
}

// parseDate reads the forms AWS accepts in date conditions: ISO 8601 (a date, or a date and
// time with a zone or in UTC) and epoch seconds.
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0).UTC(), true
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04Z07:00", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// ipInRange reports whether the request address lies in the policy's CIDR range (or equals
// its single address).
func ipInRange(policy, request string) bool {
	addr, err := netip.ParseAddr(strings.TrimSpace(request))
	if err != nil {
		return false
	}
	policy = strings.TrimSpace(policy)
	if prefix, err := netip.ParsePrefix(policy); err == nil {
		return prefix.Contains(addr.Unmap())
	}
	if single, err := netip.ParseAddr(policy); err == nil {
		return single.Unmap() == addr.Unmap()
	}
	return false
}
