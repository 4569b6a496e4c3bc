package importfmt

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// ParseJSONLines reads JSON Lines: one JSON object per line, one entry per object, blank
// lines skipped. It calls yield for every entry in input order, with the item or with a
// *LineError naming the line (and the field, when one is at fault) and Item.Line set; a bad
// line does not stop the parse. Parsing stops when yield returns false or the reader
// fails; a read error is yielded last, as a *LineError with Line 0.
//
// Fields (names are lower case; others are ignored):
//
//	key, id      the client's import key (string or integer); key wins; else DerivedKey
//	headline     required; a kind label such as "Recap | " is taken off and sets the kind
//	body         a string (paragraphs separated by blank lines, or one per line) or a list
//	             of paragraph strings
//	kind         update, key_event, summary (or recap), correction; any case
//	occur_time  RFC 3339 time; without an offset it is UTC
//	authors      list of bylines, or one string
//	sources      list of {"name", "url"} objects, or of strings (a name or a link)
//	located     where the content originates
func ParseJSONLines(r io.Reader, yield func(Item, error) bool) {
	lr := newLineReader(r)
	for {
		raw, err := lr.next()
		if err == io.EOF {
			return
		}
		if err != nil && !errors.Is(err, errLineTooLong) {
			yield(Item{}, &LineError{Err: fmt.Errorf("read JSON lines: %w", err)})
			return
		}
		if err == nil && strings.TrimSpace(string(raw)) == "" {
			continue
		}
		var it Item
		if err == nil {
			it, err = jsonLineItem(raw)
		}
		if err != nil {
			if !yield(Item{Line: lr.n}, lineError(lr.n, err)) {
				return
			}
			continue
		}
		it.Line = lr.n
		if !yield(it, nil) {
			return
		}
	}
}

// jsonLineItem reads one line's object.
func jsonLineItem(raw []byte) (Item, error) {
	o, err := decodeObject(raw)
	if err != nil {
		return Item{}, err
	}
	var it Item
	if it.Key, err = o.firstID("key", "import_key", "id"); err != nil {
		return Item{}, err
	}
	if it.Headline, err = o.line("headline"); err != nil {
		return Item{}, err
	}
	if it.Headline == "" {
		return Item{}, &fieldError{field: "headline", err: ErrRequired}
	}
	if it.Body, err = o.body("body"); err != nil {
		return Item{}, err
	}
	kindName, err := o.str("kind")
	if err != nil {
		return Item{}, err
	}
	kind, err := parseKind(kindName)
	if err != nil {
		return Item{}, &fieldError{field: "kind", err: err}
	}
	if it.OccurTime, err = o.timestamp("occur_time"); err != nil {
		return Item{}, err
	}
	if it.Authors, err = o.strings("authors"); err != nil {
		return Item{}, err
	}
	if it.Sources, err = o.sources("sources"); err != nil {
		return Item{}, err
	}
	if it.Located, err = o.line("located"); err != nil {
		return Item{}, err
	}
	finish(&it, kind)
	return it, nil
}
