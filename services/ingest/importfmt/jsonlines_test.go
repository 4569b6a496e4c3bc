package importfmt

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
)

// result is what one yield call gave.
type result struct {
	item Item
	err  error
}

func collectJSONLines(input string) []result {
	var out []result
	ParseJSONLines(strings.NewReader(input), func(it Item, err error) bool {
		out = append(out, result{it, err})
		return true
	})
	return out
}

func TestParseJSONLines(t *testing.T) {
	input := strings.Join([]string{
		`{"key":"talks-001","headline":"Delegations arrive at the palace","body":["The Ukrainian team arrived first.","The Russian team followed an hour later."],"occur_time":"2025-07-14T10:05:00+03:00","authors":["Kateryna Bondar in Istanbul"],"sources":[{"name":"Turkish foreign ministry","url":"https://www.mfa.gov.tr/"}],"located":"Istanbul"}`,
		``,
		`{"id": 42, "headline": "Recap | The day so far", "body": "Para one.\n\nPara two."}`,
		`{"headline": "Minister's name", "kind": "correction", "body": "An earlier entry misspelt the minister's name.", "unknown": {"ignored": true}}`,
		`{"headline": "Talks end", "authors": "Oleh Marchenko", "sources": ["https://www.reuters.com/world/", "Anadolu Agency"], "id": "  "}`,
		`   `,
		`{"key": "talks-006", "headline": "Recap | Kept as an update", "kind": "UPDATE", "body": "Line one\nLine two"}`,
	}, "\n")
	got := collectJSONLines(input)
	want := []Item{{
		Key:       "talks-001",
		Headline:  "Delegations arrive at the palace",
		Body:      "The Ukrainian team arrived first.\n\nThe Russian team followed an hour later.",
		Kind:      timelinev1.Entry_UPDATE,
		OccurTime: time.Date(2025, 7, 14, 7, 5, 0, 0, time.UTC),
		Authors:   []string{"Kateryna Bondar in Istanbul"},
		Sources:   []Source{{Name: "Turkish foreign ministry", URL: "https://www.mfa.gov.tr/"}},
		Located:   "Istanbul",
		Line:      1,
	}, {
		Key:      "42",
		Headline: "The day so far",
		Body:     "Para one.\n\nPara two.",
		Kind:     timelinev1.Entry_SUMMARY,
		Line:     3,
	}, {
		Key:      DerivedKey("Minister's name", "An earlier entry misspelt the minister's name."),
		Headline: "Minister's name",
		Body:     "An earlier entry misspelt the minister's name.",
		Kind:     timelinev1.Entry_CORRECTION,
		Line:     4,
	}, {
		Key:      DerivedKey("Talks end", ""),
		Headline: "Talks end",
		Kind:     timelinev1.Entry_UPDATE,
		Authors:  []string{"Oleh Marchenko"},
		Sources:  []Source{{Name: "reuters.com", URL: "https://www.reuters.com/world/"}, {Name: "Anadolu Agency"}},
		Line:     5,
	}, {
		Key:      "talks-006",
		Headline: "Kept as an update",
		Body:     "Line one\n\nLine two",
		Kind:     timelinev1.Entry_UPDATE,
		Line:     7,
	}}
	if len(got) != len(want) {
		t.Fatalf("got %d results, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		if got[i].err != nil {
			t.Errorf("result %d: %v", i, got[i].err)
			continue
		}
		if !reflect.DeepEqual(got[i].item, w) {
			t.Errorf("result %d\n got %+v\nwant %+v", i, got[i].item, w)
		}
	}
}

func TestParseJSONLinesBadLines(t *testing.T) {
	tests := map[string]struct {
		line  string
		field string
		msg   string
	}{
		"not JSON":              {`{"headline": "x",`, "", "invalid JSON"},
		"trailing data":         {`{"headline": "x"} {}`, "", "invalid JSON"},
		"not an object":         {`["headline"]`, "", "want a JSON object"},
		"no headline":           {`{"body": "x"}`, "headline", "required"},
		"blank headline":        {`{"headline": " \t "}`, "headline", "required"},
		"headline not a string": {`{"headline": 7}`, "headline", "want a string"},
		"bad time":              {`{"headline": "x", "occur_time": "yesterday"}`, "occur_time", "RFC 3339"},
		"year zero":             {`{"headline": "x", "occur_time": "0000-01-01T00:00:00Z"}`, "occur_time", "RFC 3339"},
		"unknown kind":          {`{"headline": "x", "kind": "breaking"}`, "kind", "unknown kind"},
		"authors not strings":   {`{"headline": "x", "authors": [1, 2]}`, "authors", "list of strings"},
		"body not text":         {`{"headline": "x", "body": {"p": 1}}`, "body", "paragraph"},
		"source not a link":     {`{"headline": "x", "sources": [{"name": "x", "url": "ftp://example.org"}]}`, "sources[0].url", "http"},
		"source empty":          {`{"headline": "x", "sources": [{}]}`, "sources[0]", "name or url"},
		"source name type":      {`{"headline": "x", "sources": [{"name": 1}]}`, "sources[0].name", "want a string"},
		"sources not a list":    {`{"headline": "x", "sources": "Reuters"}`, "sources", "list of sources"},
		"key too long":          {`{"headline": "x", "key": "` + strings.Repeat("k", MaxKeyLen+1) + `"}`, "key", "longer"},
		"key a fraction":        {`{"headline": "x", "id": 1.5}`, "id", "integer"},
		"key with a line break": {`{"headline": "x", "key": "a\nb"}`, "key", "control"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			// The bad line sits between two good ones, which still come through.
			got := collectJSONLines(`{"headline": "before"}` + "\n" + tc.line + "\n" + `{"headline": "after"}`)
			if len(got) != 3 || got[0].err != nil || got[2].err != nil || got[2].item.Line != 3 {
				t.Fatalf("results: %+v", got)
			}
			var le *LineError
			if !errors.As(got[1].err, &le) {
				t.Fatalf("err = %v, want a LineError", got[1].err)
			}
			if le.Line != 2 || le.Field != tc.field || !strings.Contains(le.Error(), tc.msg) || got[1].item.Line != 2 {
				t.Errorf("err = %q (line %d, field %q), want line 2, field %q, containing %q", le, le.Line, le.Field, tc.field, tc.msg)
			}
			if tc.field != "" && !strings.HasPrefix(le.Error(), "line 2: "+tc.field+": ") {
				t.Errorf("message %q does not name the line and field", le)
			}
		})
	}
}

func TestParseJSONLinesLongLine(t *testing.T) {
	got := collectJSONLines(`{"headline": "` + strings.Repeat("x", MaxLineBytes) + `"}` + "\n" + `{"headline": "after"}` + "\n")
	if len(got) != 2 {
		t.Fatalf("results: %d", len(got))
	}
	var le *LineError
	if !errors.As(got[0].err, &le) || le.Line != 1 {
		t.Errorf("err = %v, want a LineError on line 1", got[0].err)
	}
	if got[1].err != nil || got[1].item.Headline != "after" || got[1].item.Line != 2 {
		t.Errorf("after the long line: %+v", got[1])
	}
}

func TestParseJSONLinesStop(t *testing.T) {
	calls := 0
	ParseJSONLines(strings.NewReader("{\"headline\": \"a\"}\nbad\n{\"headline\": \"c\"}\n"), func(Item, error) bool {
		calls++
		return false
	})
	if calls != 1 {
		t.Errorf("yield called %d times after returning false", calls)
	}
}

func TestParseJSONLinesReadError(t *testing.T) {
	boom := errors.New("connection reset")
	var got []result
	ParseJSONLines(&errReader{data: "{\"headline\": \"a\"}\n", err: boom}, func(it Item, err error) bool {
		got = append(got, result{it, err})
		return true
	})
	if len(got) != 2 || got[0].err != nil || !errors.Is(got[1].err, boom) {
		t.Fatalf("results: %+v", got)
	}
	var le *LineError
	if !errors.As(got[1].err, &le) || le.Line != 0 {
		t.Errorf("read error %v: want a LineError without a line", got[1].err)
	}
}

// errReader returns data, then err.
type errReader struct {
	data string
	err  error
}

func (r *errReader) Read(p []byte) (int, error) {
	if r.data == "" {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}
