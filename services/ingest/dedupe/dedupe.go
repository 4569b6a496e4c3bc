// Package dedupe tells repeated news text from new text: repeated exactly once
// normalised, or nearly (a paragraph re-posted under a new headline with a word changed).
//
// Near repeats are found with MinHash over word 3-shingles of the folded body: a
// signature of Hashes minimums estimates the Jaccard similarity of two shingle sets, and,
// with their sizes, how much of a new text an older one contains. A new text is a near
// repeat of an older one when at least MinContainment of its shingles are in it. To find
// candidates with an index instead of comparing with every entry, the signature is cut
// into Bands bands of Rows values (locality-sensitive hashing): texts sharing a band key
// are candidates, and with 32 bands of 2 a pair at Jaccard 0.6 is a candidate with
// probability 1-(1-0.6²)³² > 0.9999, one at 0.1 with 0.27.
package dedupe

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/newsroomhq/newsroom/services/ingest/textnorm"
)

const (
	// Hashes is the length of a signature.
	Hashes = 64
	// Rows is the number of signature values per band.
	Rows = 2
	// Bands is the number of band keys per signature.
	Bands = Hashes / Rows
	// MinContainment is the share of a new text's shingles that an older text must hold
	// for the new one to be a near repeat: one changed word in a 40-word paragraph
	// leaves about 0.9 of it; unrelated entries on the same story share under 0.1.
	MinContainment = 0.75
	// shingle is the number of words per shingle.
	shingle = 3
)

// Fingerprint identifies a text for duplicate detection.
type Fingerprint struct {
	// Exact is a hash of the normalised headline and body: equal for texts that differ
	// only in case, accents, punctuation and spacing.
	Exact string
	// Signature is the MinHash signature of the body's shingles (of the headline when the
	// body is empty); nil when there is no text.
	Signature []uint32
	// Shingles is the number of distinct shingles.
	Shingles int
}

// Of fingerprints an entry's headline and body.
func Of(headline, body string) Fingerprint {
	normBody := textnorm.Fold(body)
	sum := sha256.Sum256([]byte(textnorm.Fold(headline) + "\n" + normBody))
	fp := Fingerprint{Exact: hex.EncodeToString(sum[:16])}
	words := strings.Fields(normBody)
	if len(words) == 0 {
		words = strings.Fields(textnorm.Fold(headline))
	}
	set := shingles(words)
	if len(set) == 0 {
		return fp
	}
	fp.Shingles = len(set)
	fp.Signature = make([]uint32, Hashes)
	for i := range fp.Signature {
		fp.Signature[i] = ^uint32(0)
	}
	for h := range set {
		for i := range Hashes {
			if v := permute(h, uint64(i)); v < fp.Signature[i] {
				fp.Signature[i] = v
			}
		}
	}
	return fp
}

// shingles hashes every run of shingle words (the whole text when shorter).
func shingles(words []string) map[uint64]struct{} {
	set := map[uint64]struct{}{}
	if len(words) == 0 {
		return set
	}
	if len(words) < shingle {
		set[hash(strings.Join(words, " "))] = struct{}{}
		return set
	}
	for i := 0; i+shingle <= len(words); i++ {
		set[hash(strings.Join(words[i:i+shingle], " "))] = struct{}{}
	}
	return set
}

// hash is FNV-1a: stable across processes, unlike maphash with a random seed.
func hash(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// permute is the i-th hash function of the signature (a splitmix64 finaliser of h and i).
func permute(h, i uint64) uint32 {
	z := h + (i+1)*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return uint32((z ^ (z >> 31)) >> 32)
}

// Jaccard estimates the Jaccard similarity of two texts' shingle sets.
func Jaccard(a, b Fingerprint) float64 {
	if len(a.Signature) != Hashes || len(b.Signature) != Hashes {
		return 0
	}
	same := 0
	for i := range Hashes {
		if a.Signature[i] == b.Signature[i] {
			same++
		}
	}
	return float64(same) / Hashes
}

// Containment estimates the share of text's shingles that older holds.
func Containment(text, older Fingerprint) float64 {
	j := Jaccard(text, older)
	if j == 0 || text.Shingles == 0 {
		return 0
	}
	// |A∩B| = J·|A∪B| and |A∪B| = (|A|+|B|)/(1+J).
	c := j * float64(text.Shingles+older.Shingles) / ((1 + j) * float64(text.Shingles))
	return min(c, 1)
}

// NearRepeat reports whether text nearly repeats older.
func NearRepeat(text, older Fingerprint) bool { return Containment(text, older) >= MinContainment }

// BandKeys returns the signature's band keys, each tagged with its band so that equal
// values in different bands do not collide: what the store matches to find candidates.
func BandKeys(fp Fingerprint) []int64 {
	if len(fp.Signature) != Hashes {
		return nil
	}
	out := make([]int64, Bands)
	for b := range Bands {
		h := uint64(b)
		for _, v := range fp.Signature[b*Rows : (b+1)*Rows] {
			h = h*0x100000001b3 ^ uint64(v)
		}
		out[b] = int64(h>>8)<<8 | int64(b) // low byte: the band
	}
	return out
}
