package importfmt

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// clock is a time of day written at the start of a live blog line: "14:05", "2.05pm",
// "2pm", "14.05 BST", "9:30 a.m. GMT+3".
type clock struct {
	hour, minute int
	offset       int // seconds east of UTC; 0 unless the line gives a zone
}

// clockPrefix matches a time of day and an optional zone. The checks that a regular
// expression cannot make (ranges, what follows) are in readClock.
var clockPrefix = regexp.MustCompile(`(?i)^(\d{1,2})(?:([:.])(\d{2}))?(?:\s*([ap])\.?m\b\.?)?(?:\s*\b(utc|gmt|bst|cet|cest|eet|eest|msk|trt)\b)?(?:\s*([+\-−])(\d{1,2})(?::?(\d{2}))?\b)?`)

// zoneOffsets are the zone names a live blog may put after a time, in hours east of UTC.
// Other zones are not recognised: the time is then read as UTC.
var zoneOffsets = map[string]int{
	"utc": 0, "gmt": 0, "bst": 1, "cet": 1, "cest": 2, "eet": 2, "eest": 3, "msk": 3, "trt": 3,
}

// clockSeparators may stand between a time and the text after it.
const clockSeparators = ":|-–—,"

// readClock reads a time of day at the start of s and returns it with the text after it
// (separators and spaces taken off). A bare number ("10 killed") is not a time: a time has
// minutes ("14:05") or says am or pm ("2pm"); with a dot ("14.05") it must also say am/pm,
// a zone, or be followed by a separator or nothing, so "14.05 million" is not a time.
func readClock(s string) (clock, string, bool) {
	m := clockPrefix.FindStringSubmatchIndex(s)
	if m == nil {
		return clock{}, s, false
	}
	group := func(i int) string {
		if m[2*i] < 0 {
			return ""
		}
		return s[m[2*i]:m[2*i+1]]
	}
	rest := s[m[1]:]
	if rest != "" && !strings.ContainsRune(" \t"+clockSeparators, []rune(rest)[0]) {
		return clock{}, s, false
	}
	trimmed := strings.TrimLeft(rest, " \t")
	hour, _ := strconv.Atoi(group(1))
	minute := 0
	hasMinutes := group(3) != ""
	if hasMinutes {
		minute, _ = strconv.Atoi(group(3))
	}
	ampm := strings.ToLower(group(4))
	hasZone := group(5) != "" || group(6) != ""
	switch {
	case !hasMinutes && ampm == "":
		return clock{}, s, false
	case group(2) == "." && ampm == "" && !hasZone && trimmed != "" && !strings.ContainsRune(clockSeparators, []rune(trimmed)[0]):
		return clock{}, s, false
	case minute > 59:
		return clock{}, s, false
	case ampm != "":
		if hour < 1 || hour > 12 {
			return clock{}, s, false
		}
		hour %= 12
		if ampm == "p" {
			hour += 12
		}
	case hour > 23:
		return clock{}, s, false
	}
	offset := zoneOffsets[strings.ToLower(group(5))] * 3600
	if group(6) != "" {
		h, _ := strconv.Atoi(group(7))
		mm, _ := strconv.Atoi(group(8))
		if h > 14 || mm > 59 {
			return clock{}, s, false
		}
		o := h*3600 + mm*60
		if group(6) != "+" {
			o = -o
		}
		offset += o
	}
	return clock{hour: hour, minute: minute, offset: offset}, strings.TrimLeft(rest, " \t"+clockSeparators), true
}

// on returns the clock's time on the given day, in UTC.
func (c clock) on(day time.Time) time.Time {
	y, mo, d := day.Date()
	return time.Date(y, mo, d, c.hour, c.minute, 0, 0, time.FixedZone("", c.offset)).UTC()
}
