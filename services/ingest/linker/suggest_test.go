package linker

import (
	"fmt"
	"slices"
	"testing"
)

func TestSuggest(t *testing.T) {
	l := New(testNames)
	tests := map[string]struct {
		text string
		want []string
	}{
		"empty":                           {"", nil},
		"nothing unknown":                 {"Zelensky met Erdoğan in Kyiv.", nil},
		"unknown names":                   {"Zelensky met Emmanuel Macron in Paris.", []string{"Emmanuel Macron@13-28", "Paris@32-37"}},
		"not a sentence start":            {"Talks were held in Vilnius.", []string{"Vilnius@19-26"}},
		"leading article":                 {"The European Commission said", []string{"European Commission@4-23"}},
		"leading function word":           {"In Vilnius, talks began. But Gitanas Nausėda left.", []string{"Vilnius@3-10", "Gitanas Nausėda@29-44"}},
		"leading title":                   {"talks with President Emmanuel Macron", []string{"Emmanuel Macron@21-36"}},
		"two titles":                      {"said Prime Minister Keir Starmer", []string{"Keir Starmer@20-32"}},
		"trailing title":                  {"met the Lithuanian President Gitanas Nausėda", []string{"Gitanas Nausėda@29-44"}},
		"title phrase and a name":         {"said Secretary of State Antony Blinken", []string{"Antony Blinken@24-38"}},
		"modifier in a name":              {"shares in General Motors fell", []string{"General Motors@10-24"}},
		"modifier before a name":          {"said Secretary General Mark Rutte", []string{"Mark Rutte@23-33"}},
		"title phrase":                    {"talks with the Secretary of State", nil},
		"connector of":                    {"the Bank of England raised rates", []string{"Bank of England@4-19"}},
		"connector bin":                   {"the death of Osama bin Laden", []string{"Osama bin Laden@13-28"}},
		"connector d'":                    {"a speech by Valéry Giscard d'Estaing", []string{"Valéry Giscard d'Estaing@12-36"}},
		"trailing connector":              {"a speech by Macron of", []string{"Macron@12-18"}},
		"apostrophe in a name":            {"said Conor O’Malley", []string{"Conor O’Malley@5-19"}},
		"possessive":                      {"talks on Macron's plan", []string{"Macron@9-15"}},
		"hyphenated":                      {"the Jean-Luc Mélenchon camp", []string{"Jean-Luc Mélenchon@4-22"}},
		"hyphenated compound":             {"Kyiv-based and Paris-based firms", []string{"Paris@15-20"}},
		"abbreviation":                    {"troops of the E.U. arrived", []string{"E.U.@14-18"}},
		"acronym at a sentence start":     {"OSCE monitors said", []string{"OSCE@0-4"}},
		"sentence start, common word":     {"Officials said the talks stalled.", nil},
		"sentence start, named elsewhere": {"Nausėda spoke. Then Nausėda left.", []string{"Nausėda@0-7", "Nausėda@20-27"}},
		"months and days":                 {"on Monday, talks were delayed until May.", nil},
		"nationality":                     {"the Turkish delegation and Ukrainian officials", nil},
		"single letter":                   {"plan B was ready", nil},
		"line break ends a name":          {"talks in Vilnius\nGitanas Nausėda said", []string{"Vilnius@9-16", "Gitanas Nausėda@17-32"}},
		"comma ends a name":               {"in Vilnius, Riga and Tallinn", []string{"Vilnius@3-10", "Riga@12-16", "Tallinn@21-28"}},
		"split by a match":                {"the Kyiv Security Forum", []string{"Security Forum@9-23"}},
		"around a match":                  {"Ukrainian President Volodymyr Zelensky and Gitanas Nausėda", []string{"Gitanas Nausėda@43-58"}},
		"a dot may end a sentence":        {"the U.S. Embassy", nil},
		"title between names":             {"Bank of England Governor Andrew Bailey", []string{"Bank of England@0-15", "Andrew Bailey@25-38"}},
		"lowercase text":                  {"nothing to see here", nil},
		"all caps acronym":                {"a report by the IAEA on Tuesday", []string{"IAEA@16-20"}},
		"other scripts":                   {"Зеленський зустрівся з Макроном у Парижі", []string{"Макроном@23-31", "Парижі@34-40"}},
		"multi-byte offsets":              {"Київ і Вільнюс", []string{"Вільнюс@7-14"}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			var got []string
			for _, s := range Suggest(tt.text, l.Link(tt.text)) {
				got = append(got, fmt.Sprintf("%s@%d-%d", s.Text, s.Start, s.End))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Suggest(%q)\n got %q\nwant %q", tt.text, got, tt.want)
			}
		})
	}
}

// Suggest takes matches as given: unsorted and overlapping ones included.
func TestSuggestAnyMatches(t *testing.T) {
	text := "Gitanas Nausėda met Emmanuel Macron"
	matches := []Match{{Start: 20, End: 28}, {Start: 0, End: 3}, {Start: 1, End: 2}, {Start: 30, End: 30}}
	var got []string
	for _, s := range Suggest(text, matches) {
		got = append(got, s.Text)
	}
	if want := []string{"Nausėda", "Macron"}; !slices.Equal(got, want) {
		t.Errorf("Suggest = %q, want %q", got, want)
	}
}
