package importfmt

import (
	"html"
	"strings"
)

// blockTags end a paragraph where they open or close.
var blockTags = map[string]bool{
	"p": true, "div": true, "br": true, "hr": true, "li": true, "ul": true, "ol": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true,
	"blockquote": true, "pre": true, "section": true, "article": true, "header": true,
	"footer": true, "aside": true, "table": true, "tr": true, "dl": true, "dt": true,
	"dd": true, "body": true, "html": true, "main": true, "nav": true,
}

// skippedTags hold no story text: their content is dropped. A figure's caption describes
// a picture that the entry does not carry.
var skippedTags = map[string]bool{
	"script": true, "style": true, "head": true, "template": true, "noscript": true,
	"figure": true, "iframe": true, "svg": true, "object": true,
}

// htmlParagraphs turns an HTML fragment into paragraphs of text: block elements and <br>
// separate paragraphs, entities are decoded, comments and the content of skippedTags
// dropped. It is not a validating parser; it never fails, and unclosed markup ends the text.
func htmlParagraphs(s string) []string {
	var out []string
	var cur strings.Builder
	flush := func() {
		if p := collapse(cur.String()); p != "" {
			out = append(out, p)
		}
		cur.Reset()
	}
	for len(s) > 0 {
		lt := strings.IndexByte(s, '<')
		if lt < 0 {
			cur.WriteString(html.UnescapeString(s))
			break
		}
		cur.WriteString(html.UnescapeString(s[:lt]))
		s = s[lt:]
		switch {
		case strings.HasPrefix(s, "<!--"):
			end := strings.Index(s[4:], "-->")
			if end < 0 {
				s = ""
			} else {
				s = s[4+end+3:]
			}
			continue
		case len(s) < 2 || !(isASCIILetter(s[1]) || s[1] == '/' || s[1] == '!' || s[1] == '?'):
			// A lone "<" is text.
			cur.WriteByte('<')
			s = s[1:]
			continue
		}
		name, closing, rest, ok := readTag(s)
		if !ok {
			break
		}
		selfClosing := strings.HasSuffix(s[:len(s)-len(rest)], "/>")
		s = rest
		if skippedTags[name] && !closing && !selfClosing {
			s = skipElement(s, name)
			cur.WriteByte(' ')
			continue
		}
		if blockTags[name] {
			flush()
		} else if name == "td" || name == "th" {
			cur.WriteByte(' ')
		}
	}
	flush()
	return out
}

// readTag reads the tag at the start of s ("<p class='x'>", "</p>", "<!doctype html>")
// and returns its lower-case name, whether it closes an element, and the text after it.
// Quoted attribute values may hold ">". ok is false when the tag never ends.
func readTag(s string) (name string, closing bool, rest string, ok bool) {
	i := 1
	if i < len(s) && s[i] == '/' {
		closing = true
		i++
	}
	start := i
	for i < len(s) && (isASCIILetter(s[i]) || (i > start && s[i] >= '0' && s[i] <= '9')) {
		i++
	}
	name = strings.ToLower(s[start:i])
	var quote byte
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return name, closing, s[i+1:], true
		}
	}
	return name, closing, "", false
}

// skipElement returns the text after the end tag of the element named name, or "" when
// there is none.
func skipElement(s, name string) string {
	end := indexFoldASCII(s, "</"+name)
	if end < 0 {
		return ""
	}
	if gt := strings.IndexByte(s[end:], '>'); gt >= 0 {
		return s[end+gt+1:]
	}
	return ""
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// indexFoldASCII is strings.Index ignoring ASCII case; sub is lower case.
func indexFoldASCII(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		match := true
		for j := 0; j < len(sub); j++ {
			c := s[i+j]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != sub[j] {
				match = false
				break
			}
		}
		if match {
			return i
		}
	}
	return -1
}
