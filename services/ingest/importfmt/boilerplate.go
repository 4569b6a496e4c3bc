package importfmt

import (
	"regexp"
	"unicode/utf8"
)

// boilerplate matches the site furniture that comes along when a live blog page is copied
// as text: comment prompts, newsletter and follow prompts, share buttons, "Read more" links
// and advertisement labels. The list is deliberately short and matched case-insensitively
// against whole lines no longer than maxBoilerplateRunes, so that a sentence of the story
// that happens to start the same way is kept.
var boilerplate = []*regexp.Regexp{
	// Comment prompts: "Join our commenting forum", "Join thought-provoking conversations
	// ... Comments" (the button's label runs into the line), "Show 42 comments".
	regexp.MustCompile(`(?i)^join (our|the) comment(ing|s)? (forum|section|thread)\b`),
	regexp.MustCompile(`(?i)^join (the )?thought-provoking conversations\b`),
	regexp.MustCompile(`(?i)^((show|view|load|hide|open) )?(all )?(\d+ )?comments?$`),
	// Newsletter and account prompts.
	regexp.MustCompile(`(?i)^sign (up|in) (to|for)\b`),
	regexp.MustCompile(`(?i)^subscribe (now|today|to|for)\b`),
	// Links to other pages.
	regexp.MustCompile(`(?i)^read more\b`),
	regexp.MustCompile(`(?i)^(related|more on this story|recommended|most read|most popular)( stories| articles| links)?\s*(:|$)`),
	// Advertisement labels.
	regexp.MustCompile(`(?i)^(advertisement|advert|ad|sponsored( content)?|skip advertisement)$`),
	// Follow prompts.
	regexp.MustCompile(`(?i)^follow (our|the|us|all (of )?our) (live (coverage|blog|updates)|latest|on)\b`),
	// Share buttons and prompts.
	regexp.MustCompile(`(?i)^(share|share this( article| post| story| page)?|share on \w+|click to share\b.*|tweet|email|copy link|link copied|facebook|twitter|x|whatsapp|linkedin|telegram|reddit|print)$`),
	regexp.MustCompile(`(?i)^share (this|the) (article|post|story|page|update|entry) (on|with|via)\b`),
}

const maxBoilerplateRunes = 200

// isBoilerplate reports whether a clean line is site furniture rather than story text.
func isBoilerplate(line string) bool {
	if utf8.RuneCountInString(line) > maxBoilerplateRunes {
		return false
	}
	for _, re := range boilerplate {
		if re.MatchString(line) {
			return true
		}
	}
	return false
}
