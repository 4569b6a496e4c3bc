package importfmt

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
	"github.com/newsroomhq/newsroom/services/ingest/textnorm"
)

// Item is one entry read from an import file, in no particular format.
type Item struct {
	// Key identifies the entry across imports: the source's id where the format has one,
	// else DerivedKey(Headline, Body).
	Key string
	// Headline as published, without a kind label such as "Recap | " (see Kind).
	Headline string
	// Body is the paragraphs, trimmed, with runs of spaces collapsed, joined with "\n\n".
	Body string
	// Kind is SUMMARY, CORRECTION or KEY_EVENT when the format or a headline label says so,
	// else UPDATE. Never KIND_UNSPECIFIED.
	Kind timelinev1.Entry_Kind
	// OccurTime is when the reported event happened, in UTC; zero when unknown.
	OccurTime time.Time
	// Authors are the bylines, in the order given.
	Authors []string
	// Sources are where the information comes from.
	Sources []Source
	// Located is where the content originates ("Istanbul"), when the format says.
	Located string
	// Line is the 1-based line of the input where the entry starts, for error reports and
	// for keeping page order.
	Line int
}

// Source is where an entry's information comes from.
type Source struct {
	Name string
	// URL is an http or https link, or empty.
	URL string
}

// LineError is a problem with one line or record of the input.
type LineError struct {
	// Line is 1-based; 0 when the problem is not tied to a line (a read error).
	Line int
	// Column is 1-based within Line, when known (JSON syntax errors).
	Column int
	// Field is the name of the offending field in the input, empty when the whole line is
	// at fault.
	Field string
	Err   error
}

func (e *LineError) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ", column %d", e.Column)
		}
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *LineError) Unwrap() error { return e.Err }

// ErrRequired is the cause of a LineError for a required field that is missing or blank.
var ErrRequired = errors.New("required")

// MaxKeyLen is the longest key, in bytes, that a source may give.
const MaxKeyLen = 512

// maxSentKey is the longest import key the service takes; longer source ids are sent
// as a hash of themselves, which is as stable.
const maxSentKey = 200

// DerivedKey is the key of an entry whose source has no id: "sha256:" and the hex digest of
// the folded headline and body (textnorm.Fold: case, diacritics, punctuation and spacing do
// not count), so re-importing the same text yields the same key and a changed word does not.
func DerivedKey(headline, body string) string {
	sum := sha256.Sum256([]byte(textnorm.Fold(headline) + "\n" + textnorm.Fold(body)))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// kindLabel is a label a newsroom puts before a headline to say what the entry is:
// "Recap | Talks end without a deal". The label is taken off the headline, because the
// kind carries it and readers render it from the kind.
var kindLabel = regexp.MustCompile(`(?i)^(recap|summary|correction|corrected|key event)\s*(?:\||:|\s[-–—])\s*(\S.*)$`)

// splitLabel returns the kind a headline label names, and the headline without it.
// Without a label it returns KIND_UNSPECIFIED and the headline as it is.
func splitLabel(headline string) (timelinev1.Entry_Kind, string) {
	m := kindLabel.FindStringSubmatch(headline)
	if m == nil || !hasLetterOrDigit(m[2]) {
		return timelinev1.Entry_KIND_UNSPECIFIED, headline
	}
	switch strings.ToLower(m[1]) {
	case "recap", "summary":
		return timelinev1.Entry_SUMMARY, m[2]
	case "correction", "corrected":
		return timelinev1.Entry_CORRECTION, m[2]
	default:
		return timelinev1.Entry_KEY_EVENT, m[2]
	}
}

// parseKind reads a kind name as JSON Lines write it: "update", "key_event", "summary",
// "correction" in any case, "recap" for summary; empty means unspecified.
func parseKind(s string) (timelinev1.Entry_Kind, error) {
	name := strings.ToUpper(strings.NewReplacer(" ", "_", "-", "_").Replace(strings.TrimSpace(s)))
	switch name {
	case "", "KIND_UNSPECIFIED":
		return timelinev1.Entry_KIND_UNSPECIFIED, nil
	case "RECAP":
		return timelinev1.Entry_SUMMARY, nil
	}
	if v, ok := timelinev1.Entry_Kind_value[name]; ok {
		return timelinev1.Entry_Kind(v), nil
	}
	return 0, fmt.Errorf("unknown kind %q (want update, key_event, summary or correction)", s)
}

// finish fills what every parser derives the same way: the headline label, the default
// kind and the key.
func finish(it *Item, explicit timelinev1.Entry_Kind) {
	labelled, headline := splitLabel(it.Headline)
	it.Headline = headline
	switch {
	case explicit != timelinev1.Entry_KIND_UNSPECIFIED:
		it.Kind = explicit
	case labelled != timelinev1.Entry_KIND_UNSPECIFIED:
		it.Kind = labelled
	default:
		it.Kind = timelinev1.Entry_UPDATE
	}
	if it.Key == "" {
		it.Key = DerivedKey(it.Headline, it.Body)
	}
}

// collapse makes s one clean line: valid UTF-8, no control or zero-width characters, every
// run of white space one space, trimmed.
func collapse(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			r = unicode.ReplacementChar
		case unicode.IsSpace(r):
			space = true
			continue
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// paragraphs splits text into clean paragraphs. Where the text has blank lines, they
// separate paragraphs and single line breaks are wrapping; else every line is a paragraph.
func paragraphs(text string) []string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	text = strings.ReplaceAll(text, "\r", "\n")
	lines := strings.Split(text, "\n")
	blank := false
	for _, l := range lines {
		if collapse(l) == "" {
			blank = true
			break
		}
	}
	var out []string
	if !blank {
		for _, l := range lines {
			if p := collapse(l); p != "" {
				out = append(out, p)
			}
		}
		return out
	}
	var cur []string
	flush := func() {
		if p := collapse(strings.Join(cur, " ")); p != "" {
			out = append(out, p)
		}
		cur = cur[:0]
	}
	for _, l := range lines {
		if collapse(l) == "" {
			flush()
			continue
		}
		cur = append(cur, l)
	}
	flush()
	return out
}

// parseTimestamp reads an RFC 3339 time. Sources that leave out the offset mean UTC, and a
// bare date means its midnight, UTC.
func parseTimestamp(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			if t = t.UTC(); t.Year() < 1 {
				break
			}
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time like 2025-06-02T14:05:00Z", s)
}

// checkKey cleans a key the source gives.
func checkKey(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) > MaxKeyLen {
		return "", fmt.Errorf("longer than %d bytes", MaxKeyLen)
	}
	if !utf8.ValidString(s) {
		return "", errors.New("not valid UTF-8")
	}
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return "", errors.New("has control characters")
	}
	if len(s) > maxSentKey {
		sum := sha256.Sum256([]byte(s))
		s = "sha256:" + hex.EncodeToString(sum[:])
	}
	return s, nil
}

// webURL returns s if it is an http or https link, else "".
func webURL(s string) string {
	s = strings.TrimSpace(s)
	if strings.ContainsAny(s, " \t\r\n") || !utf8.ValidString(s) {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return s
}
