package importfmt

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	timelinev1 "github.com/newsroomhq/newsroom/proto/newsroom/timeline/v1"
)

func TestParseNinjsSample(t *testing.T) {
	f, err := os.Open("testdata/ninjs-istanbul.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	items, err := ParseNinjs(f)
	if err != nil {
		t.Fatal(err)
	}
	want := []Item{{
		Key:       "urn:newsml:newsroom.example:20250714:istanbul-talks-0001",
		Headline:  "Istanbul talks begin more than an hour late",
		Body:      "The meeting at the Ciragan Palace began more than an hour behind schedule, Turkish officials said.\n\nJournalists waiting outside were told there would be no statements before the end of the session & that both delegations had arrived.",
		Kind:      timelinev1.Entry_UPDATE,
		OccurTime: time.Date(2025, 7, 14, 11, 15, 0, 0, time.UTC),
		Authors:   []string{"Kateryna Bondar"},
		Sources:   []Source{{Name: "Turkish foreign ministry", URL: "https://www.mfa.gov.tr/"}, {Name: "pool-report"}},
		Located:   "Istanbul",
		Line:      2,
	}, {
		Key:       "urn:newsml:newsroom.example:20250714:istanbul-talks-0002",
		Headline:  "Minister's name spelt wrongly in earlier report",
		Body:      "An earlier report misspelt the name of Turkey's foreign minister.\n\nHis name is Hakan Fidan.",
		Kind:      timelinev1.Entry_CORRECTION,
		OccurTime: time.Date(2025, 7, 14, 10, 40, 0, 0, time.UTC),
		Authors:   []string{"Newsroom staff"},
		Line:      33,
	}, {
		Key:       "urn:newsml:newsroom.example:20250714:istanbul-talks-0003",
		Headline:  "Istanbul talks end with a prisoner deal and a promise to meet again",
		Body:      "The second round of direct talks lasted a little over an hour and a half.\n\nThe two sides agreed to exchange severely wounded prisoners of war.",
		Kind:      timelinev1.Entry_SUMMARY,
		OccurTime: time.Date(2025, 7, 14, 18, 30, 0, 0, time.UTC),
		Sources:   []Source{{Name: "Ukrainian defence ministry"}, {Name: "Reuters", URL: "https://www.reuters.com/"}},
		Line:      46,
	}}
	if len(items) != len(want) {
		t.Fatalf("got %d items, want %d", len(items), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(items[i], want[i]) {
			t.Errorf("item %d\n got %+v\nwant %+v", i, items[i], want[i])
		}
	}
}

func TestParseNinjsShapes(t *testing.T) {
	one := `{"uri": "urn:x:1", "headline": "Talks end", "body_text": "They left."}`
	two := `{"uri": "urn:x:2", "headline": "Talks resume", "body_text": "They came back."}`
	tests := map[string]struct {
		input string
		keys  []string
		lines []int
	}{
		"single object":        {one, []string{"urn:x:1"}, []int{1}},
		"pretty single object": {"\n\n{\n  \"uri\": \"urn:x:1\",\n  \"headline\": \"Talks end\"\n}\n", []string{"urn:x:1"}, []int{3}},
		"array":                {"[" + one + ",\n" + two + "]", []string{"urn:x:1", "urn:x:2"}, []int{1, 2}},
		"empty array":          {"[]", nil, nil},
		"json lines":           {one + "\n\n" + two + "\n", []string{"urn:x:1", "urn:x:2"}, []int{1, 3}},
		"byte order mark":      {"\ufeff" + one, []string{"urn:x:1"}, []int{1}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			items, err := ParseNinjs(strings.NewReader(tc.input))
			if err != nil {
				t.Fatal(err)
			}
			var keys []string
			var lines []int
			for _, it := range items {
				keys = append(keys, it.Key)
				lines = append(lines, it.Line)
			}
			if !reflect.DeepEqual(keys, tc.keys) || !reflect.DeepEqual(lines, tc.lines) {
				t.Errorf("keys %q lines %v, want %q %v", keys, lines, tc.keys, tc.lines)
			}
		})
	}
}

func TestParseNinjsMapping(t *testing.T) {
	tests := map[string]struct {
		object string
		check  func(t *testing.T, it Item)
	}{
		"1.x fields": {
			`{"guid": "tag:wire,2025:77", "headline": "Talks end", "body_html": "<p>They left.<br>At four.</p><script>x()</script><p>Both &quot;sides&quot; spoke.</p>", "byline": "by Oleh Marchenko", "versioncreated": "2025-07-14T16:05:00"}`,
			func(t *testing.T, it Item) {
				want := Item{Key: "tag:wire,2025:77", Headline: "Talks end", Body: "They left.\n\nAt four.\n\nBoth \"sides\" spoke.", Kind: timelinev1.Entry_UPDATE,
					OccurTime: time.Date(2025, 7, 14, 16, 5, 0, 0, time.UTC), Authors: []string{"Oleh Marchenko"}, Line: 1}
				if !reflect.DeepEqual(it, want) {
					t.Errorf("got %+v\nwant %+v", it, want)
				}
			},
		},
		"body_text before body_html": {
			`{"uri": "u", "headline": "h", "body_text": "Plain.", "body_html": "<p>Markup.</p>"}`,
			func(t *testing.T, it Item) {
				if it.Body != "Plain." {
					t.Errorf("Body = %q", it.Body)
				}
			},
		},
		"no id: derived key": {
			`{"headline": "Talks end", "body_text": "They left."}`,
			func(t *testing.T, it Item) {
				if it.Key != DerivedKey("Talks end", "They left.") {
					t.Errorf("Key = %q", it.Key)
				}
			},
		},
		"firstcreated before versioncreated": {
			`{"uri": "u", "headline": "h", "versioncreated": "2025-07-14T18:00:00Z", "contentcreated": "2025-07-14T12:00:00Z", "firstcreated": "2025-07-14T10:00:00Z"}`,
			func(t *testing.T, it Item) {
				if want := time.Date(2025, 7, 14, 10, 0, 0, 0, time.UTC); !it.OccurTime.Equal(want) {
					t.Errorf("OccurTime = %v", it.OccurTime)
				}
			},
		},
		"contentcreated before versioncreated": {
			`{"uri": "u", "headline": "h", "versioncreated": "2025-07-14T18:00:00Z", "contentcreated": "2025-07-14T12:00:00Z"}`,
			func(t *testing.T, it Item) {
				if want := time.Date(2025, 7, 14, 12, 0, 0, 0, time.UTC); !it.OccurTime.Equal(want) {
					t.Errorf("OccurTime = %v", it.OccurTime)
				}
			},
		},
		"no time": {
			`{"uri": "u", "headline": "h"}`,
			func(t *testing.T, it Item) {
				if !it.OccurTime.IsZero() {
					t.Errorf("OccurTime = %v", it.OccurTime)
				}
			},
		},
		"bylines list": {
			`{"uri": "u", "headline": "h", "by": "Kateryna Bondar", "bylines": ["Oleh Marchenko", {"by": "Anna Kovalenko", "title": "Staff"}, {"name": "Ivan Petrenko"}, null]}`,
			func(t *testing.T, it Item) {
				if want := []string{"Kateryna Bondar", "Oleh Marchenko", "Anna Kovalenko", "Ivan Petrenko"}; !reflect.DeepEqual(it.Authors, want) {
					t.Errorf("Authors = %q", it.Authors)
				}
			},
		},
		"html headline": {
			`{"uri": "u", "headlines": [{"contenttype": "text/html", "value": "<b>Talks</b> end"}]}`,
			func(t *testing.T, it Item) {
				if it.Headline != "Talks end" {
					t.Errorf("Headline = %q", it.Headline)
				}
			},
		},
		"markup without content type": {
			`{"uri": "u", "headline": "h", "bodies": [{"value": "<p>One.</p><p>Two.</p>"}]}`,
			func(t *testing.T, it Item) {
				if it.Body != "One.\n\nTwo." {
					t.Errorf("Body = %q", it.Body)
				}
			},
		},
		"recap label": {
			`{"uri": "u", "headline": "Recap | The day so far"}`,
			func(t *testing.T, it Item) {
				if it.Kind != timelinev1.Entry_SUMMARY || it.Headline != "The day so far" {
					t.Errorf("%v %q", it.Kind, it.Headline)
				}
			},
		},
		"correction signal": {
			`{"uri": "u", "headline": "h", "signals": ["newscontent", {"uri": "http://cv.iptc.org/newscodes/signal/correction"}]}`,
			func(t *testing.T, it Item) {
				if it.Kind != timelinev1.Entry_CORRECTION {
					t.Errorf("Kind = %v", it.Kind)
				}
			},
		},
		"numeric uri": {
			`{"uri": 1234, "headline": "h"}`,
			func(t *testing.T, it Item) {
				if it.Key != "1234" {
					t.Errorf("Key = %q", it.Key)
				}
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			items, err := ParseNinjs(strings.NewReader(tc.object))
			if err != nil {
				t.Fatal(err)
			}
			if len(items) != 1 {
				t.Fatalf("got %d items", len(items))
			}
			tc.check(t, items[0])
		})
	}
}

func TestParseNinjsInvalidJSON(t *testing.T) {
	tests := map[string]struct {
		input   string
		line    int
		message string
	}{
		"empty":               {"  \n", 0, "empty input"},
		"broken object":       {"[\n  {\"uri\": \"a\", \"headline\": \"h\"},\n  {\"uri\": \"b\" \"headline\": \"h\"}\n]", 3, "invalid JSON"},
		"cut short":           {"[\n  {\"uri\": \"a\",\n", 3, "unexpected end"},
		"after the array":     {"[{\"uri\": \"a\", \"headline\": \"h\"}]\n{}", 2, "after the closing"},
		"broken line":         {"{\"uri\": \"a\", \"headline\": \"h\"}\n{\"uri\": }\n", 2, "invalid JSON"},
		"not an object":       {"\"talks\"", 1, "want a ninjs object"},
		"not JSON at all":     {"date 2025-07-14 Talks", 1, "invalid JSON"},
		"unclosed string":     {"{\"uri\": \"a", 1, "unexpected end"},
		"object then garbage": {"{\"uri\": \"a\", \"headline\": \"h\"} nonsense", 1, "invalid JSON"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			items, err := ParseNinjs(strings.NewReader(tc.input))
			if err == nil || items != nil {
				t.Fatalf("got %d items, err %v; want an error", len(items), err)
			}
			if !strings.Contains(err.Error(), tc.message) {
				t.Errorf("err = %q, want it to contain %q", err, tc.message)
			}
			if tc.line > 0 {
				var le *LineError
				if !errors.As(err, &le) || le.Line != tc.line {
					t.Errorf("err = %v, want a LineError on line %d", err, tc.line)
				}
			}
		})
	}
}

func TestParseNinjsBadRecords(t *testing.T) {
	input := `[
  {"uri": "urn:x:1", "headline": "Talks end"},
  {"uri": "urn:x:2", "body_text": "No headline."},
  {"uri": "urn:x:3", "headline": "Bad time", "firstcreated": "Monday"},
  42,
  {"uri": "urn:x:5", "headline": "Bad bodies", "bodies": [{"value": 1}]},
  {"uri": "urn:x:6", "headline": "Talks resume"}
]`
	items, err := ParseNinjs(strings.NewReader(input))
	if len(items) != 2 || items[0].Key != "urn:x:1" || items[1].Key != "urn:x:6" || items[1].Line != 7 {
		t.Errorf("items: %+v", items)
	}
	var got []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var le *LineError
		if !errors.As(e, &le) {
			t.Fatalf("%v is not a LineError", e)
		}
		got = append(got, le.Error())
	}
	want := []string{
		"line 3: headline: required",
		`line 4: firstcreated: "Monday" is not an RFC 3339 time like 2025-06-02T14:05:00Z`,
		"line 5: want a JSON object",
		"line 6: bodies[0].value: want a string",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("errors\n got %q\nwant %q", got, want)
	}
}

func TestHTMLParagraphs(t *testing.T) {
	tests := map[string][]string{
		"<p>One.</p><p>Two.</p>":                             {"One.", "Two."},
		"<p>One<br/>two</p>":                                 {"One", "two"},
		"Plain text":                                         {"Plain text"},
		"<p>Fish &amp; chips &#8212; &lt;b&gt;</p>":          {"Fish & chips — <b>"},
		"<P CLASS='x'>Upper</P>":                             {"Upper"},
		`<a href="x>y">link</a> text`:                        {"link text"},
		"<p>a <!-- comment <p> --> b</p>":                    {"a b"},
		"<style>p{}</style><p>Text</p>":                      {"Text"},
		"<SCRIPT>alert(1)</SCRIPT>Text":                      {"Text"},
		"<figure><figcaption>Cap</figcaption></figure>After": {"After"},
		"<iframe src=x />After":                              {"After"},
		"<ul><li>One</li><li>Two</li></ul>":                  {"One", "Two"},
		"<table><tr><td>a</td><td>b</td></tr></table>":       {"a b"},
		"1 < 2 and 3 > 2":                                    {"1 < 2 and 3 > 2"},
		"<p>Unclosed <b":                                     {"Unclosed"},
		"<script>never closed":                               nil,
		"":                                                   nil,
		"<p> </p><p>\n</p>":                                  nil,
	}
	for in, want := range tests {
		if got := htmlParagraphs(in); !reflect.DeepEqual(got, want) {
			t.Errorf("htmlParagraphs(%q) = %q, want %q", in, got, want)
		}
	}
}
