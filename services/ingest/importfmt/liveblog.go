package importfmt

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Document is a live blog page read as text.
type Document struct {
	Title string
	// Date is the page's day at midnight UTC.
	Date       time.Time
	Standfirst string
	// Lede is the paragraphs between the standfirst and the first entry.
	Lede []string
	// Items are the entries in page order: newest first, as a live blog shows them. Use
	// Chronological for the order to create them in.
	Items []Item
}

// Chronological returns the items oldest first (the reverse of page order), the order in
// which to create entries that have no OccurTime so that their creation times keep the
// page's order. Item.Line also gives the page position.
func (d *Document) Chronological() []Item {
	out := make([]Item, len(d.Items))
	for i, it := range d.Items {
		out[len(d.Items)-1-i] = it
	}
	return out
}

// MaxHeadlineRunes is the longest line ParseLiveBlog takes for a headline.
const MaxHeadlineRunes = 140

// header is the first line of a live blog: " date 2025-06-02 Title of the page".
var header = regexp.MustCompile(`(?i)^date\s*:?\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:\s*[-–—|:]\s+|\s+|$)(.*)$`)

// textLine is a line of the page after cleaning.
type textLine struct {
	n     int // 1-based line number in the input
	text  string
	stamp *clock // a time given on the line just before, alone
}

// ParseLiveBlog reads the plain text of a live blog page:
//
//	 date 2025-07-14 Peace talks in Istanbul: live
//	Standfirst, one line
//	Lede paragraphs, one per line
//	An entry headline
//	Its paragraphs, one per line
//	Another headline
//	...
//
// The first non-blank line is the header: "date", the day as YYYY-MM-DD and the title
// (leading spaces, case, a colon after "date" and a separator before the title are
// allowed). The next line is the standfirst. Blank lines are ignored everywhere, and so
// are lines of site furniture (see isBoilerplate) and lines without a letter or digit.
//
// A line is a headline when it is
//   - at most MaxHeadlineRunes long,
//   - not ending in sentence punctuation (. ! ? : ; , or …), also not before closing quotes
//     or brackets (`He said: “We agreed.”` is a paragraph),
//   - not starting with a list bullet, and having a letter or digit, and
//   - followed by at least one paragraph line.
//
// In a run of lines that each look like a headline, only the last (the one followed by a
// paragraph) is the headline; the ones before it are paragraphs of the entry above, which
// is what a short paragraph without a final full stop at the end of an entry needs. The
// price: an entry of a headline alone, with no paragraph, is read as a paragraph of the
// entry above, and a short paragraph without final punctuation in the middle of an entry
// starts a new entry. Question headlines end in "?" and are read as paragraphs.
//
// Paragraphs before the first headline are the lede. Items come back in page order
// (newest first); see Document.Chronological.
//
// Kind: a "Recap | " or "Summary | " label (also with ":" or a dash) makes a SUMMARY,
// "Correction | " a CORRECTION, "Key event | " a KEY_EVENT; the label is taken off the
// headline. Anything else is an UPDATE.
//
// Time: when the headline or the entry's first paragraph starts with a time of day
// ("14:05", "2.05pm", "9am BST"), or a line holding only a time stands right before the
// headline or right after it, OccurTime is that time on the page's date, taken off the
// text. Times are UTC unless the text gives an offset or one of a few zone names (see
// zoneOffsets). Walking from the oldest entry to the newest, a time more than 12 hours
// earlier than the entry before it is taken to be on the next day (a blog running past
// midnight). Entries without a time have a zero OccurTime.
//
// The key of every item is DerivedKey: the page has no ids. Authors and sources are empty.
// A page without a valid header is an error; so is a line over MaxLineBytes.
func ParseLiveBlog(r io.Reader) (*Document, error) {
	lines, err := readTextLines(r)
	if err != nil {
		return nil, err
	}
	if len(lines) == 0 {
		return nil, &LineError{Line: 1, Err: errors.New(`empty: a live blog starts with " date YYYY-MM-DD title"`)}
	}
	doc, err := readHeader(lines[0])
	if err != nil {
		return nil, err
	}
	lines = lines[1:]
	if len(lines) > 0 {
		doc.Standfirst = lines[0].text
		lines = lines[1:]
	}
	lines = attachStamps(lines)

	headline := make([]bool, len(lines))
	for i := range lines {
		// Only the last of a run of headline-like lines, and only when a paragraph follows.
		headline[i] = headlineLike(lines[i].text) && i+1 < len(lines) && !headlineLike(lines[i+1].text)
	}
	var cur *Item
	var paras []string
	flush := func() {
		if cur != nil {
			cur.Body = strings.Join(paras, "\n\n")
			finish(cur, 0)
			doc.Items = append(doc.Items, *cur)
		}
	}
	for i, l := range lines {
		switch {
		case headline[i]:
			flush()
			cur = &Item{Line: l.n, Headline: l.text}
			paras = nil
			if c, rest, ok := readClock(l.text); ok && rest != "" {
				cur.Headline = rest
				cur.OccurTime = c.on(doc.Date)
			} else if l.stamp != nil {
				cur.OccurTime = l.stamp.on(doc.Date)
			}
		case cur == nil:
			doc.Lede = append(doc.Lede, l.text)
		default:
			text := l.text
			if len(paras) == 0 && cur.OccurTime.IsZero() {
				if c, rest, ok := readClock(text); ok && rest != "" {
					text = rest
					cur.OccurTime = c.on(doc.Date)
				} else if l.stamp != nil {
					cur.OccurTime = l.stamp.on(doc.Date)
				}
			}
			paras = append(paras, text)
		}
	}
	flush()
	rollOverMidnight(doc.Items)
	return doc, nil
}

// readTextLines reads the page as clean, non-blank lines that are not site furniture.
func readTextLines(r io.Reader) ([]textLine, error) {
	lr := newLineReader(r)
	var out []textLine
	for {
		raw, err := lr.next()
		if err == io.EOF {
			return out, nil
		}
		if errors.Is(err, errLineTooLong) {
			return nil, &LineError{Line: lr.n, Err: err}
		}
		if err != nil {
			return nil, fmt.Errorf("read live blog: %w", err)
		}
		text := collapse(string(raw))
		if !hasLetterOrDigit(text) || isBoilerplate(text) {
			continue
		}
		out = append(out, textLine{n: lr.n, text: text})
	}
}

func readHeader(l textLine) (*Document, error) {
	m := header.FindStringSubmatch(l.text)
	if m == nil {
		return nil, &LineError{Line: l.n, Err: errors.New(`want " date YYYY-MM-DD title" on the first line`)}
	}
	y, _ := strconv.Atoi(m[1])
	mo, _ := strconv.Atoi(m[2])
	d, _ := strconv.Atoi(m[3])
	date := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
	if y < 1 || date.Year() != y || int(date.Month()) != mo || date.Day() != d {
		return nil, &LineError{Line: l.n, Field: "date", Err: fmt.Errorf("%s-%s-%s is not a date", m[1], m[2], m[3])}
	}
	title := strings.TrimSpace(m[4])
	if !hasLetterOrDigit(title) {
		return nil, &LineError{Line: l.n, Field: "title", Err: ErrRequired}
	}
	return &Document{Title: title, Date: date}, nil
}

// attachStamps takes out the lines that hold only a time and gives that time to the line
// after them.
func attachStamps(lines []textLine) []textLine {
	out := lines[:0]
	var pending *clock
	for _, l := range lines {
		if c, rest, ok := readClock(l.text); ok && !hasLetterOrDigit(rest) {
			pending = &c
			continue
		}
		l.stamp = pending
		pending = nil
		out = append(out, l)
	}
	return out
}

// headlineLike reports whether a clean line could be a headline by its own shape.
func headlineLike(s string) bool {
	if utf8.RuneCountInString(s) > MaxHeadlineRunes || !hasLetterOrDigit(s) {
		return false
	}
	if first, _ := utf8.DecodeRuneInString(s); strings.ContainsRune("•·▪●◦‣*-–—", first) {
		return false
	}
	end := strings.TrimRightFunc(s, func(r rune) bool {
		return strings.ContainsRune(`"'”’»)]`, r) || unicode.IsSpace(r)
	})
	last, _ := utf8.DecodeLastRuneInString(end)
	return !strings.ContainsRune(".!?:;,…", last)
}

func hasLetterOrDigit(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0
}

// rollOverMidnight moves an entry's time to the next day when, read oldest first, it is
// more than 12 hours earlier than the timed entry before it. Items are in page order,
// newest first.
func rollOverMidnight(items []Item) {
	var prev time.Time
	var shift time.Duration
	for i := len(items) - 1; i >= 0; i-- {
		t := items[i].OccurTime
		if t.IsZero() {
			continue
		}
		t = t.Add(shift)
		if !prev.IsZero() && prev.Sub(t) > 12*time.Hour {
			shift += 24 * time.Hour
			t = t.Add(24 * time.Hour)
		}
		items[i].OccurTime = t
		prev = t
	}
}
