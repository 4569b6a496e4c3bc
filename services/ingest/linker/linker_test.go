package linker

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
)

// testNames are the entities of the tests: people, places and organisations whose names
// exercise the rules.
var testNames = []Name{
	{"entities/zelensky", "Volodymyr Zelensky"},
	{"entities/zelensky", "Zelensky"},
	{"entities/zelensky", "Zelenskyy"},
	{"entities/erdogan", "Recep Tayyip Erdoğan"},
	{"entities/erdogan", "Erdoğan"},
	{"entities/kyiv", "Kyiv"},
	{"entities/kyiv", "Київ"},
	{"entities/ukraine", "Ukraine"},
	{"entities/russia", "Russia"},
	{"entities/nato", "NATO"},
	{"entities/juncker", "Jean-Claude Juncker"},
	{"entities/bosnia", "Bosnia"},
	{"entities/bih", "Bosnia-Herzegovina"},
	{"entities/usa", "United States"},
	{"entities/usa", "U.S."},
	{"entities/us-army", "U.S. Army"},
	{"entities/st-petersburg", "St. Petersburg"},
	{"entities/georgia", "Georgia"},
	{"entities/georgia-us", "Georgia"},
	{"entities/washington", "Washington"},
	{"entities/washington-post", "Washington Post"},
	{"entities/new-york", "New York"},
	{"entities/nyt", "New York Times"},
	{"entities/times-square", "Times Square"},
	{"entities/uk", "Großbritannien"},
	{"entities/gdansk", "Gdańsk"},
	{"entities/lodz", "Łódź"},
	{"entities/g7", "G7"},
	{"entities/obrien", "Conor O'Brien"},
	{"entities/ndrangheta", "'Ndrangheta"},
	{"entities/lee", "Lee Jae-myung"},
	{"entities/modi", "नरेंद्र मोदी"},
}

// show renders matches as "text@start-end" with the entities when they are not the
// only entity of that name, for compact expectations.
func show(ms []Match) []string {
	var out []string
	for _, m := range ms {
		out = append(out, fmt.Sprintf("%s@%d-%d=%s", m.Text, m.Start, m.End, strings.Join(m.Entities, ",")))
	}
	return out
}

func TestLink(t *testing.T) {
	l := New(testNames)
	tests := map[string]struct {
		text string
		want []string
	}{
		"empty":                 {"", nil},
		"no names":              {"Talks resumed on Monday.", nil},
		"plain":                 {"Zelensky met Erdoğan in Kyiv.", []string{"Zelensky@0-8=entities/zelensky", "Erdoğan@13-20=entities/erdogan", "Kyiv@24-28=entities/kyiv"}},
		"longest at a position": {"Volodymyr Zelensky spoke", []string{"Volodymyr Zelensky@0-18=entities/zelensky"}},
		"longer alias":          {"Zelenskyy spoke", []string{"Zelenskyy@0-9=entities/zelensky"}},

		// Whole words.
		"not inside a word":        {"Kyivstar and Zelenskyism", nil},
		"not at the end of word":   {"preKyiv", nil},
		"digits are word":          {"G7 summit, not G77 or 5G7", []string{"G7@0-2=entities/g7"}},
		"unicode letters are word": {"Kyivé Київський", nil},

		// Possessives: the match stops before the apostrophe.
		"possessive":           {"Ukraine's army", []string{"Ukraine@0-7=entities/ukraine"}},
		"possessive curly":     {"Ukraine’s army", []string{"Ukraine@0-7=entities/ukraine"}},
		"possessive multiword": {"Volodymyr Zelensky’s office", []string{"Volodymyr Zelensky@0-18=entities/zelensky"}},
		"plural possessive":    {"the Zelensky' visit", []string{"Zelensky@4-12=entities/zelensky"}},

		// Hyphens.
		"hyphenated compound": {"Russia-Ukraine talks", []string{"Russia@0-6=entities/russia", "Ukraine@7-14=entities/ukraine"}},
		"en dash compound":    {"Russia–Ukraine talks", []string{"Russia@0-6=entities/russia", "Ukraine@7-14=entities/ukraine"}},
		"hyphenated prefix":   {"Kyiv-based analysts", []string{"Kyiv@0-4=entities/kyiv"}},
		"hyphenated name":     {"Jean-Claude Juncker said", []string{"Jean-Claude Juncker@0-19=entities/juncker"}},
		"hyphen as space":     {"Jean Claude Juncker said", []string{"Jean Claude Juncker@0-19=entities/juncker"}},
		"hyphenated name wins over its first word": {"Bosnia-Herzegovina and Bosnia", []string{
			"Bosnia-Herzegovina@0-18=entities/bih", "Bosnia@23-29=entities/bosnia"}},
		"hyphenated given name": {"Lee Jae-myung", []string{"Lee Jae-myung@0-13=entities/lee"}},

		// Whitespace.
		"newline and space":    {"Volodymyr\n Zelensky", []string{"Volodymyr\n Zelensky@0-19=entities/zelensky"}},
		"no-break space":       {"Volodymyr\u00a0Zelensky", []string{"Volodymyr\u00a0Zelensky@0-18=entities/zelensky"}},
		"tabs and spaces":      {"  Volodymyr \t  Zelensky  ", []string{"Volodymyr \t  Zelensky@2-23=entities/zelensky"}},
		"words glued together": {"VolodymyrZelensky", nil},

		// Punctuation in names and between words.
		"abbreviation":                 {"the U.S. and NATO", []string{"U.S.@4-8=entities/usa", "NATO@13-17=entities/nato"}},
		"abbreviation before a hyphen": {"U.S.-led talks", []string{"U.S.@0-4=entities/usa"}},
		"abbreviation at the end":      {"sanctions by the U.S.", []string{"U.S.@17-21=entities/usa"}},
		"abbreviation without dots":    {"U.S troops", []string{"U.S@0-3=entities/usa"}},
		"abbreviation with a word":     {"the U.S. Army said", []string{"U.S. Army@4-13=entities/us-army"}},
		"dot in a name":                {"in St. Petersburg today", []string{"St. Petersburg@3-17=entities/st-petersburg"}},
		"dot left out":                 {"in St Petersburg today", []string{"St Petersburg@3-16=entities/st-petersburg"}},
		"dot without space":            {"in St.Petersburg today", []string{"St.Petersburg@3-16=entities/st-petersburg"}},
		"sentence end between words":   {"in Washington. Post-war plans", []string{"Washington@3-13=entities/washington"}},
		"comma between words":          {"New York, Times Square", []string{"New York@0-8=entities/new-york", "Times Square@10-22=entities/times-square"}},
		"name with apostrophe":         {"Conor O’Brien and Conor O'Brien", []string{"Conor O’Brien@0-13=entities/obrien", "Conor O'Brien@18-31=entities/obrien"}},
		"leading apostrophe":           {"the 'Ndrangheta clan", []string{"'Ndrangheta@4-15=entities/ndrangheta"}},
		"leading apostrophe missing":   {"the Ndrangheta clan", []string{"Ndrangheta@4-14=entities/ndrangheta"}},
		"quotes around":                {"“Zelensky” and «Kyiv»", []string{"Zelensky@1-9=entities/zelensky", "Kyiv@16-20=entities/kyiv"}},
		"parentheses":                  {"(NATO)", []string{"NATO@1-5=entities/nato"}},

		// Case.
		"upper case":           {"NATO", []string{"NATO@0-4=entities/nato"}},
		"title case":           {"Nato", []string{"Nato@0-4=entities/nato"}},
		"lower case":           {"nato", []string{"nato@0-4=entities/nato"}},
		"upper case name":      {"VOLODYMYR ZELENSKY", []string{"VOLODYMYR ZELENSKY@0-18=entities/zelensky"}},
		"upper case diacritic": {"ERDOĞAN", []string{"ERDOĞAN@0-7=entities/erdogan"}},

		// Diacritics, either side, and offsets in code points.
		"diacritic in the text":        {"Zelenský said", []string{"Zelenský@0-8=entities/zelensky"}},
		"diacritic in the name":        {"Recep Tayyip Erdogan said", []string{"Recep Tayyip Erdogan@0-20=entities/erdogan"}},
		"letter without decomposition": {"Lodz and Łódź", []string{"Lodz@0-4=entities/lodz", "Łódź@9-13=entities/lodz"}},
		"combining marks":              {"Zelens\u0301ky\u0301 said", []string{"Zelens\u0301ky\u0301@0-10=entities/zelensky"}},
		"offsets after combining marks": {"Gdan\u0301sk and Kyiv", []string{
			"Gdan\u0301sk@0-7=entities/gdansk", "Kyiv@12-16=entities/kyiv"}},
		"offsets after multi-byte": {"Київ і Kyiv", []string{"Київ@0-4=entities/kyiv", "Kyiv@7-11=entities/kyiv"}},
		"sharp s folds to ss": {"Großbritannien und GROSSBRITANNIEN", []string{
			"Großbritannien@0-14=entities/uk", "GROSSBRITANNIEN@19-34=entities/uk"}},
		"emoji before":                 {"🇺🇦 Kyiv", []string{"Kyiv@3-7=entities/kyiv"}},
		"soft hyphen inside":           {"Zelen\u00adsky", []string{"Zelen\u00adsky@0-9=entities/zelensky"}},
		"fullwidth":                    {"ＮＡＴＯ", []string{"ＮＡＴＯ@0-4=entities/nato"}},
		"invalid utf-8 is a separator": {"\xffKyiv\xfe", []string{"Kyiv@1-5=entities/kyiv"}},

		// Choosing among overlapping names.
		"leftmost wins":                  {"New York Times Square", []string{"New York Times@0-14=entities/nyt"}},
		"leftmost then continue":         {"New York and Times Square", []string{"New York@0-8=entities/new-york", "Times Square@13-25=entities/times-square"}},
		"longest wins":                   {"the Washington Post", []string{"Washington Post@4-19=entities/washington-post"}},
		"shared name":                    {"Georgia", []string{"Georgia@0-7=entities/georgia,entities/georgia-us"}},
		"same name twice":                {"Kyiv Kyiv", []string{"Kyiv@0-4=entities/kyiv", "Kyiv@5-9=entities/kyiv"}},
		"alias of another script":        {"Київ", []string{"Київ@0-4=entities/kyiv"}},
		"vowel signs belong to the word": {"नरेंद्र मोदी ने कहा, नरेंद्र मोदीजी", []string{"नरेंद्र मोदी@0-12=entities/modi"}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := show(l.Link(tt.text)); !slices.Equal(got, tt.want) {
				t.Errorf("Link(%q)\n got %q\nwant %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestNew(t *testing.T) {
	tests := map[string]struct {
		names []Name
		text  string
		want  []string
	}{
		"no names":              {nil, "Kyiv", nil},
		"names without letters": {[]Name{{"entities/x", "---"}, {"entities/y", ""}, {"entities/z", " ’ "}}, "--- ’", nil},
		"too long":              {[]Name{{"entities/x", strings.Repeat("a ", maxKeyLen)}}, strings.Repeat("a ", maxKeyLen), nil},
		"duplicate names of one entity": {[]Name{{"entities/kyiv", "Kyiv"}, {"entities/kyiv", "KYIV"}, {"entities/kyiv", "Kyiv"}},
			"Kyiv", []string{"Kyiv@0-4=entities/kyiv"}},
		"names that fold alike": {[]Name{{"entities/b", "Zelenskiy"}, {"entities/a", "ZELENSKÍY"}},
			"Zelenskiy", []string{"Zelenskiy@0-9=entities/a,entities/b"}},
		"surrounding spaces": {[]Name{{"entities/kyiv", "  Kyiv\n"}}, "Kyiv", []string{"Kyiv@0-4=entities/kyiv"}},
		"punctuation of one name does not widen another": {
			[]Name{{"entities/a", "A.B. Corp"}, {"entities/b", "A B Corp"}},
			"A.B. Corp, A B Corp, A;B Corp",
			[]string{"A.B. Corp@0-9=entities/a,entities/b", "A B Corp@11-19=entities/a,entities/b"}},
		"names inside names": {[]Name{{"entities/1", "a"}, {"entities/2", "a a"}, {"entities/3", "a a a"}},
			"a a a a a a a a a a", []string{"a a a@0-5=entities/3", "a a a@6-11=entities/3", "a a a@12-17=entities/3", "a@18-19=entities/1"}},
		"many words": {[]Name{{"entities/x", "a b c d e f g h i j k l m n o p q r s t u v w x y z"}},
			"so a b c d e f g h i j k l m n o p q r s t u v w x y z!",
			[]string{"a b c d e f g h i j k l m n o p q r s t u v w x y z@3-54=entities/x"}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if got := show(New(tt.names).Link(tt.text)); !slices.Equal(got, tt.want) {
				t.Errorf("Link(%q)\n got %q\nwant %q", tt.text, got, tt.want)
			}
		})
	}
}

// Folding one code point at a time must agree with textnorm.Fold, by which the entity
// service resolves names.
func TestFoldAgreesWithTextnorm(t *testing.T) {
	f := newFolder()
	for _, s := range []string{"Łódź", "Straße", "Erdoğan", "Zelenskíy", "ǅemal", "™", "½", "⒜", "İstanbul", "ΣΊΣΥΦΟΣ", "ﬁnance"} {
		an := f.analyze(s)
		if got, want := strings.TrimSpace(an.key), textnormFold(s); got != want {
			t.Errorf("key of %q = %q, textnorm.Fold = %q", s, got, want)
		}
	}
}

// The Linker is shared by every import: Link calls run at the same time, and the first
// ones fill the fold tables.
func TestLinkConcurrent(t *testing.T) {
	l := New(testNames)
	text := "Zelenský in Київ, Gdańsk and the U.S.; 東京 and Αθήνα"
	want := show(New(testNames).Link(text))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				if got := show(l.Link(text)); !slices.Equal(got, want) {
					t.Errorf("Link = %q, want %q", got, want)
					return
				}
			}
		})
	}
	wg.Wait()
}

// Callers own what Link returns.
func TestLinkResultsAreCopies(t *testing.T) {
	l := New(testNames)
	first := l.Link("Georgia and Georgia")
	first[0].Entities[0] = "changed"
	first[0].Entities = append(first[0].Entities, "appended")
	if got := show(l.Link("Georgia and Georgia")); !slices.Equal(got, []string{
		"Georgia@0-7=entities/georgia,entities/georgia-us", "Georgia@12-19=entities/georgia,entities/georgia-us"}) {
		t.Errorf("after changing a result, Link = %q", got)
	}
	if first[1].Entities[0] != "entities/georgia" {
		t.Errorf("appending to one match's entities changed the next: %q", first[1].Entities)
	}
}

func TestBenchNamesAreFound(t *testing.T) {
	l := New(benchNames(20_000))
	got := l.Link(newsText)
	found := map[string]bool{}
	for _, m := range got {
		found[m.Text] = true
	}
	for _, want := range []string{"Recep Tayyip Erdoğan", "Volodymyr Zelensky", "U.S. Senate", "Luiz Inácio Lula da Silva", "Emilia-Romagna", "Novak Đoković", "Lee Jae-myung"} {
		if !found[want] {
			t.Errorf("%q not found in the benchmark text", want)
		}
	}
}
