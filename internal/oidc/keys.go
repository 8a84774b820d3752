package oidc

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"math/big"
)

// jwk is a JSON Web Key (RFC 7517) of the kinds ID tokens are signed with.
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	N   string `json:"n"`
	E   string `json:"e"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

type publicKey struct {
	kid string
	alg string // "" when the JWK does not restrict it
	key crypto.PublicKey
}

// keySet is the provider's published signing keys, as last read.
type keySet struct {
	keys []publicKey
}

var curves = map[string]elliptic.Curve{"P-256": elliptic.P256(), "P-384": elliptic.P384(), "P-521": elliptic.P521()}

// parse turns a JWK into a public key; keys of other kinds, or for encryption, are skipped
// (ok false), as a provider's set may hold them beside its signing keys.
func (k jwk) parse() (publicKey, bool) {
	if k.Use != "" && k.Use != "sig" {
		return publicKey{}, false
	}
	pk := publicKey{kid: k.Kid, alg: k.Alg}
	switch k.Kty {
	case "RSA":
		n, err1 := base64.RawURLEncoding.DecodeString(k.N)
		e, err2 := base64.RawURLEncoding.DecodeString(k.E)
		if err1 != nil || err2 != nil || len(n) < 256 || len(e) == 0 || len(e) > 4 {
			// Fewer than 2048 bits is not a key to trust a sign-in to.
			return publicKey{}, false
		}
		exp := 0
		for _, b := range e {
			exp = exp<<8 | int(b)
		}
		pk.key = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: exp}
	case "EC":
		curve, ok := curves[k.Crv]
		if !ok {
			return publicKey{}, false
		}
		x, err1 := base64.RawURLEncoding.DecodeString(k.X)
		y, err2 := base64.RawURLEncoding.DecodeString(k.Y)
		size := (curve.Params().BitSize + 7) / 8
		if err1 != nil || err2 != nil || len(x) != size || len(y) != size {
			return publicKey{}, false
		}
		key, err := ecdsa.ParseUncompressedPublicKey(curve, append(append([]byte{4}, x...), y...))
		if err != nil {
			return publicKey{}, false
		}
		pk.key = key
	default:
		return publicKey{}, false
	}
	return pk, true
}

// find returns the key a token's header names: by kid, or, when the header has none, the
// only key of the algorithm's kind.
func (ks *keySet) find(kid string, alg algorithm, algName string) (crypto.PublicKey, bool) {
	if ks == nil {
		return nil, false
	}
	var match []crypto.PublicKey
	for _, k := range ks.keys {
		if (kid != "" && k.kid != kid) || (k.alg != "" && k.alg != algName) || !fits(k.key, alg) {
			continue
		}
		match = append(match, k.key)
	}
	if len(match) != 1 {
		return nil, false
	}
	return match[0], true
}

func fits(key crypto.PublicKey, alg algorithm) bool {
	switch k := key.(type) {
	case *rsa.PublicKey:
		return alg.kty == "RSA"
	case *ecdsa.PublicKey:
		return alg.kty == "EC" && k.Curve == alg.crv
	}
	return false
}

// key returns the provider's key for a token's header, reading the keys again once when it
// is not among those known: the provider may have rotated them since. The token came from
// the provider's token endpoint, over a connection this server opened, so an unknown key is
// not a lever for others to make it fetch at will; concurrent fetches are merged into one.
func (p *Provider) key(ctx context.Context, m *metadata, kid string, alg algorithm) (crypto.PublicKey, error) {
	algName := ""
	for name, a := range algorithms {
		if a == alg {
			algName = name
		}
	}
	p.mu.Lock()
	ks := p.keys
	p.mu.Unlock()
	if key, ok := ks.find(kid, alg, algName); ok {
		return key, nil
	}
	ks, err := p.refreshKeys(ctx, m, ks)
	if err != nil {
		return nil, err
	}
	if key, ok := ks.find(kid, alg, algName); ok {
		return key, nil
	}
	return nil, refused(ReasonUnknownKey, "the ID token is signed with key %q (%s), which is not among the provider's keys at %s", kid, algName, m.JWKSURI)
}

// refreshKeys reads the provider's keys, unless they were read since the caller saw them
// (seen), or waits for a read another sign-in began.
func (p *Provider) refreshKeys(ctx context.Context, m *metadata, seen *keySet) (*keySet, error) {
	p.mu.Lock()
	if p.keys != seen && p.keys != nil {
		defer p.mu.Unlock()
		return p.keys, nil
	}
	if wait := p.refreshing; wait != nil {
		p.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.keys, nil
	}
	done := make(chan struct{})
	p.refreshing = done
	p.mu.Unlock()

	var doc struct {
		Keys []jwk `json:"keys"`
	}
	err := p.getJSON(ctx, m.JWKSURI, &doc)
	ks := &keySet{}
	for _, k := range doc.Keys {
		if pk, ok := k.parse(); ok {
			ks.keys = append(ks.keys, pk)
		}
	}
	p.mu.Lock()
	if err == nil {
		p.keys = ks
	}
	p.refreshing = nil
	close(done)
	p.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return ks, nil
}
