// Package pagetoken encodes the opaque page tokens of List methods (AIP-158).
//
// A token holds the sort key and id of the last item returned, for keyset pagination, and
// a fingerprint of the request that produced it, so that a token reused with other filters
// or another order is refused instead of silently returning the wrong page.
package pagetoken

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"hash/fnv"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// ErrInvalid is returned for a token that is malformed or belongs to another request.
var ErrInvalid = errors.New("invalid page token")

const version = 1

// Token is the position after which the next page starts.
type Token struct {
	Time int64  `json:"t,omitempty"` // sort key when it is a time (Unix milliseconds, as stored)
	Text string `json:"s,omitempty"` // sort key when it is a string
	ID   string `json:"i"`           // tie-breaker: the last item's id

	V           int    `json:"v"`
	Fingerprint uint64 `json:"f"`
}

// Encode returns the URL-safe token for t, bound to the request fingerprint.
func Encode(t Token, fingerprint uint64) string {
	t.V = version
	t.Fingerprint = fingerprint
	b, err := json.Marshal(t)
	if err != nil { // cannot happen: plain fields only
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// Decode parses s and checks that it was issued for a request with this fingerprint.
func Decode(s string, fingerprint uint64) (Token, error) {
	var t Token
	if len(s) > 1024 {
		return t, ErrInvalid
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return t, ErrInvalid
	}
	if err := json.Unmarshal(b, &t); err != nil {
		return Token{}, ErrInvalid
	}
	if t.V != version || t.Fingerprint != fingerprint || t.ID == "" {
		return Token{}, ErrInvalid
	}
	return t, nil
}

// Fingerprint hashes every field of a List request except page_token and page_size,
// which may change from page to page.
func Fingerprint(req proto.Message) uint64 {
	m := proto.Clone(req).ProtoReflect()
	fields := m.Descriptor().Fields()
	for _, name := range []protoreflect.Name{"page_token", "page_size"} {
		if fd := fields.ByName(name); fd != nil {
			m.Clear(fd)
		}
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m.Interface())
	if err != nil {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(m.Descriptor().FullName()))
	h.Write(b)
	return h.Sum64()
}
