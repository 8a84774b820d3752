package oidc

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	_ "crypto/sha256" // the hashes of the algorithms below
	_ "crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"slices"
	"strings"
	"time"
)

// Claims are the verified claims of an ID token.
type Claims struct {
	Issuer   string
	Subject  string
	Audience []string
	Expiry   time.Time
	IssuedAt time.Time
	// All holds every claim as decoded JSON (email, groups, preferred_username, ...).
	All map[string]any
}

// algorithm is a JWS signature algorithm a provider may sign ID tokens with (RFC 7518 §3).
type algorithm struct {
	hash crypto.Hash
	kty  string         // "RSA" or "EC"
	crv  elliptic.Curve // EC only
}

// algorithms are the asymmetric ones: "none" and the HMAC family are refused, as they would
// let a token be made without the provider's private key.
var algorithms = map[string]algorithm{
	"RS256": {hash: crypto.SHA256, kty: "RSA"},
	"RS384": {hash: crypto.SHA384, kty: "RSA"},
	"RS512": {hash: crypto.SHA512, kty: "RSA"},
	"ES256": {hash: crypto.SHA256, kty: "EC", crv: elliptic.P256()},
	"ES384": {hash: crypto.SHA384, kty: "EC", crv: elliptic.P384()},
	"ES512": {hash: crypto.SHA512, kty: "EC", crv: elliptic.P521()},
}

// The reasons of refusals of a token.
const (
	ReasonMalformedToken       = "malformedToken"
	ReasonUnsupportedAlgorithm = "unsupportedAlgorithm"
	ReasonUnknownKey           = "unknownKey"
	ReasonBadSignature         = "badSignature"
	ReasonWrongIssuer          = "wrongIssuer"
	ReasonWrongAudience        = "wrongAudience"
	ReasonExpiredToken         = "expiredToken"
	ReasonTokenFromFuture      = "tokenFromFuture"
	ReasonWrongNonce           = "wrongNonce"
)

// Google documents that its ID tokens' iss is "https://accounts.google.com" or, for
// older clients, "accounts.google.com" without the scheme; both are its own.
const (
	googleIssuer       = "https://accounts.google.com"
	googleLegacyIssuer = "accounts.google.com"
)

type jwsHeader struct {
	Alg  string   `json:"alg"`
	Kid  string   `json:"kid"`
	Crit []string `json:"crit"`
}

// Verify checks an ID token as OpenID Connect Core 1.0 §3.1.3.7 asks: its signature by one
// of the provider's keys with the algorithm its header names, its issuer, that this client is
// an audience (and its authorized party when there are several), that it has not expired and
// was not issued in the future, and that it carries the flow's nonce.
func (p *Provider) Verify(ctx context.Context, raw, nonce string) (*Claims, error) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return nil, refused(ReasonMalformedToken, "the ID token is not a signed JWT (it has %d parts, not 3)", len(parts))
	}
	var header jwsHeader
	if err := decodeSegment(parts[0], &header); err != nil {
		return nil, refused(ReasonMalformedToken, "the ID token's header cannot be read: %v", err)
	}
	alg, ok := algorithms[header.Alg]
	if !ok {
		return nil, refused(ReasonUnsupportedAlgorithm, "the ID token is signed with %q: only RS256, RS384, RS512, ES256, ES384 and ES512 are accepted", header.Alg)
	}
	if len(header.Crit) > 0 {
		return nil, refused(ReasonMalformedToken, "the ID token's header has critical extensions %v, which are not understood", header.Crit)
	}
	signature, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, refused(ReasonMalformedToken, "the ID token's signature is not base64url: %v", err)
	}
	m, err := p.discover(ctx)
	if err != nil {
		return nil, err
	}
	signed := []byte(parts[0] + "." + parts[1])
	key, err := p.key(ctx, m, header.Kid, alg)
	if err != nil {
		return nil, err
	}
	if !verifySignature(alg, key, signed, signature) {
		return nil, refused(ReasonBadSignature, "the ID token's signature is not the provider's (key %q)", header.Kid)
	}

	var all map[string]any
	dec := json.NewDecoder(bytes.NewReader(mustDecode(parts[1])))
	dec.UseNumber()
	if err := dec.Decode(&all); err != nil || all == nil {
		return nil, refused(ReasonMalformedToken, "the ID token's claims cannot be read")
	}
	c := &Claims{All: all}
	c.Issuer, _ = all["iss"].(string)
	c.Subject, _ = all["sub"].(string)
	if c.Issuer != p.cfg.Issuer && !(p.cfg.Issuer == googleIssuer && c.Issuer == googleLegacyIssuer) {
		return nil, refused(ReasonWrongIssuer, "the ID token was issued by %q, not %q", c.Issuer, p.cfg.Issuer)
	}
	if c.Subject == "" {
		return nil, refused(ReasonMalformedToken, "the ID token has no subject (sub)")
	}
	switch aud := all["aud"].(type) {
	case string:
		c.Audience = []string{aud}
	case []any:
		for _, a := range aud {
			if s, ok := a.(string); ok {
				c.Audience = append(c.Audience, s)
			}
		}
	}
	if !slices.Contains(c.Audience, p.cfg.ClientID) {
		return nil, refused(ReasonWrongAudience, "the ID token is for %v, not for this client (%s)", c.Audience, p.cfg.ClientID)
	}
	if azp, ok := all["azp"].(string); (ok || len(c.Audience) > 1) && azp != p.cfg.ClientID {
		return nil, refused(ReasonWrongAudience, "the ID token was issued to %q, not to this client (%s)", azp, p.cfg.ClientID)
	}
	now := p.cfg.Now()
	var okExp, okIat bool
	if c.Expiry, okExp = numericDate(all["exp"]); !okExp {
		return nil, refused(ReasonMalformedToken, "the ID token has no expiry (exp)")
	}
	if c.IssuedAt, okIat = numericDate(all["iat"]); !okIat {
		return nil, refused(ReasonMalformedToken, "the ID token has no issue time (iat)")
	}
	if !now.Before(c.Expiry.Add(ClockSkew)) {
		return nil, refused(ReasonExpiredToken, "the ID token expired at %s", c.Expiry.UTC().Format(time.RFC3339))
	}
	if c.IssuedAt.After(now.Add(ClockSkew)) {
		return nil, refused(ReasonTokenFromFuture, "the ID token was issued at %s, in the future: is a clock wrong?", c.IssuedAt.UTC().Format(time.RFC3339))
	}
	if got, _ := all["nonce"].(string); got == "" || got != nonce {
		return nil, refused(ReasonWrongNonce, "the ID token's nonce is not this sign-in's")
	}
	return c, nil
}

func decodeSegment(segment string, into any) error {
	b, err := base64.RawURLEncoding.DecodeString(segment)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, into)
}

func mustDecode(segment string) []byte {
	b, _ := base64.RawURLEncoding.DecodeString(segment)
	return b
}

// numericDate reads a JWT NumericDate: seconds since the epoch, possibly fractional.
func numericDate(v any) (time.Time, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return time.Time{}, false
	}
	f, err := n.Float64()
	if err != nil {
		return time.Time{}, false
	}
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9)), true
}

func verifySignature(alg algorithm, key crypto.PublicKey, signed, signature []byte) bool {
	h := alg.hash.New()
	h.Write(signed)
	digest := h.Sum(nil)
	switch k := key.(type) {
	case *rsa.PublicKey:
		return rsa.VerifyPKCS1v15(k, alg.hash, digest, signature) == nil
	case *ecdsa.PublicKey:
		// RFC 7518 §3.4: R and S, each as long as the curve's order, back to back.
		size := (k.Curve.Params().BitSize + 7) / 8
		if len(signature) != 2*size {
			return false
		}
		r := new(big.Int).SetBytes(signature[:size])
		s := new(big.Int).SetBytes(signature[size:])
		return ecdsa.Verify(k, digest, r, s)
	}
	return false
}
