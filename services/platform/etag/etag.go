// Package etag makes and checks the etags of resources (AIP-154).
package etag

import (
	"encoding/binary"
	"encoding/hex"
	"hash/fnv"
	"time"

	"github.com/newsroomhq/newsroom/services/platform/apierror"
)

// Of identifies one revision of the resource name. The create time tells apart a
// resource deleted and created again under the same name.
func Of(name string, created time.Time, revision int64) string {
	h := fnv.New64a()
	h.Write([]byte(name))
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(created.UnixMilli()))
	binary.BigEndian.PutUint64(b[8:], uint64(revision))
	h.Write(b[:])
	return hex.EncodeToString(h.Sum(nil))
}

// Check compares the etag a client sent with the resource's current one: a mismatch is
// ABORTED; an empty etag means the change is unconditional.
func Check(given, current, resource string) error {
	if given != "" && given != current {
		return apierror.Aborted(resource)
	}
	return nil
}
