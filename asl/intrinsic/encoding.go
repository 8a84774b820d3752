package intrinsic

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"unicode/utf8"
)

func statesBase64Encode(c *Call, args []any, _ Env) (any, error) {
	s, err := wantString(c, args, 0)
	if err != nil {
		return nil, err
	}
	if n := utf8.RuneCountInString(s); n > maxEncodeChars {
		return nil, failure("The input of States.Base64Encode has %d characters, more than the limit of %d", n, maxEncodeChars)
	}
	return base64.StdEncoding.EncodeToString([]byte(s)), nil
}

func statesBase64Decode(c *Call, args []any, _ Env) (any, error) {
	s, err := wantString(c, args, 0)
	if err != nil {
		return nil, err
	}
	if n := utf8.RuneCountInString(s); n > maxEncodeChars {
		return nil, failure("The input of States.Base64Decode has %d characters, more than the limit of %d", n, maxEncodeChars)
	}
	b, decodeErr := base64.StdEncoding.DecodeString(s)
	if decodeErr != nil {
		return nil, failure("The input of States.Base64Decode is not valid Base64: %s", describe(s))
	}
	return string(b), nil
}

var hashAlgorithms = map[string]func() hash.Hash{
	"MD5":     md5.New,
	"SHA-1":   sha1.New,
	"SHA-256": sha256.New,
	"SHA-384": sha512.New384,
	"SHA-512": sha512.New,
}

func statesHash(c *Call, args []any, _ Env) (any, error) {
	data, err := wantString(c, args, 0)
	if err != nil {
		return nil, err
	}
	if n := utf8.RuneCountInString(data); n > maxEncodeChars {
		return nil, failure("The input of States.Hash has %d characters, more than the limit of %d", n, maxEncodeChars)
	}
	name, err := wantString(c, args, 1)
	if err != nil {
		return nil, err
	}
	newHash, ok := hashAlgorithms[name]
	if !ok {
		return nil, failure("The hash algorithm %s is not supported by States.Hash; use MD5, SHA-1, SHA-256, SHA-384 or SHA-512", describe(name))
	}
	h := newHash()
	h.Write([]byte(data))
	return hex.EncodeToString(h.Sum(nil)), nil
}
