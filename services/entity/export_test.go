package entity

import "context"

// RebuildGap is rebuildGap, for tests that count builds.
const RebuildGap = rebuildGap

// LinkerBuilds is how many linkers the server has built.
func (s *Server) LinkerBuilds() int64 { return s.links.cur.Load().builds }

// AwaitLinkerBuild waits until the server has built more than n linkers.
func (s *Server) AwaitLinkerBuild(ctx context.Context, n int64) error {
	for {
		set := s.links.cur.Load()
		if set.builds > n {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-set.replaced:
		}
	}
}
