package retry_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/newsroomhq/newsroom/services/platform/retry"
)

var (
	errBusy  = errors.New("busy")
	errFatal = errors.New("fatal")
)

func isBusy(err error) bool { return errors.Is(err, errBusy) }

func TestDo(t *testing.T) {
	p := retry.Policy{Attempts: 4, Base: time.Microsecond, Max: 10 * time.Microsecond}
	tests := map[string]struct {
		results   []error // what op returns on each call; the last one repeats
		wantErr   error
		wantCalls int
	}{
		"first try":         {results: []error{nil}, wantCalls: 1},
		"after two busy":    {results: []error{errBusy, errBusy, nil}, wantCalls: 3},
		"never again":       {results: []error{errFatal}, wantErr: errFatal, wantCalls: 1},
		"out of attempts":   {results: []error{errBusy}, wantErr: errBusy, wantCalls: 4},
		"busy, then failed": {results: []error{errBusy, errFatal}, wantErr: errFatal, wantCalls: 2},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			calls := 0
			err := p.Do(context.Background(), isBusy, func() error {
				r := tc.results[min(calls, len(tc.results)-1)]
				calls++
				return r
			})
			if !errors.Is(err, tc.wantErr) || calls != tc.wantCalls {
				t.Fatalf("Do = %v after %d calls, want %v after %d", err, calls, tc.wantErr, tc.wantCalls)
			}
		})
	}
}

func TestDoStopsWithTheContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	err := retry.Policy{Attempts: 100, Base: time.Hour, Max: time.Hour}.Do(ctx, isBusy, func() error {
		calls++
		cancel()
		return errBusy
	})
	if !errors.Is(err, context.Canceled) || calls != 1 {
		t.Fatalf("Do = %v after %d calls, want context.Canceled after 1", err, calls)
	}
}

func TestBackoffGrowsWithinBounds(t *testing.T) {
	p := retry.Policy{Attempts: 10, Base: time.Millisecond, Max: 8 * time.Millisecond}
	for attempt, limit := range map[int]time.Duration{1: time.Millisecond, 2: 2 * time.Millisecond, 4: 8 * time.Millisecond, 9: 8 * time.Millisecond} {
		for range 200 {
			if d := p.Backoff(attempt); d <= 0 || d > limit {
				t.Fatalf("Backoff(%d) = %v, want in (0, %v]", attempt, d, limit)
			}
		}
	}
}
