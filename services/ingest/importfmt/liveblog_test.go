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

func parseFile(t *testing.T, name string) *Document {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := ParseLiveBlog(f)
	if err != nil {
		t.Fatalf("ParseLiveBlog(%s): %v", name, err)
	}
	return doc
}

func headlines(items []Item) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Headline)
	}
	return out
}

func TestParseLiveBlogFixture(t *testing.T) {
	doc := parseFile(t, "testdata/istanbul-liveblog.txt")

	if want := "Peace talks in Istanbul: delegations agree to meet again after a day of hard bargaining"; doc.Title != want {
		t.Errorf("Title = %q, want %q", doc.Title, want)
	}
	if want := time.Date(2025, 7, 14, 0, 0, 0, 0, time.UTC); !doc.Date.Equal(want) {
		t.Errorf("Date = %v, want %v", doc.Date, want)
	}
	if want := "Kyiv and Moscow end a second round of direct talks with a prisoner exchange and little else"; doc.Standfirst != want {
		t.Errorf("Standfirst = %q, want %q", doc.Standfirst, want)
	}
	if len(doc.Lede) != 3 {
		t.Errorf("Lede has %d paragraphs, want 3: %q", len(doc.Lede), doc.Lede)
	}

	want := []struct {
		line     int
		headline string
		kind     timelinev1.Entry_Kind
		at       string // HH:MM UTC on the page's day, or "" for none
		paras    int
	}{
		{6, "Turkish foreign minister says talks will resume in August", timelinev1.Entry_UPDATE, "", 3},
		{10, "Istanbul talks end with a prisoner deal and a promise to meet again", timelinev1.Entry_SUMMARY, "", 3},
		{14, "Zelensky: Russia is not serious about a ceasefire", timelinev1.Entry_UPDATE, "", 3},
		{18, "Kremlin says the memorandum is a basis for further work", timelinev1.Entry_UPDATE, "17:40", 1},
		{20, "Ukraine and Russia agree to swap severely wounded prisoners", timelinev1.Entry_UPDATE, "", 2},
		{24, "Prisoner swap to include young soldiers, Umerov says", timelinev1.Entry_UPDATE, "", 2},
		{28, "Talks end after less than two hours", timelinev1.Entry_UPDATE, "16:05", 1},
		{31, "Russian delegation head speaks to reporters", timelinev1.Entry_UPDATE, "", 2},
		{34, "Delegations break for lunch", timelinev1.Entry_UPDATE, "", 1},
		{36, "Talks begin late", timelinev1.Entry_UPDATE, "11:15", 2},
	}
	if len(doc.Items) != len(want) {
		t.Fatalf("got %d items, want %d: %q", len(doc.Items), len(want), headlines(doc.Items))
	}
	for i, w := range want {
		it := doc.Items[i]
		if it.Line != w.line || it.Headline != w.headline || it.Kind != w.kind {
			t.Errorf("item %d = line %d %q %v, want line %d %q %v", i, it.Line, it.Headline, it.Kind, w.line, w.headline, w.kind)
		}
		if got := len(strings.Split(it.Body, "\n\n")); got != w.paras {
			t.Errorf("item %d (%q) has %d paragraphs, want %d: %q", i, it.Headline, got, w.paras, it.Body)
		}
		var at string
		if !it.OccurTime.IsZero() {
			at = it.OccurTime.Format("15:04")
			if y, m, d := it.OccurTime.Date(); y != 2025 || m != 7 || d != 14 {
				t.Errorf("item %d occurred on %v, want the page's day", i, it.OccurTime)
			}
		}
		if at != w.at {
			t.Errorf("item %d (%q) OccurTime = %q, want %q", i, it.Headline, at, w.at)
		}
		if it.Key != DerivedKey(it.Headline, it.Body) {
			t.Errorf("item %d key %q is not the derived key", i, it.Key)
		}
	}

	// The time is taken off the headline and the quote paragraph stays a paragraph.
	if got := doc.Items[0].Body; !strings.Contains(got, "\n\n“Nobody walked away from the table.”\n\n") {
		t.Errorf("quote paragraph not kept in the body: %q", got)
	}
	// A short paragraph without a final full stop at the end of an entry stays in it.
	if got := doc.Items[2].Body; !strings.HasSuffix(got, "\n\nMore details to follow") {
		t.Errorf("last paragraph without full stop: body = %q", got)
	}
	// The near-repeated paragraph (one word changed) gives two entries with their own keys.
	severely, seriously := doc.Items[4], doc.Items[5]
	if severely.Key == seriously.Key {
		t.Error("near-repeated entries share a key")
	}
	if !strings.Contains(severely.Body, "all severely wounded") || !strings.Contains(seriously.Body, "all seriously wounded") {
		t.Errorf("near-repeated paragraphs not kept apart: %q / %q", severely.Body, seriously.Body)
	}

	// No site furniture anywhere.
	for _, text := range documentTexts(doc) {
		for _, bad := range []string{"Join our", "thought-provoking", "Sign up", "Share this", "Advertisement", "Read more"} {
			if strings.Contains(text, bad) {
				t.Errorf("boilerplate %q kept in %q", bad, text)
			}
		}
	}
}

// documentTexts is every headline, paragraph and line of the document.
func documentTexts(doc *Document) []string {
	out := []string{doc.Title, doc.Standfirst}
	out = append(out, doc.Lede...)
	for _, it := range doc.Items {
		out = append(out, it.Headline)
		out = append(out, strings.Split(it.Body, "\n\n")...)
	}
	return out
}

func TestParseLiveBlogRules(t *testing.T) {
	const head = " date 2025-07-14 Istanbul talks\nStandfirst of the page\n"
	type entry struct {
		headline string
		body     string
	}
	tests := map[string]struct {
		text string
		lede []string
		want []entry
	}{
		"one-line entry": {
			text: "Delegations break for lunch\nThe talks paused at 1pm, an official said.\nTalks begin\nThe meeting started late.\nNobody explained the delay.\n",
			want: []entry{{"Delegations break for lunch", "The talks paused at 1pm, an official said."}, {"Talks begin", "The meeting started late.\n\nNobody explained the delay."}},
		},
		"quotes at the end of paragraphs": {
			text: "Fidan speaks\n“We will meet again.”\n\"Nobody walked away,\" he said.\nHe added: \"Ankara stays ready!\"\n‘Is this the end?’\n",
			want: []entry{{"Fidan speaks", "“We will meet again.”\n\n\"Nobody walked away,\" he said.\n\nHe added: \"Ankara stays ready!\"\n\n‘Is this the end?’"}},
		},
		"quoted headline": {
			text: "Erdogan: “We will bring them together”\nThe president spoke in Ankara.\n",
			want: []entry{{"Erdogan: “We will bring them together”", "The president spoke in Ankara."}},
		},
		"short paragraph without final period ends an entry": {
			text: "Talks end\nThe delegations left at four.\nMore to follow\nKremlin reacts\nPeskov spoke to reporters.\n",
			want: []entry{{"Talks end", "The delegations left at four.\n\nMore to follow"}, {"Kremlin reacts", "Peskov spoke to reporters."}},
		},
		"long paragraph without final period": {
			text: "Medinsky speaks\n" + strings.Repeat("Moscow proposed short local ceasefires so that bodies could be collected ", 3) + "\nHe took no questions.\n",
			want: []entry{{"Medinsky speaks", strings.TrimSpace(strings.Repeat("Moscow proposed short local ceasefires so that bodies could be collected ", 3)) + "\n\nHe took no questions."}},
		},
		"headline alone joins the entry above": {
			text: "Talks end\nThe delegations left at four.\nBreaking: explosions heard in Kyiv\nKremlin reacts\nPeskov spoke to reporters.\n",
			want: []entry{{"Talks end", "The delegations left at four.\n\nBreaking: explosions heard in Kyiv"}, {"Kremlin reacts", "Peskov spoke to reporters."}},
		},
		"last line is never a headline": {
			text: "Talks end\nThe delegations left at four.\nMore to follow\n",
			want: []entry{{"Talks end", "The delegations left at four.\n\nMore to follow"}},
		},
		"lede before the first headline": {
			text: "The talks began late.\nNobody explained why.\nTalks end\nThe delegations left at four.\n",
			lede: []string{"The talks began late.", "Nobody explained why."},
			want: []entry{{"Talks end", "The delegations left at four."}},
		},
		"no entries": {
			text: "The talks began late.\n",
			lede: []string{"The talks began late."},
		},
		"bullets are not headlines": {
			text: "What was agreed\nThe two sides agreed on:\n• wounded prisoners\n• the bodies of soldiers\nBoth sides will meet again.\n",
			want: []entry{{"What was agreed", "The two sides agreed on:\n\n• wounded prisoners\n\n• the bodies of soldiers\n\nBoth sides will meet again."}},
		},
		"over 140 characters is a paragraph": {
			text: "Talks end\n" + strings.Repeat("word ", 29) + "words\nThe delegations left.\n",
			want: []entry{{"Talks end", strings.Repeat("word ", 29) + "words\n\nThe delegations left."}},
		},
		"blank lines, spacing and boilerplate are dropped": {
			text: "\n  Talks   end \n\nThe delegations\tleft.\nAdvertisement\n\nREAD MORE: other stories\nShare\n***\nThey will meet again.\n",
			want: []entry{{"Talks end", "The delegations left.\n\nThey will meet again."}},
		},
		"windows line endings": {
			text: "Talks end\r\nThe delegations left.\r\n",
			want: []entry{{"Talks end", "The delegations left."}},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			doc, err := ParseLiveBlog(strings.NewReader(head + tc.text))
			if err != nil {
				t.Fatal(err)
			}
			var got []entry
			for _, it := range doc.Items {
				got = append(got, entry{it.Headline, it.Body})
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("entries\n got %q\nwant %q", got, tc.want)
			}
			if !reflect.DeepEqual(doc.Lede, tc.lede) {
				t.Errorf("lede = %q, want %q", doc.Lede, tc.lede)
			}
		})
	}
}

func TestParseLiveBlogKindAndTime(t *testing.T) {
	day := time.Date(2025, 7, 14, 0, 0, 0, 0, time.UTC)
	at := func(h, m int) time.Time { return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute) }
	tests := map[string]struct {
		entry    string
		headline string
		kind     timelinev1.Entry_Kind
		at       time.Time
		body     string
	}{
		"plain":                     {"Talks end\nThey left.", "Talks end", timelinev1.Entry_UPDATE, time.Time{}, "They left."},
		"recap label":               {"Recap | The day so far\nThey met.", "The day so far", timelinev1.Entry_SUMMARY, time.Time{}, "They met."},
		"recap label, any case":     {"RECAP: The day so far\nThey met.", "The day so far", timelinev1.Entry_SUMMARY, time.Time{}, "They met."},
		"summary label with a dash": {"Summary – The day so far\nThey met.", "The day so far", timelinev1.Entry_SUMMARY, time.Time{}, "They met."},
		"correction label":          {"Correction | Minister's name\nIt is spelt Fidan.", "Minister's name", timelinev1.Entry_CORRECTION, time.Time{}, "It is spelt Fidan."},
		"key event label":           {"Key event | Swap agreed\nThey agreed.", "Swap agreed", timelinev1.Entry_KEY_EVENT, time.Time{}, "They agreed."},
		"recap word without label":  {"Recapitalisation plan for Ukraine's banks\nThey agreed.", "Recapitalisation plan for Ukraine's banks", timelinev1.Entry_UPDATE, time.Time{}, "They agreed."},
		"time in headline":          {"14:05 Talks end\nThey left.", "Talks end", timelinev1.Entry_UPDATE, at(14, 5), "They left."},
		"time and label":            {"18:30 Recap | The day\nThey met.", "The day", timelinev1.Entry_SUMMARY, at(18, 30), "They met."},
		"pm time in paragraph":      {"Talks end\n2.05pm The delegations left.", "Talks end", timelinev1.Entry_UPDATE, at(14, 5), "The delegations left."},
		"time alone before":         {"16:05\nTalks end\nThey left.", "Talks end", timelinev1.Entry_UPDATE, at(16, 5), "They left."},
		"time alone after":          {"Talks end\n4pm\nThey left.", "Talks end", timelinev1.Entry_UPDATE, at(16, 0), "They left."},
		"zone name":                 {"14.05 BST Talks end\nThey left.", "Talks end", timelinev1.Entry_UPDATE, at(13, 5), "They left."},
		"offset":                    {"14:05 GMT+3 - Talks end\nThey left.", "Talks end", timelinev1.Entry_UPDATE, at(11, 5), "They left."},
		"number is not a time":      {"10 killed in strike on Odesa\nOfficials said.", "10 killed in strike on Odesa", timelinev1.Entry_UPDATE, time.Time{}, "Officials said."},
		"time later in paragraph":   {"Talks end\nThey left at 14:05.", "Talks end", timelinev1.Entry_UPDATE, time.Time{}, "They left at 14:05."},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			doc, err := ParseLiveBlog(strings.NewReader(" date 2025-07-14 Talks\nStandfirst\n" + tc.entry + "\n"))
			if err != nil {
				t.Fatal(err)
			}
			if len(doc.Items) != 1 {
				t.Fatalf("got %d items: %q", len(doc.Items), headlines(doc.Items))
			}
			it := doc.Items[0]
			if it.Headline != tc.headline || it.Kind != tc.kind || !it.OccurTime.Equal(tc.at) || it.Body != tc.body {
				t.Errorf("got %q %v %v %q, want %q %v %v %q", it.Headline, it.Kind, it.OccurTime, it.Body, tc.headline, tc.kind, tc.at, tc.body)
			}
		})
	}
}

func TestParseLiveBlogMidnight(t *testing.T) {
	// Newest first: the blog ran past midnight.
	text := " date 2025-07-14 Talks\nStandfirst\n00:20 Talks go on\nStill going.\n23:50 Late session\nThey work late.\n22:00 Evening session\nThey resumed.\n"
	doc, err := ParseLiveBlog(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range doc.Items {
		got = append(got, it.OccurTime.Format(time.DateTime))
	}
	want := []string{"2025-07-15 00:20:00", "2025-07-14 23:50:00", "2025-07-14 22:00:00"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("times = %q, want %q", got, want)
	}
	if c := doc.Chronological(); c[0].Headline != "Evening session" || c[2].Headline != "Talks go on" {
		t.Errorf("Chronological = %q", headlines(c))
	}
}

func TestParseLiveBlogHeader(t *testing.T) {
	tests := map[string]struct {
		text  string
		title string
		date  string
		field string // of the error, with errLine; "" and errLine 0 for no error
		line  int
	}{
		"leading space":      {text: " date 2025-06-02 Talks live\n", title: "Talks live", date: "2025-06-02"},
		"no leading space":   {text: "date 2025-06-02 Talks live\n", title: "Talks live", date: "2025-06-02"},
		"capital and colon":  {text: "Date: 2025-06-02 — Talks live\n", title: "Talks live", date: "2025-06-02"},
		"blank lines before": {text: "\n\n date 2025-06-02 Talks live\n", title: "Talks live", date: "2025-06-02"},
		"byte order mark":    {text: "\ufeff date 2025-06-02 Talks live\n", title: "Talks live", date: "2025-06-02"},
		"no header":          {text: "Talks live\nStandfirst\n", line: 1},
		"empty":              {text: "", line: 1},
		"bad date":           {text: " date 2025-02-30 Talks\n", field: "date", line: 1},
		"no title":           {text: "\n date 2025-06-02\nStandfirst\n", field: "title", line: 2},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			doc, err := ParseLiveBlog(strings.NewReader(tc.text))
			if tc.line != 0 {
				var le *LineError
				if !errors.As(err, &le) || le.Line != tc.line || le.Field != tc.field {
					t.Fatalf("err = %v, want a LineError on line %d, field %q", err, tc.line, tc.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if doc.Title != tc.title || doc.Date.Format(time.DateOnly) != tc.date {
				t.Errorf("got %q %v, want %q %s", doc.Title, doc.Date, tc.title, tc.date)
			}
		})
	}
}

func TestParseLiveBlogLongLine(t *testing.T) {
	text := " date 2025-06-02 Talks\n" + strings.Repeat("x", MaxLineBytes+1) + "\n"
	_, err := ParseLiveBlog(strings.NewReader(text))
	var le *LineError
	if !errors.As(err, &le) || le.Line != 2 {
		t.Fatalf("err = %v, want a LineError on line 2", err)
	}
}

func TestHeadlineLike(t *testing.T) {
	tests := map[string]bool{
		"Talks end after less than two hours":             true,
		"Zelensky: Russia is not serious":                 true,
		"Erdogan: “We will bring them together”":          true,
		"Recap | The day so far":                          true,
		"The talks ended.":                                false,
		"Will the talks resume?":                          false,
		"Stop the war!":                                   false,
		"The two sides agreed on:":                        false,
		"He said;":                                        false,
		"Moscow, Kyiv,":                                   false,
		"And then…":                                       false,
		"“We will meet again.”":                           false,
		"\"Nobody walked away,\" he said.":                false,
		"He called it “a basis for talks.”":               false,
		"(Reuters contributed reporting.)":                false,
		"• wounded prisoners":                             false,
		"- the bodies of soldiers":                        false,
		"***":                                             false,
		strings.Repeat("a", MaxHeadlineRunes):             true,
		strings.Repeat("a", MaxHeadlineRunes+1):           false,
		strings.Repeat("é", MaxHeadlineRunes):             true,
		"Delegations break for lunch   ":                  true,
		"Ukraine and Russia agree to swap wounded POWs 2": true,
	}
	for in, want := range tests {
		if got := headlineLike(in); got != want {
			t.Errorf("headlineLike(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestIsBoilerplate(t *testing.T) {
	tests := map[string]bool{
		"Join our commenting forum":                                       true,
		"JOIN OUR COMMENTING FORUM":                                       true,
		"Join thought-provoking conversations with other readersComments": true,
		"Show 42 comments":                                                true,
		"Comments":                                                        true,
		"Sign up to our morning briefing":                                 true,
		"Sign up for breaking news alerts":                                true,
		"Read more":                                                       true,
		"Read more: Turkey offers to host a summit":                       true,
		"Related: Turkey offers to host a summit":                         true,
		"Advertisement":                                                   true,
		"Follow our live coverage of the talks":                           true,
		"Follow us on X":                                                  true,
		"Share this article":                                              true,
		"Share on WhatsApp":                                               true,
		"Share this post on Facebook":                                     true,
		"Copy link":                                                       true,
		"Related talks in Geneva failed last year.":                       false,
		"Advertisements for the summit were everywhere.":                  false,
		"Comments from the minister angered Moscow.":                      false,
		"Recruits must sign up to serve for a year.":                      false,
		"Join the talks, Zelensky urged Putin.":                           false,
		"Sign up to fight, the minister urged, " + strings.Repeat("and more words ", 15) + "to the end.": false,
	}
	for in, want := range tests {
		if got := isBoilerplate(in); got != want {
			t.Errorf("isBoilerplate(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestReadClock(t *testing.T) {
	type result struct {
		hour, minute, offset int
		rest                 string
	}
	tests := map[string]*result{
		"14:05 Talks end":         {14, 5, 0, "Talks end"},
		"14:05: Talks end":        {14, 5, 0, "Talks end"},
		"14:05 - Talks end":       {14, 5, 0, "Talks end"},
		"14:05 | Talks end":       {14, 5, 0, "Talks end"},
		"9:05 Talks end":          {9, 5, 0, "Talks end"},
		"14:05":                   {14, 5, 0, ""},
		"2.05pm Talks end":        {14, 5, 0, "Talks end"},
		"2:05 p.m. Talks end":     {14, 5, 0, "Talks end"},
		"2pm Talks end":           {14, 0, 0, "Talks end"},
		"12am Talks end":          {0, 0, 0, "Talks end"},
		"12.30pm Talks end":       {12, 30, 0, "Talks end"},
		"11am":                    {11, 0, 0, ""},
		"14.05 Talks end":         nil,
		"14.05 BST Talks end":     {14, 5, 3600, "Talks end"},
		"14.05":                   {14, 5, 0, ""},
		"14.05 - Talks end":       {14, 5, 0, "Talks end"},
		"14:05 UTC Talks end":     {14, 5, 0, "Talks end"},
		"14:05 GMT+3 Talks end":   {14, 5, 3 * 3600, "Talks end"},
		"14:05 +03:00 Talks end":  {14, 5, 3 * 3600, "Talks end"},
		"14:05 -0530 Talks end":   {14, 5, -(5*3600 + 30*60), "Talks end"},
		"09:30 TRT: Talks resume": {9, 30, 3 * 3600, "Talks resume"},
		"10 killed in Odesa":      nil,
		"25:00 Talks":             nil,
		"14:75 Talks":             nil,
		"13pm Talks":              nil,
		"14.05 million people":    nil,
		"2.5 million people":      nil,
		"10:30s fashion":          nil,
		"3:1 vote":                nil,
		"Talks end at 14:05":      nil,
		"":                        nil,
	}
	for in, want := range tests {
		c, rest, ok := readClock(in)
		if want == nil {
			if ok {
				t.Errorf("readClock(%q) = %+v %q, want no time", in, c, rest)
			}
			continue
		}
		if got := (result{c.hour, c.minute, c.offset, rest}); !ok || got != *want {
			t.Errorf("readClock(%q) = %+v %v, want %+v", in, got, ok, *want)
		}
	}
}

func TestDerivedKey(t *testing.T) {
	k := DerivedKey("Talks end in Istanbul", "The delegations left.\n\nThey will meet again.")
	if !strings.HasPrefix(k, "sha256:") || len(k) != len("sha256:")+64 {
		t.Fatalf("key %q", k)
	}
	same := map[string][2]string{
		"case and spacing": {"TALKS  end in istanbul", "The delegations left. They will meet again."},
		"punctuation":      {"Talks end in Istanbul!", "The delegations left —\n\nthey will meet again"},
		"diacritics":       {"Tálks end in İstanbul", "The delegations left.\n\nThey will meet again."},
	}
	for name, tc := range same {
		if got := DerivedKey(tc[0], tc[1]); got != k {
			t.Errorf("%s: key differs", name)
		}
	}
	differ := map[string][2]string{
		"a word":                 {"Talks end in Istanbul", "The delegations left.\n\nThey will not meet again."},
		"headline and body swap": {"Talks end in Istanbul The delegations left.", "They will meet again."},
	}
	for name, tc := range differ {
		if got := DerivedKey(tc[0], tc[1]); got == k {
			t.Errorf("%s: key is the same", name)
		}
	}
}
