package importfmt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
)

// MaxNinjsBytes is the largest ninjs input ParseNinjs reads.
const MaxNinjsBytes = 64 << 20

// ParseNinjs reads IPTC ninjs news items (1.x and 2.x): a single object, an array of
// objects, or objects one after another (JSON Lines). Each object becomes one item, in
// input order, with Line the line where the object starts:
//
//	Key         uri, else guid, else DerivedKey
//	Headline    headlines[] (2.x): the one with role "main", else the first; else headline
//	            (1.x). Required. Markup is stripped when contenttype says HTML.
//	Body        bodies[] (2.x): a text/plain body before an HTML one, role "main" or none
//	            first; else body_text; else body_html. HTML is reduced to paragraphs (block
//	            elements and <br> end one; figures, scripts and styles are dropped).
//	Kind        CORRECTION when a genre or signal (name, literal or uri) mentions
//	            "correction"; SUMMARY when one says summary, recap or wrap-up; else from a
//	            headline label, else UPDATE
//	OccurTime  firstcreated, else contentcreated, else versioncreated: the first version's
//	            time, so that a corrected version keeps the entry's place
//	Authors     by (2.x) or byline (1.x), without a leading "By "; bylines[] (strings, or
//	            objects with by or name)
//	Sources     infosources[]: name (or literal), and uri when it is a web link
//	Located     located
//
// Other properties (pubstatus, urgency, subjects, renditions, associations...) are not
// read. Invalid JSON is an error naming the line and column, and nothing is returned. A
// record that is JSON but not a usable item (no headline, a field of the wrong type) does
// not stop the others: the items of the good records come back together with an error
// joining a *LineError for each bad record.
func ParseNinjs(r io.Reader) ([]Item, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxNinjsBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read ninjs: %w", err)
	}
	if len(data) > MaxNinjsBytes {
		return nil, fmt.Errorf("ninjs input larger than %d bytes", MaxNinjsBytes)
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	pos := newPositions(data)
	records, err := splitRecords(data, pos)
	if err != nil {
		return nil, err
	}
	var items []Item
	var errs []error
	for _, rec := range records {
		it, err := ninjsItem(rec.raw)
		if err != nil {
			errs = append(errs, lineError(rec.line, err))
			continue
		}
		it.Line = rec.line
		items = append(items, it)
	}
	return items, errors.Join(errs...)
}

type record struct {
	line int
	raw  json.RawMessage
}

// splitRecords cuts the input into its top-level values: the elements of an array, or a
// sequence of objects.
func splitRecords(data []byte, pos *positions) ([]record, error) {
	start := skipSpace(data, 0)
	if start == len(data) {
		return nil, errors.New("empty input: want a ninjs object, an array of them, or JSON lines")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var out []record
	next := func() (record, error) {
		at := skipSpace(data, int(dec.InputOffset()))
		if at < len(data) && data[at] == ',' {
			at = skipSpace(data, at+1)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return record{}, syntaxError(err, data, pos)
		}
		line, _ := pos.at(at)
		return record{line: line, raw: raw}, nil
	}
	switch data[start] {
	case '[':
		if _, err := dec.Token(); err != nil {
			return nil, syntaxError(err, data, pos)
		}
		for dec.More() {
			rec, err := next()
			if err != nil {
				return nil, err
			}
			out = append(out, rec)
		}
		if _, err := dec.Token(); err != nil {
			return nil, syntaxError(err, data, pos)
		}
		if end := skipSpace(data, int(dec.InputOffset())); end < len(data) {
			line, col := pos.at(end)
			return nil, &LineError{Line: line, Column: col, Err: errors.New("invalid JSON: data after the closing ]")}
		}
	case '{':
		for skipSpace(data, int(dec.InputOffset())) < len(data) {
			rec, err := next()
			if err != nil {
				return nil, err
			}
			out = append(out, rec)
		}
	default:
		line, col := pos.at(start)
		if !json.Valid(data) {
			return nil, &LineError{Line: line, Column: col, Err: jsonSyntax(data)}
		}
		return nil, &LineError{Line: line, Column: col, Err: errors.New("want a ninjs object, an array of them, or JSON lines")}
	}
	return out, nil
}

// syntaxError places a decoding error in the input.
func syntaxError(err error, data []byte, pos *positions) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		line, col := pos.at(int(se.Offset))
		return &LineError{Line: line, Column: col, Err: fmt.Errorf("invalid JSON: %w", err)}
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		line, col := pos.at(len(data))
		return &LineError{Line: line, Column: col, Err: errors.New("invalid JSON: unexpected end of input")}
	}
	return &LineError{Err: fmt.Errorf("invalid JSON: %w", err)}
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// positions turns byte offsets into 1-based lines and columns. Offsets are asked for in
// increasing order, so it counts forward from the last answer.
type positions struct {
	data      []byte
	off, line int
	lineStart int
}

func newPositions(data []byte) *positions { return &positions{data: data, line: 1} }

func (p *positions) at(off int) (line, col int) {
	off = min(max(off, 0), len(p.data))
	if off < p.off {
		p.off, p.line, p.lineStart = 0, 1, 0
	}
	for ; p.off < off; p.off++ {
		if p.data[p.off] == '\n' {
			p.line++
			p.lineStart = p.off + 1
		}
	}
	return p.line, off - p.lineStart + 1
}

// ninjsItem maps one ninjs object.
func ninjsItem(raw json.RawMessage) (Item, error) {
	o, err := decodeObject(raw)
	if err != nil {
		return Item{}, err
	}
	var it Item
	if it.Key, err = o.firstID("uri", "guid"); err != nil {
		return Item{}, err
	}
	if it.Headline, err = ninjsHeadline(o); err != nil {
		return Item{}, err
	}
	if it.Headline == "" {
		return Item{}, &fieldError{field: "headline", err: ErrRequired}
	}
	if it.Body, err = ninjsBody(o); err != nil {
		return Item{}, err
	}
	for _, field := range []string{"firstcreated", "contentcreated", "versioncreated"} {
		if !it.OccurTime.IsZero() {
			break
		}
		if it.OccurTime, err = o.timestamp(field); err != nil {
			return Item{}, err
		}
	}
	if it.Authors, err = ninjsAuthors(o); err != nil {
		return Item{}, err
	}
	if it.Sources, err = ninjsSources(o); err != nil {
		return Item{}, err
	}
	if it.Located, err = o.line("located"); err != nil {
		return Item{}, err
	}
	kind, err := ninjsKind(o)
	if err != nil {
		return Item{}, err
	}
	finish(&it, kind)
	return it, nil
}

// text is a ninjs headline or body: a value with a role and a content type.
type text struct {
	value, role, contenttype string
}

func (t text) html() bool {
	if ct := strings.ToLower(t.contenttype); ct != "" {
		return !strings.HasPrefix(ct, "text/plain")
	}
	// Without a content type, markup shows itself.
	return strings.HasPrefix(strings.TrimSpace(t.value), "<")
}

func (t text) paragraphs() []string {
	if t.html() {
		return htmlParagraphs(t.value)
	}
	return paragraphs(t.value)
}

// texts reads a 2.x list of {value, role, contenttype}.
func (o object) texts(field string) ([]text, error) {
	list, err := o.objects(field)
	if err != nil {
		return nil, err
	}
	var out []text
	for i, m := range list {
		var t text
		var err error
		for _, f := range []struct {
			name string
			dst  *string
		}{{"value", &t.value}, {"role", &t.role}, {"contenttype", &t.contenttype}} {
			if *f.dst, err = m.str(f.name); err != nil {
				return nil, prefix(fmt.Sprintf("%s[%d]", field, i), err)
			}
		}
		if strings.TrimSpace(t.value) != "" {
			out = append(out, t)
		}
	}
	return out, nil
}

func ninjsHeadline(o object) (string, error) {
	list, err := o.texts("headlines")
	if err != nil {
		return "", err
	}
	best := -1
	for i, t := range list {
		if best < 0 || (strings.EqualFold(t.role, "main") && !strings.EqualFold(list[best].role, "main")) {
			best = i
		}
	}
	if best >= 0 {
		return collapse(strings.Join(list[best].paragraphs(), " ")), nil
	}
	return o.line("headline")
}

func ninjsBody(o object) (string, error) {
	list, err := o.texts("bodies")
	if err != nil {
		return "", err
	}
	score := func(t text) int {
		s := 0
		if !t.html() {
			s += 2
		}
		if t.role == "" || strings.EqualFold(t.role, "main") {
			s++
		}
		return s
	}
	best := -1
	for i, t := range list {
		if best < 0 || score(t) > score(list[best]) {
			best = i
		}
	}
	if best >= 0 {
		return strings.Join(list[best].paragraphs(), "\n\n"), nil
	}
	for _, f := range []struct {
		field string
		html  bool
	}{{"body_text", false}, {"body_html", true}} {
		s, err := o.str(f.field)
		if err != nil {
			return "", err
		}
		if strings.TrimSpace(s) != "" {
			ct := "text/plain"
			if f.html {
				ct = "text/html"
			}
			return strings.Join(text{value: s, contenttype: ct}.paragraphs(), "\n\n"), nil
		}
	}
	return "", nil
}

func ninjsAuthors(o object) ([]string, error) {
	var out []string
	add := func(s string) {
		s = collapse(s)
		if len(s) > 3 && strings.EqualFold(s[:3], "by ") {
			s = strings.TrimSpace(s[3:])
		}
		if s != "" {
			out = append(out, s)
		}
	}
	for _, field := range []string{"by", "byline"} {
		s, err := o.str(field)
		if err != nil {
			return nil, err
		}
		add(s)
	}
	list, err := o.list("bylines", false, "a list")
	if err != nil {
		return nil, err
	}
	for i, r := range list {
		var s string
		if err := json.Unmarshal(r, &s); err == nil {
			add(s)
			continue
		}
		var m object
		if err := json.Unmarshal(r, &m); err != nil {
			return nil, fieldErr(fmt.Sprintf("bylines[%d]", i), "want a string or an object with by or name")
		}
		for _, f := range []string{"by", "name"} {
			s, err := m.str(f)
			if err != nil {
				return nil, prefix(fmt.Sprintf("bylines[%d]", i), err)
			}
			if s != "" {
				add(s)
				break
			}
		}
	}
	return out, nil
}

func ninjsSources(o object) ([]Source, error) {
	list, err := o.objects("infosources")
	if err != nil {
		return nil, err
	}
	var out []Source
	for i, m := range list {
		var name, literal, uri string
		for _, f := range []struct {
			field string
			dst   *string
		}{{"name", &name}, {"literal", &literal}, {"uri", &uri}} {
			if *f.dst, err = m.str(f.field); err != nil {
				return nil, prefix(fmt.Sprintf("infosources[%d]", i), err)
			}
		}
		s := Source{Name: collapse(name), URL: webURL(uri)}
		if s.Name == "" {
			s.Name = collapse(literal)
		}
		// Metadata without a name or a link says nothing a reader could use.
		if nameAfterHost(&s) == nil {
			out = append(out, s)
		}
	}
	return out, nil
}

// ninjsKind reads the kind from genres and signals (signals are not in the 2.x schema,
// but some providers send them, as strings or as objects like genres).
func ninjsKind(o object) (timelinev1.Entry_Kind, error) {
	var words []string
	for _, field := range []string{"genres", "signals"} {
		list, err := o.list(field, false, "a list")
		if err != nil {
			return 0, err
		}
		for _, r := range list {
			var s string
			if json.Unmarshal(r, &s) == nil {
				words = append(words, s)
				continue
			}
			var m map[string]any
			if json.Unmarshal(r, &m) != nil {
				continue
			}
			for _, k := range []string{"name", "literal", "uri", "code", "value"} {
				if s, ok := m[k].(string); ok {
					words = append(words, s)
				}
			}
		}
	}
	kind := timelinev1.Entry_KIND_UNSPECIFIED
	for _, w := range words {
		w = strings.ToLower(w)
		switch {
		case strings.Contains(w, "correction"):
			return timelinev1.Entry_CORRECTION, nil
		case strings.Contains(w, "summary"), strings.Contains(w, "recap"), strings.Contains(w, "wrap-up"), strings.Contains(w, "wrapup"):
			kind = timelinev1.Entry_SUMMARY
		}
	}
	return kind, nil
}
