package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progress shows how far an import is on stderr: a bar redrawn in place on a terminal,
// else a line of counts now and then (logs and CI keep every line).
type progress struct {
	w        io.Writer
	terminal bool
	total    int
	every    time.Duration
	last     time.Time
	drawn    bool
}

// plainEvery is how often a piped progress prints a line.
const plainEvery = 2 * time.Second

func newProgress(w io.Writer, total int) *progress {
	return &progress{w: w, terminal: isTerminal(w), total: total, every: plainEvery}
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// sent reports that n items of the total are on their way.
func (p *progress) sent(n int) {
	if p.terminal {
		const width = 30
		filled := width
		if p.total > 0 {
			filled = width * n / p.total
		}
		fmt.Fprintf(p.w, "\r[%s%s] %d/%d items", strings.Repeat("=", filled), strings.Repeat(" ", width-filled), n, p.total)
		p.drawn = true
		return
	}
	if now := time.Now(); n == p.total || now.Sub(p.last) >= p.every {
		fmt.Fprintf(p.w, "sent %d/%d items\n", n, p.total)
		p.last = now
	}
}

// done clears the bar, so that the report starts on a clean line.
func (p *progress) done() {
	if p.terminal && p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
}
