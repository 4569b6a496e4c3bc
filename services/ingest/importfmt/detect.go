package importfmt

import (
	"bytes"
	"encoding/json"
	"path"
	"strings"
	"unicode/utf8"
)

// Format is an import file format.
type Format int

const (
	// Unknown is neither JSON nor text: nothing this package reads.
	Unknown Format = iota
	// LiveBlog is the plain text of a live blog page (ParseLiveBlog).
	LiveBlog
	// JSONLines is one entry object per line in this package's schema (ParseJSONLines).
	JSONLines
	// Ninjs is IPTC ninjs news items (ParseNinjs).
	Ninjs
)

func (f Format) String() string {
	switch f {
	case LiveBlog:
		return "live blog text"
	case JSONLines:
		return "JSON lines"
	case Ninjs:
		return "ninjs"
	}
	return "unknown"
}

// ninjsFields are properties that ninjs has and this package's JSON Lines do not.
var ninjsFields = map[string]bool{
	"uri": true, "guid": true, "headlines": true, "bodies": true, "body_text": true,
	"body_html": true, "versioncreated": true, "firstcreated": true, "contentcreated": true,
	"byline": true, "bylines": true, "by": true, "pubstatus": true, "urgency": true,
	"infosources": true, "descriptions": true, "renditions": true, "associations": true,
	"representationtype": true, "copyrightholder": true, "slugline": true, "genres": true,
}

// Detect tells the format of an import file from its name and its first bytes (head; a
// few kilobytes are plenty, and it may end mid-line). Content wins over the name:
//
//   - JSON that is an array, or whose first object has a ninjs property (uri, headlines,
//     body_text, versioncreated...), is Ninjs; other JSON objects are JSONLines. With a
//     first object that gives no clue, a name ending .ninjs or containing "ninjs" says
//     Ninjs.
//   - Text is LiveBlog. Empty content goes by the name: .jsonl/.ndjson JSONLines, .ninjs
//     or .json Ninjs, .txt LiveBlog.
//   - Anything else (NUL bytes, invalid UTF-8) is Unknown.
func Detect(filename string, head []byte) Format {
	ext := strings.ToLower(path.Ext(strings.ReplaceAll(filename, `\`, "/")))
	nameSaysNinjs := ext == ".ninjs" || strings.Contains(strings.ToLower(filename), "ninjs")
	head = bytes.TrimPrefix(head, []byte("\ufeff"))
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	if len(trimmed) == 0 {
		switch {
		case ext == ".jsonl" || ext == ".ndjson":
			return JSONLines
		case nameSaysNinjs || ext == ".json":
			return Ninjs
		case ext == ".txt" || ext == ".text":
			return LiveBlog
		}
		return Unknown
	}
	switch trimmed[0] {
	case '[':
		return Ninjs
	case '{':
		switch ninjsClue(trimmed) {
		case 1:
			return Ninjs
		case -1:
			return JSONLines
		}
		if nameSaysNinjs {
			return Ninjs
		}
		return JSONLines
	}
	if !looksLikeText(head) {
		return Unknown
	}
	return LiveBlog
}

// ninjsClue reads the top-level property names of the first object in data (which may be
// cut short) and says 1 when one of them is a ninjs property, -1 when one is a property of
// this package's JSON Lines only, and 0 when they give no clue.
func ninjsClue(data []byte) int {
	dec := json.NewDecoder(bytes.NewReader(data))
	depth := 0
	keyNext := false
	clue := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return clue
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				// A container at depth 1 is a value: a key comes after it.
				keyNext = depth <= 1
				depth++
			default:
				if depth--; depth == 0 {
					return clue
				}
			}
			continue
		}
		if depth != 1 {
			continue
		}
		if !keyNext {
			keyNext = true
			continue
		}
		keyNext = false
		switch key, _ := tok.(string); {
		case ninjsFields[key]:
			return 1
		case jsonLinesOnly[key]:
			clue = -1
		}
	}
}

// jsonLinesOnly are properties of this package's JSON Lines that ninjs does not have.
var jsonLinesOnly = map[string]bool{
	"key": true, "import_key": true, "body": true, "kind": true, "occur_time": true, "authors": true, "sources": true,
}

// looksLikeText reports whether head is UTF-8 text without NUL bytes; a rune cut at the
// end of head does not count against it.
func looksLikeText(head []byte) bool {
	if bytes.IndexByte(head, 0) >= 0 {
		return false
	}
	for i := 0; i < len(head); {
		r, size := utf8.DecodeRune(head[i:])
		if r == utf8.RuneError && size == 1 {
			if len(head)-i < utf8.UTFMax && !utf8.FullRune(head[i:]) {
				return true
			}
			return false
		}
		i += size
	}
	return true
}
