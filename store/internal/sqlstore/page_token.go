package sqlstore

import (
	"encoding/base64"
	"strings"

	"github.com/stepflow/stepflow/store"
)

// A page token is the listing's name and the sort key of the last row handed out, so the
// next page starts after it even when rows were added or deleted in between.

func encodePageToken(listing string, key ...string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(listing + "\x00" + strings.Join(key, "\x00")))
}

// decodePageToken returns the key parts of a token made for listing, or ErrInvalidPageToken.
func decodePageToken(token, listing string, parts int) ([]string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return nil, store.ErrInvalidPageToken
	}
	fields := strings.Split(string(raw), "\x00")
	if len(fields) != parts+1 || fields[0] != listing {
		return nil, store.ErrInvalidPageToken
	}
	return fields[1:], nil
}
