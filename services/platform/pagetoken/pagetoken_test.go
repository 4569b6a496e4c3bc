package pagetoken

import (
	"errors"
	"testing"

	entityv1 "github.com/newsroomhq/newsroom/proto/newsroom/entity/v1"
)

func TestRoundTrip(t *testing.T) {
	tests := map[string]Token{
		"time key": {Time: 1748822400000000000, ID: "01jwq4x9"},
		"text key": {Text: "zelensky", ID: "e1"},
		"negative": {Time: -5, ID: "x"},
	}
	for name, tok := range tests {
		t.Run(name, func(t *testing.T) {
			s := Encode(tok, 42)
			got, err := Decode(s, 42)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if got.Time != tok.Time || got.Text != tok.Text || got.ID != tok.ID {
				t.Fatalf("Decode = %+v, want %+v", got, tok)
			}
		})
	}
}

func TestDecodeRefuses(t *testing.T) {
	valid := Encode(Token{ID: "a"}, 7)
	tests := map[string]struct {
		token       string
		fingerprint uint64
	}{
		"other request": {valid, 8},
		"not base64":    {"!!!", 7},
		"not json":      {"bm90IGpzb24", 7},
		"no id":         {Encode(Token{Time: 3}, 7), 7},
		"empty":         {"", 7},
		"too long":      {string(make([]byte, 2000)), 7},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := Decode(tc.token, tc.fingerprint); !errors.Is(err, ErrInvalid) {
				t.Fatalf("Decode(%q) error = %v, want ErrInvalid", tc.token, err)
			}
		})
	}
}

func TestFingerprintIgnoresPaging(t *testing.T) {
	base := &entityv1.ListEntitiesRequest{NamePrefix: "zel", Kind: entityv1.Entity_PERSON}
	paged := &entityv1.ListEntitiesRequest{NamePrefix: "zel", Kind: entityv1.Entity_PERSON, PageSize: 5, PageToken: "abc"}
	other := &entityv1.ListEntitiesRequest{NamePrefix: "put", Kind: entityv1.Entity_PERSON}
	if Fingerprint(base) != Fingerprint(paged) {
		t.Error("page_size and page_token change the fingerprint")
	}
	if Fingerprint(base) == Fingerprint(other) {
		t.Error("different filters share a fingerprint")
	}
	if paged.PageToken != "abc" {
		t.Error("Fingerprint modified its argument")
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(Encode(Token{Time: 1, ID: "a"}, 1), uint64(1))
	f.Add(Encode(Token{Text: "b", ID: "c"}, 2), uint64(2))
	f.Add("eyJ2IjoxfQ", uint64(0))
	f.Add("", uint64(0))
	f.Fuzz(func(t *testing.T, s string, fp uint64) {
		tok, err := Decode(s, fp)
		if err != nil {
			return
		}
		// Whatever decodes must re-encode to a token that decodes to the same position.
		again, err := Decode(Encode(tok, fp), fp)
		if err != nil || again.ID != tok.ID || again.Time != tok.Time || again.Text != tok.Text {
			t.Fatalf("round trip of %+v: %+v, %v", tok, again, err)
		}
	})
}
