package importfmt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// fieldError is a problem with one field of a JSON object; the parsers put the line on it.
type fieldError struct {
	field string
	err   error
}

func (e *fieldError) Error() string { return e.field + ": " + e.err.Error() }

func fieldErr(field string, format string, args ...any) *fieldError {
	return &fieldError{field: field, err: fmt.Errorf(format, args...)}
}

// object is a JSON object with its fields undecoded, so that each field is read on its own
// and a type error can name it.
type object map[string]json.RawMessage

// decodeObject reads one JSON object. Anything else (an array, a string, trailing data)
// is an error.
func decodeObject(data []byte) (object, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		if !json.Valid(data) {
			return nil, jsonSyntax(data)
		}
		return nil, errors.New("want a JSON object")
	}
	var o object
	if err := json.Unmarshal(data, &o); err != nil {
		return nil, jsonSyntax(data)
	}
	return o, nil
}

// jsonSyntax describes why data is not valid JSON.
func jsonSyntax(data []byte) error {
	var v any
	err := json.Unmarshal(data, &v)
	if err == nil {
		return errors.New("invalid JSON")
	}
	return fmt.Errorf("invalid JSON: %w", err)
}

func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

// list reads a list field as its undecoded elements, without nulls. A value that is not
// a list is a list of one when single is true, else an error saying want.
func (o object) list(field string, single bool, want string) ([]json.RawMessage, error) {
	raw, ok := o[field]
	if !ok || isNull(raw) {
		return nil, nil
	}
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		if !single {
			return nil, fieldErr(field, "want %s", want)
		}
		list = []json.RawMessage{raw}
	}
	out := list[:0]
	for _, r := range list {
		if !isNull(r) {
			out = append(out, r)
		}
	}
	return out, nil
}

// str reads a string field; a missing or null field is "".
func (o object) str(field string) (string, error) {
	raw, ok := o[field]
	if !ok || isNull(raw) {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", fieldErr(field, "want a string")
	}
	return s, nil
}

// id reads an identifier, a string or an integer.
func (o object) id(field string) (string, error) {
	raw, ok := o[field]
	if !ok || isNull(raw) {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil || strings.ContainsAny(n.String(), ".eE") {
			return "", fieldErr(field, "want a string or an integer")
		}
		s = n.String()
	}
	s, err := checkKey(s)
	if err != nil {
		return "", &fieldError{field: field, err: err}
	}
	return s, nil
}

// firstID reads the first of fields that holds an identifier.
func (o object) firstID(fields ...string) (string, error) {
	for _, f := range fields {
		if id, err := o.id(f); err != nil || id != "" {
			return id, err
		}
	}
	return "", nil
}

// line reads a string field as one clean line.
func (o object) line(field string) (string, error) {
	s, err := o.str(field)
	return collapse(s), err
}

// strings reads a list of strings; a single string is a list of one. Blank strings are
// dropped.
func (o object) strings(field string) ([]string, error) {
	list, err := o.list(field, true, "")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, r := range list {
		var s string
		if err := json.Unmarshal(r, &s); err != nil {
			return nil, fieldErr(field, "want a list of strings")
		}
		if c := collapse(s); c != "" {
			out = append(out, c)
		}
	}
	return out, nil
}

// objects reads a list of objects; a single object is a list of one.
func (o object) objects(field string) ([]object, error) {
	list, err := o.list(field, true, "")
	if err != nil {
		return nil, err
	}
	out := make([]object, 0, len(list))
	for i, r := range list {
		var m object
		if err := json.Unmarshal(r, &m); err != nil {
			return nil, fieldErr(fmt.Sprintf("%s[%d]", field, i), "want an object")
		}
		out = append(out, m)
	}
	return out, nil
}

// timestamp reads an RFC 3339 time; a missing field is the zero time.
func (o object) timestamp(field string) (time.Time, error) {
	s, err := o.str(field)
	if err != nil || strings.TrimSpace(s) == "" {
		return time.Time{}, err
	}
	t, err := parseTimestamp(s)
	if err != nil {
		return time.Time{}, &fieldError{field: field, err: err}
	}
	return t, nil
}

// sources reads a list of sources: objects with "name" and "url" (or "uri"), or strings
// that are a name or a link. A source with only a link is named after the link's host.
func (o object) sources(field string) ([]Source, error) {
	list, err := o.list(field, false, "a list of sources")
	if err != nil {
		return nil, err
	}
	var out []Source
	for i, r := range list {
		name := fmt.Sprintf("%s[%d]", field, i)
		var s Source
		var text string
		if err := json.Unmarshal(r, &text); err == nil {
			if s.URL = webURL(text); s.URL == "" {
				s.Name = collapse(text)
			}
		} else {
			var m object
			if err := json.Unmarshal(r, &m); err != nil {
				return nil, fieldErr(name, "want an object with name and url, or a string")
			}
			var err error
			if s.Name, err = m.str("name"); err != nil {
				return nil, prefix(name, err)
			}
			s.Name = collapse(s.Name)
			link, err := m.str("url")
			if err == nil && link == "" {
				link, err = m.str("uri")
			}
			if err != nil {
				return nil, prefix(name, err)
			}
			if link = strings.TrimSpace(link); link != "" {
				if s.URL = webURL(link); s.URL == "" {
					return nil, fieldErr(name+".url", "want an http or https link")
				}
			}
		}
		if err := nameAfterHost(&s); err != nil {
			return nil, &fieldError{field: name, err: err}
		}
		out = append(out, s)
	}
	return out, nil
}

// nameAfterHost gives a source that has only a link the link's host for a name.
func nameAfterHost(s *Source) error {
	if s.Name != "" {
		return nil
	}
	if s.URL != "" {
		if u, err := url.Parse(s.URL); err == nil && u.Hostname() != "" {
			s.Name = strings.TrimPrefix(u.Hostname(), "www.")
			return nil
		}
	}
	return errors.New("name or url required")
}

// prefix puts the path of an enclosing field before a field error.
func prefix(path string, err error) error {
	var fe *fieldError
	if errors.As(err, &fe) {
		return &fieldError{field: path + "." + fe.field, err: fe.err}
	}
	return &fieldError{field: path, err: err}
}

// lineError turns an error about a record that starts on line n into a LineError.
func lineError(n int, err error) *LineError {
	var fe *fieldError
	if errors.As(err, &fe) {
		return &LineError{Line: n, Field: fe.field, Err: fe.err}
	}
	return &LineError{Line: n, Err: err}
}

// body reads a body: a string of paragraphs or a list of paragraph strings.
func (o object) body(field string) (string, error) {
	raw, ok := o[field]
	if !ok || isNull(raw) {
		return "", nil
	}
	var text string
	if err := json.Unmarshal(raw, &text); err == nil {
		return strings.Join(paragraphs(text), "\n\n"), nil
	}
	var list []*string
	if err := json.Unmarshal(raw, &list); err != nil {
		return "", fieldErr(field, "want a string or a list of paragraph strings")
	}
	var out []string
	for _, p := range list {
		if p != nil {
			out = append(out, paragraphs(*p)...)
		}
	}
	return strings.Join(out, "\n\n"), nil
}
