// Command newsroom runs the whole product in one process: the Timeline and Entity
// services over gRPC and the REST gateway in front of them, on an embedded database that
// keeps its files in --data-dir, or on the MongoDB named by MONGODB_URI. With --db-only it
// serves just the embedded database, for the separate service binaries to share.
//
// Run with -h for its flags; every flag can also be set through the environment variable
// of the same name in upper case (--http-addr, HTTP_ADDR).
package main

import "github.com/newsroomhq/newsroom/services/launch/newsroom"

func main() { newsroom.Main() }
