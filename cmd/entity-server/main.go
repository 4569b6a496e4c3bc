// Command entity-server serves the Entity service (newsroom.entity.v1) over gRPC, on the
// MongoDB database named by MONGODB_URI. Run with -h for its flags; every flag can also be
// set through the environment variable of the same name in upper case (--grpc-addr,
// GRPC_ADDR).
package main

import "github.com/newsroomhq/newsroom/services/launch/entityserver"

func main() { entityserver.Main() }
