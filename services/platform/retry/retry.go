// Package retry runs an operation again after a failure that the next attempt may not
// meet, such as losing a compare-and-set to another writer: with exponential backoff and
// full jitter, so that writers that collided do not collide again, and a crowd thins out.
// It is the one retry policy of the services.
package retry

import (
	"context"
	"math/rand/v2"
	"time"
)

// Policy bounds the attempts and the waits between them.
type Policy struct {
	// Attempts is the most calls made, the first included; at least 1.
	Attempts int
	// Base is the longest wait before the second attempt; each later wait may be twice
	// as long as the one before, up to Max. The wait is drawn at random below that bound.
	Base time.Duration
	// Max bounds every wait.
	Max time.Duration
}

// Default is the policy of read-modify-write loops without an etag: ten attempts within
// about half a second, which lets a dozen editors changing one entry at once all succeed.
func Default() Policy {
	return Policy{Attempts: 10, Base: 2 * time.Millisecond, Max: 100 * time.Millisecond}
}

// Do calls op until it succeeds, fails with an error that again does not accept, the
// attempts run out, or ctx ends (then it returns ctx's error). It returns op's last error.
func (p Policy) Do(ctx context.Context, again func(error) bool, op func() error) error {
	for attempt := 1; ; attempt++ {
		err := op()
		if err == nil || !again(err) || attempt >= p.Attempts {
			return err
		}
		if werr := p.wait(ctx, attempt); werr != nil {
			return werr
		}
	}
}

// Backoff is the wait after the given failed attempt (from 1): drawn at random in
// (0, min(Max, Base<<(attempt-1))].
func (p Policy) Backoff(attempt int) time.Duration {
	limit := p.Base
	for i := 1; i < attempt && limit < p.Max; i++ {
		limit *= 2
	}
	limit = min(limit, p.Max)
	if limit <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(limit))) + 1
}

func (p Policy) wait(ctx context.Context, attempt int) error {
	d := p.Backoff(attempt)
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
