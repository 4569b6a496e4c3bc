// Command timeline-server serves the Timeline service (newsroom.timeline.v1) over gRPC, on
// the MongoDB database named by MONGODB_URI, checking mentions against the Entity service
// at ENTITY_ADDR. Run with -h for its flags; every flag can also be set through the
// environment variable of the same name in upper case (--grpc-addr, GRPC_ADDR).
package main

import "github.com/newsroomhq/newsroom/services/launch/timelineserver"

func main() { timelineserver.Main() }
