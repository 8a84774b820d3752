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

// keysetPage reads one page of a listing ordered by a key of width columns: query gets the
// key NextToken carries ("" for each column on the first page) and how many rows to read (one
// more than a page, to tell whether another follows); key gives a row's key for the next
// token. It returns the page and the token of the next one ("" at the end).
func keysetPage[T any](s *Store, op, listing string, width int, nextToken string, maxResults int,
	query func(after []string, limit int) (Rows, error), scan func(Rows) (T, error), key func(T) []string) ([]T, string, error) {
	after := make([]string, width)
	if nextToken != "" {
		k, err := decodePageToken(nextToken, listing, width)
		if err != nil {
			return nil, "", s.fail(op, err)
		}
		after = k
	}
	size := store.PageSize(maxResults)
	rows, err := query(after, size+1)
	items, err := collect(rows, err, scan)
	if err != nil {
		return nil, "", s.fail(op, err)
	}
	if len(items) <= size {
		return items, "", nil
	}
	return items[:size], encodePageToken(listing, key(items[size-1])...), nil
}
