package iam

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// ServerKeyBytes is the size of the server key: AES-256.
const ServerKeyBytes = 32

// SecretBox seals access key secrets with the server key (AES-256-GCM), so that the database
// alone does not give them away. Each sealed secret is bound to its access key id, so a sealed
// value copied onto another key's row does not open.
type SecretBox struct {
	aead cipher.AEAD
}

// NewSecretBox returns a box for a 32-byte server key.
func NewSecretBox(key []byte) (*SecretBox, error) {
	if len(key) != ServerKeyBytes {
		return nil, fmt.Errorf("server key: %d bytes, want %d", len(key), ServerKeyBytes)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &SecretBox{aead: aead}, nil
}

// ParseServerKey reads a server key as an operator writes it into a file or an environment
// variable: 64 hexadecimal digits or the standard base64 of 32 bytes, surrounding space
// ignored. Raw 32-byte files are accepted too.
func ParseServerKey(data []byte) ([]byte, error) {
	text := strings.TrimSpace(string(data))
	if b, err := hex.DecodeString(text); err == nil && len(b) == ServerKeyBytes {
		return b, nil
	}
	if b, err := base64.StdEncoding.DecodeString(text); err == nil && len(b) == ServerKeyBytes {
		return b, nil
	}
	if len(data) == ServerKeyBytes {
		return data, nil
	}
	return nil, errors.New("server key must be 32 bytes, written as 64 hex digits or in base64 (make one with: openssl rand -hex 32)")
}

// Seal encrypts a secret for the access key id.
func (b *SecretBox) Seal(keyID, secret string) (string, error) {
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	sealed := b.aead.Seal(nonce, nonce, []byte(secret), []byte(keyID))
	return base64.StdEncoding.EncodeToString(sealed), nil
}

// ErrSealedSecret: a sealed secret does not open with this server key (another key sealed it,
// or it was changed).
var ErrSealedSecret = errors.New("access key secret does not open with the server key")

// Open decrypts the sealed secret of the access key id.
func (b *SecretBox) Open(keyID, sealed string) (string, error) {
	data, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil || len(data) < b.aead.NonceSize() {
		return "", ErrSealedSecret
	}
	n := b.aead.NonceSize()
	plain, err := b.aead.Open(nil, data[:n], data[n:], []byte(keyID))
	if err != nil {
		return "", ErrSealedSecret
	}
	return string(plain), nil
}
