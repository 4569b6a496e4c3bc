package gateway

import (
	"net/http"
	"net/netip"
	"testing"
	"time"
)

func TestClientAddress(t *testing.T) {
	trusted, err := ParsePrefixes("10.0.0.0/8, 192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	e := &edge{trusted: trusted}
	tests := map[string]struct {
		peer string
		xff  []string
		want string
	}{
		"no proxy":                           {"203.0.113.9:5000", nil, "203.0.113.9"},
		"untrusted peer, its header ignored": {"203.0.113.9:5000", []string{"198.51.100.1"}, "203.0.113.9"},
		"trusted proxy":                      {"10.1.2.3:5000", []string{"198.51.100.1"}, "198.51.100.1"},
		"two trusted hops":                   {"10.1.2.3:5000", []string{"198.51.100.1, 192.0.2.1"}, "198.51.100.1"},
		"a spoofed first hop":                {"10.1.2.3:5000", []string{"1.2.3.4, 198.51.100.1"}, "198.51.100.1"},
		"two header lines":                   {"10.1.2.3:5000", []string{"1.2.3.4", "198.51.100.1"}, "198.51.100.1"},
		"malformed":                          {"10.1.2.3:5000", []string{"not an address"}, "10.1.2.3"},
		"all trusted":                        {"10.1.2.3:5000", []string{"10.9.9.9"}, "10.9.9.9"},
		"IPv6 peer":                          {"[2001:db8::1]:5000", nil, "2001:db8::1"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			r := &http.Request{RemoteAddr: tc.peer, Header: http.Header{"X-Forwarded-For": tc.xff}}
			if got := e.client(r); got != netip.MustParseAddr(tc.want) {
				t.Fatalf("client = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestTokenBucket(t *testing.T) {
	l := newLimiter(2)
	a := netip.MustParseAddr("203.0.113.1")
	now := time.Unix(1000, 0)
	for i := range 2 {
		if _, ok := l.take(a, now); !ok {
			t.Fatalf("token %d refused", i)
		}
	}
	wait, ok := l.take(a, now)
	if ok || wait != 500*time.Millisecond {
		t.Fatalf("third: %v, %v; want a wait of 500ms", wait, ok)
	}
	if _, ok := l.take(a, now.Add(500*time.Millisecond)); !ok {
		t.Fatal("after the wait: refused")
	}
	if _, ok := l.take(netip.MustParseAddr("203.0.113.2"), now); !ok {
		t.Fatal("another address: refused")
	}
}
