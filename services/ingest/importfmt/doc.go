// Package importfmt reads the formats that batch importers send and turns each into
// Items, one neutral shape that the Timeline service's import consumes:
//
//   - LiveBlog: the plain text of a live blog page (ParseLiveBlog). The text has no
//     markup, so headlines are found by a heuristic; see ParseLiveBlog.
//   - JSONLines: one JSON object per line in this package's own schema (ParseJSONLines).
//   - Ninjs: IPTC ninjs 1.x and 2.x news items (ParseNinjs).
//
// Detect picks the format from a file name and the first bytes of the content.
//
// Every Item carries a Key that makes importing idempotent: the source's own id when the
// format has one, else a digest of the folded headline and body (DerivedKey), so the same
// text imported twice gets the same key. Kind, times, authors and sources are mapped as each
// parser documents. Parsers never panic; a bad line or record is reported as a *LineError
// that names the line and, where there is one, the field.
package importfmt
