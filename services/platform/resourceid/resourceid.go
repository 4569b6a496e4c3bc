// Package resourceid makes and checks the final components of resource names.
package resourceid

import (
	"crypto/rand"
	"encoding/binary"
	"time"
)

// Crockford's base32 alphabet in lower case: no i, l, o or u, so ids read back unambiguously.
const alphabet = "0123456789abcdefghjkmnpqrstvwxyz"

// New returns a 26-character id that sorts by creation time (48 bits of milliseconds,
// then 80 random bits), so that ids made in the same millisecond still differ.
func New(now time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now.UnixMilli())<<16)
	_, _ = rand.Read(b[6:]) // crypto/rand never fails on supported platforms
	// 128 bits as 26 base32 digits, most significant first.
	hi := binary.BigEndian.Uint64(b[:8])
	lo := binary.BigEndian.Uint64(b[8:])
	var out [26]byte
	for i := 25; i >= 0; i-- {
		out[i] = alphabet[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(out[:])
}

// Valid reports whether id may be used as a client-chosen id: 1 to 63 lower-case letters,
// digits and hyphens, starting with a letter or digit.
func Valid(id string) bool {
	if len(id) == 0 || len(id) > 63 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '-' && i > 0:
		default:
			return false
		}
	}
	return true
}
