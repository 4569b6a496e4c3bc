package resourceid

import (
	"testing"
	"time"
)

func TestNewSortsByTime(t *testing.T) {
	t0 := time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)
	prev := New(t0)
	for i := 1; i < 200; i++ {
		id := New(t0.Add(time.Duration(i) * time.Millisecond))
		if len(id) != 26 || !Valid(id) {
			t.Fatalf("New = %q: not a valid 26-character id", id)
		}
		if id <= prev {
			t.Fatalf("id %q made later sorts before %q", id, prev)
		}
		prev = id
	}
	if New(t0) == New(t0) {
		t.Fatal("two ids made in the same millisecond are equal")
	}
}

func TestValid(t *testing.T) {
	tests := map[string]bool{
		"ukraine-live": true,
		"a":            true,
		"0abc":         true,
		"":             false,
		"-abc":         false,
		"Abc":          false,
		"a_b":          false,
		"a/b":          false,
		"abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0":  true,
		"abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz01": false,
	}
	for id, want := range tests {
		if got := Valid(id); got != want {
			t.Errorf("Valid(%q) = %v, want %v", id, got, want)
		}
	}
}
