package channel

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text makes a peer's string fit for one line of display: valid UTF-8,
// no control, format (bidirectional overrides, zero-width) or line
// characters, runs of spaces folded, trimmed, and cut at a character
// boundary to at most max bytes.
func Text(s string, max int) string { return clean(s, max, false) }

// Paragraphs is Text that keeps line breaks (a bio), at most two in a row.
func Paragraphs(s string, max int) string { return clean(s, max, true) }

func clean(s string, max int, lines bool) string {
	if len(s) > 4*max+64 {
		s = s[:4*max+64] // no need to walk megabytes to keep a few hundred bytes
	}
	var b strings.Builder
	space, breaks := false, 0
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case lines && r == '\n':
			if breaks < 2 && b.Len() > 0 {
				trimSpace(&b)
				b.WriteByte('\n')
			}
			breaks++
			space = false
			continue
		case unicode.IsSpace(r) || r == '\t':
			if b.Len() > 0 && breaks == 0 {
				space = true
			}
			continue
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029' || r == '\uFFFE' || r == '\uFFFF':
			continue
		}
		if space {
			b.WriteByte(' ')
		}
		space, breaks = false, 0
		b.WriteRune(r)
		if b.Len() >= max {
			break
		}
	}
	out := strings.TrimRight(b.String(), " \n")
	for len(out) > max {
		_, size := utf8.DecodeLastRuneInString(out)
		out = out[:len(out)-size]
	}
	return out
}

func trimSpace(b *strings.Builder) {
	s := strings.TrimRight(b.String(), " ")
	if len(s) != b.Len() {
		b.Reset()
		b.WriteString(s)
	}
}
