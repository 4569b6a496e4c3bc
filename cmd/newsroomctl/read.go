package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/newsroomhq/newsroom/services/ingest/importfmt"
)

// formats are the values of import --format.
var formats = map[string]importfmt.Format{
	"liveblog": importfmt.LiveBlog,
	"jsonl":    importfmt.JSONLines,
	"ninjs":    importfmt.Ninjs,
}

// sourced is an item with the file it came from.
type sourced struct {
	importfmt.Item
	file string
}

func (s sourced) where() string { return fmt.Sprintf("%s:%d", s.file, s.Line) }

// problem is an item that could not be read: it is reported invalid and never sent.
type problem struct {
	file  string
	line  int
	field string
	err   error
}

func (p problem) where() string {
	if p.line == 0 {
		return p.file
	}
	return fmt.Sprintf("%s:%d", p.file, p.line)
}

// batchInput is everything read from the import's files.
type batchInput struct {
	// items in the order to import them: file by file, a live blog's oldest first.
	items    []sourced
	problems []problem
	// title and summary of the first live blog page, for a timeline that does not exist.
	title, summary string
	files          int
}

// readAll reads every file in the format given ("auto": detected per file). A file that
// cannot be read or parsed at all is an error; a bad line or record of one is a problem
// and the others go on.
func (c *cli) readAll(files []string, format string) (*batchInput, error) {
	in := &batchInput{}
	for _, name := range files {
		if err := c.readFile(in, name, format); err != nil {
			return nil, err
		}
		in.files++
	}
	return in, nil
}

func (c *cli) readFile(in *batchInput, name, format string) error {
	r, label, err := c.openInput(name)
	if err != nil {
		return err
	}
	defer func() { _ = r.Close() }()
	// Every format reads its whole input anyway (ninjs and live blogs need it in memory);
	// reading it here lets Detect see its start.
	data, err := io.ReadAll(io.LimitReader(r, importfmt.MaxNinjsBytes+1))
	if err != nil {
		return fmt.Errorf("read %s: %w", label, err)
	}
	if len(data) > importfmt.MaxNinjsBytes {
		return fmt.Errorf("%s: larger than %d MiB: split it", label, importfmt.MaxNinjsBytes>>20)
	}
	f, ok := formats[format]
	if !ok {
		head := data[:min(len(data), 8<<10)]
		if f = importfmt.Detect(name, head); f == importfmt.Unknown {
			return fmt.Errorf("%s: cannot tell its format (not text nor JSON): give --format", label)
		}
	}
	switch f {
	case importfmt.LiveBlog:
		doc, err := importfmt.ParseLiveBlog(bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("%s: not a live blog page: %w", label, err)
		}
		if in.title == "" {
			in.title, in.summary = doc.Title, doc.Standfirst
		}
		items := doc.Chronological()
		keepPageOrder(items, doc.Date)
		for _, it := range items {
			in.items = append(in.items, sourced{Item: it, file: label})
		}
	case importfmt.JSONLines:
		var fatal error
		importfmt.ParseJSONLines(bytes.NewReader(data), func(it importfmt.Item, err error) bool {
			var le *importfmt.LineError
			switch {
			case err == nil:
				in.items = append(in.items, sourced{Item: it, file: label})
			case errors.As(err, &le) && le.Line > 0:
				in.problems = append(in.problems, problemOf(label, le))
			default:
				fatal = fmt.Errorf("%s: %w", label, err)
				return false
			}
			return true
		})
		if fatal != nil {
			return fatal
		}
	case importfmt.Ninjs:
		items, err := importfmt.ParseNinjs(bytes.NewReader(data))
		// Bad records come joined, with the good items; anything else spoils the file.
		joined, ok := err.(interface{ Unwrap() []error })
		if err != nil && !ok {
			return fmt.Errorf("%s: not ninjs: %w", label, err)
		}
		if ok {
			for _, e := range joined.Unwrap() {
				var le *importfmt.LineError
				if !errors.As(e, &le) {
					return fmt.Errorf("%s: %w", label, e)
				}
				in.problems = append(in.problems, problemOf(label, le))
			}
		}
		for _, it := range items {
			in.items = append(in.items, sourced{Item: it, file: label})
		}
	}
	return nil
}

func problemOf(file string, le *importfmt.LineError) problem {
	return problem{file: file, line: le.Line, field: le.Field, err: le.Err}
}

// keepPageOrder gives the entries of a live blog page that carry no time one that keeps
// their place on the page, since ListEntries orders by time. items are oldest first. An
// entry without a time gets one second after the entry before it; the oldest, the page's
// date at 00:00:00 UTC. Times the page states are kept as they are.
func keepPageOrder(items []importfmt.Item, date time.Time) {
	prev := date.Add(-time.Second)
	for i := range items {
		t := items[i].OccurTime
		if t.IsZero() {
			t = prev.Add(time.Second)
			items[i].OccurTime = t
		}
		if t.After(prev) {
			prev = t
		}
	}
}
