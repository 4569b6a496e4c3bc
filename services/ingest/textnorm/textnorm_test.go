package textnorm

import (
	"testing"
	"unicode/utf8"
)

func TestFold(t *testing.T) {
	tests := map[string]string{
		"Zelenskiy":               "zelenskiy",
		"ZELENSKIY":               "zelenskiy",
		"Zelenskíy":               "zelenskiy",
		"  Volodymyr   Zelensky ": "volodymyr zelensky",
		"Recep Tayyip Erdoğan":    "recep tayyip erdogan",
		"Jean-Claude Juncker":     "jean claude juncker",
		"Łukasz":                  "lukasz",
		"Straße":                  "strasse",
		"NATO":                    "nato",
		"U.S.":                    "u s",
		"Kyiv's":                  "kyiv s",
		"Ukraine’s":               "ukraine s",
		"":                        "",
		"---":                     "",
		"Київ":                    "киів",
	}
	for in, want := range tests {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzFold(f *testing.F) {
	for _, s := range []string{"Zelenskiy", "Erdoğan", "a  b", "\xff", "Ǆ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Fold(s)
		if !utf8.ValidString(got) {
			t.Fatalf("Fold(%q) = %q: invalid UTF-8", s, got)
		}
		if Fold(got) != got {
			t.Fatalf("Fold is not idempotent: Fold(%q) = %q, Fold of that = %q", s, got, Fold(got))
		}
		if len(got) > 0 && (got[0] == ' ' || got[len(got)-1] == ' ') {
			t.Fatalf("Fold(%q) = %q: not trimmed", s, got)
		}
	})
}
