package importfmt

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// MaxLineBytes is the longest line the line-based formats accept.
const MaxLineBytes = 1 << 20

// errLineTooLong is the cause of a LineError for a line over MaxLineBytes.
var errLineTooLong = fmt.Errorf("longer than %d bytes", MaxLineBytes)

// lineReader reads lines of any length without holding more than MaxLineBytes of one:
// the rest of a longer line is skipped and the line reported, so parsing can go on.
type lineReader struct {
	r   *bufio.Reader
	n   int // number of the line last read
	buf []byte
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 64<<10)}
}

// next returns the next line without its line ending (and without a byte order mark on
// the first line). It returns io.EOF after the last line, errLineTooLong for a line that
// is too long, and other errors from the reader.
func (l *lineReader) next() ([]byte, error) {
	l.buf = l.buf[:0]
	tooLong := false
	for {
		chunk, err := l.r.ReadSlice('\n')
		if !tooLong {
			if len(l.buf)+len(chunk) > MaxLineBytes+2 {
				tooLong = true
				l.buf = l.buf[:0]
			} else {
				l.buf = append(l.buf, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil && (err != io.EOF || (len(chunk) == 0 && len(l.buf) == 0 && !tooLong)) {
			return nil, err
		}
		break
	}
	l.n++
	if tooLong {
		return nil, errLineTooLong
	}
	line := bytes.TrimSuffix(l.buf, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	if l.n == 1 {
		line = bytes.TrimPrefix(line, []byte("\ufeff"))
	}
	if len(line) > MaxLineBytes {
		return nil, errLineTooLong
	}
	return line, nil
}
