// Command newsroomctl is the newsroom's command-line client, for batch importers and
// scripts: it imports live blog pages, JSON Lines and ninjs into a timeline, imports a
// gazetteer of entities, and exports a timeline as JSON Lines or schema.org JSON-LD,
// talking gRPC to a running newsroom at --addr (NEWSROOM_ADDR, default 127.0.0.1:9090).
// Run it without arguments for its commands, and "newsroomctl COMMAND -h" for their flags.
package main

import "github.com/newsroomhq/newsroom/services/launch/newsroomctl"

func main() { newsroomctl.Main() }
