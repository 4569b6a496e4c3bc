package importfmt

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
)

// addFile adds a test file to a fuzz corpus.
func addFile(f *testing.F, name string) {
	data, err := os.ReadFile(name)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(data))
}

// lineCount is the number of lines in input, counting an unterminated last line.
func lineCount(input string) int { return strings.Count(input, "\n") + 1 }

// checkItem checks what every parser promises of an item.
func checkItem(t *testing.T, it Item, lines int) {
	t.Helper()
	if strings.TrimSpace(it.Headline) == "" || it.Headline != strings.TrimSpace(it.Headline) {
		t.Errorf("headline %q", it.Headline)
	}
	if it.Line < 1 || it.Line > lines {
		t.Errorf("line %d outside 1..%d", it.Line, lines)
	}
	if it.Key == "" || len(it.Key) > MaxKeyLen && !strings.HasPrefix(it.Key, "sha256:") {
		t.Errorf("key %q", it.Key)
	}
	switch it.Kind {
	case timelinev1.Entry_UPDATE, timelinev1.Entry_KEY_EVENT, timelinev1.Entry_SUMMARY, timelinev1.Entry_CORRECTION:
	default:
		t.Errorf("kind %v", it.Kind)
	}
	if !it.OccurTime.IsZero() && (it.OccurTime.Location().String() != "UTC" || it.OccurTime.Year() < 1) {
		t.Errorf("occurred at %v", it.OccurTime)
	}
	texts := append([]string{it.Key, it.Headline, it.Body, it.Located}, it.Authors...)
	for _, s := range it.Sources {
		texts = append(texts, s.Name, s.URL)
		if strings.TrimSpace(s.Name) == "" {
			t.Errorf("source without a name: %+v", s)
		}
		if s.URL != "" && webURL(s.URL) != s.URL {
			t.Errorf("source link %q", s.URL)
		}
	}
	for _, s := range texts {
		if !utf8.ValidString(s) {
			t.Errorf("invalid UTF-8: %q", s)
		}
	}
	if it.Body != "" {
		for _, p := range strings.Split(it.Body, "\n\n") {
			if p == "" || p != strings.TrimSpace(p) {
				t.Errorf("paragraph %q in body %q", p, it.Body)
			}
		}
	}
	for _, a := range it.Authors {
		if a == "" {
			t.Error("empty author")
		}
	}
}

func checkLineError(t *testing.T, err error, lines int) {
	t.Helper()
	var le *LineError
	if !errors.As(err, &le) {
		t.Fatalf("error %v (%T) is not a LineError", err, err)
	}
	if le.Line < 0 || le.Line > lines {
		t.Errorf("error line %d outside 0..%d: %v", le.Line, lines, err)
	}
}

func FuzzParseLiveBlog(f *testing.F) {
	addFile(f, "testdata/istanbul-liveblog.txt")
	f.Add(" date 2025-07-14 Talks\nStandfirst\n14:05\nRecap | Day\nThey met.\n")
	f.Add("date 2025-07-14 x\n\n\ny\n2pm\n")
	f.Add("\ufeffdate: 2025-07-14 — T\r\n\r\nHeadline\r\nBody\r\n")
	f.Add(" date 2025-07-14 T\nS\n00:10 A\nb.\n23:50 C\nd.\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, input string) {
		doc, err := ParseLiveBlog(strings.NewReader(input))
		lines := lineCount(input)
		if err != nil {
			checkLineError(t, err, lines)
			return
		}
		again, _ := ParseLiveBlog(strings.NewReader(input))
		if !reflect.DeepEqual(doc, again) {
			t.Error("not deterministic")
		}
		if doc.Title == "" || !utf8.ValidString(doc.Title) || !utf8.ValidString(doc.Standfirst) {
			t.Errorf("title %q standfirst %q", doc.Title, doc.Standfirst)
		}
		prev := 0
		for _, it := range doc.Items {
			checkItem(t, it, lines)
			if it.Line <= prev {
				t.Errorf("line %d after %d: not in page order", it.Line, prev)
			}
			prev = it.Line
			if utf8.RuneCountInString(it.Headline) > MaxHeadlineRunes {
				t.Errorf("headline of %d runes", utf8.RuneCountInString(it.Headline))
			}
			if it.Key != DerivedKey(it.Headline, it.Body) {
				t.Error("key is not the derived key")
			}
			if strings.Contains(it.Headline, "\n") {
				t.Errorf("headline %q has a line break", it.Headline)
			}
		}
		for _, p := range doc.Lede {
			if p == "" || !utf8.ValidString(p) || isBoilerplate(p) {
				t.Errorf("lede paragraph %q", p)
			}
		}
	})
}

func FuzzParseJSONLines(f *testing.F) {
	f.Add(`{"key":"a","headline":"Talks end","body":["One.","Two."],"occur_time":"2025-07-14T10:05:00+03:00","authors":["A"],"sources":[{"name":"R","url":"https://r.org"}]}` + "\n")
	f.Add("{\"id\": 4, \"headline\": \"Recap | x\", \"kind\": \"summary\", \"body\": \"a\\n\\nb\"}\nnot json\n\n{\"headline\": \"\"}\n")
	f.Add(`{"headline": "x", "sources": ["https://x.org", "Name", {"uri": "http://y.org"}]}`)
	f.Add(`{"headline": "x", "authors": "y", "kind": "Key Event"}`)
	f.Add("[1]\n\"s\"\nnull\n{}")
	f.Fuzz(func(t *testing.T, input string) {
		lines := lineCount(input)
		calls, prev := 0, 0
		ParseJSONLines(strings.NewReader(input), func(it Item, err error) bool {
			calls++
			if err != nil {
				checkLineError(t, err, lines)
				if it.Line < prev {
					t.Errorf("line %d after %d", it.Line, prev)
				}
				prev = it.Line
				return true
			}
			checkItem(t, it, lines)
			if it.Line <= prev {
				t.Errorf("line %d after %d", it.Line, prev)
			}
			prev = it.Line
			return true
		})
		if calls > lines {
			t.Errorf("%d results from %d lines", calls, lines)
		}
	})
}

func FuzzParseNinjs(f *testing.F) {
	addFile(f, "testdata/ninjs-istanbul.json")
	f.Add(`{"uri": "u", "headline": "h", "body_html": "<p>a<br>b</p><figure>x</figure>", "byline": "By X", "bylines": [{"by": "Y"}]}`)
	f.Add("{\"guid\": 1, \"headlines\": [{\"value\": \"<b>h</b>\", \"contenttype\": \"text/html\"}]}\n{\"headline\": \"Recap | h\", \"genres\": [\"Correction\"]}")
	f.Add(`[{"headline": "h", "infosources": [{"uri": "https://x.org"}, {}], "signals": [{"code": "summary"}]}, 1, null]`)
	f.Add(`[{"uri": "a"}] x`)
	f.Add(`{"headline": "h", "firstcreated": "2025-07-14T10:00:00"}{"headline": "i"}`)
	f.Fuzz(func(t *testing.T, input string) {
		items, err := ParseNinjs(strings.NewReader(input))
		lines := lineCount(input)
		if err != nil {
			if multi, ok := err.(interface{ Unwrap() []error }); ok {
				for _, e := range multi.Unwrap() {
					checkLineError(t, e, lines)
				}
			} else if strings.TrimSpace(strings.TrimPrefix(input, "\ufeff")) != "" {
				checkLineError(t, err, lines)
			}
		}
		prev := 0
		for _, it := range items {
			checkItem(t, it, lines)
			if it.Line < prev {
				t.Errorf("line %d after %d", it.Line, prev)
			}
			prev = it.Line
		}
	})
}

func FuzzDetect(f *testing.F) {
	f.Add("page.txt", " date 2025-07-14 Talks\n")
	f.Add("x.json", `{"uri": "u", "headlines": [`)
	f.Add("x.jsonl", `{"key": "k", "x": [{"uri": 1}], "body": "b"}`)
	f.Fuzz(func(t *testing.T, name, head string) {
		if got := Detect(name, []byte(head)); got < Unknown || got > Ninjs {
			t.Errorf("Detect = %d", got)
		}
	})
}

func FuzzHTMLParagraphs(f *testing.F) {
	f.Add("<p>One &amp; two<br/>three</p><script>x</script><!-- c -->")
	f.Add("<a href='>'>x</a><figure")
	f.Fuzz(func(t *testing.T, input string) {
		for _, p := range htmlParagraphs(input) {
			if p == "" || p != strings.TrimSpace(p) || strings.ContainsAny(p, "\n\r") || !utf8.ValidString(p) {
				t.Errorf("paragraph %q", p)
			}
		}
	})
}
