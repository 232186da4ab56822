package library

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// fold makes text comparable for search and sorting: lower case, accents
// removed (é → e), apostrophes dropped (don't → dont), a few letters that do
// not decompose spelled out (ß → ss, æ → ae, ø → o, ł → l, đ → d).
func fold(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || c == '\'' || (c >= 'A' && c <= 'Z') {
			return string(foldAppend(make([]byte, 0, len(s)), s))
		}
	}
	return s // already folded: no copy
}

// foldAppend appends s folded to dst. s is a string or a byte slice, so the
// search index can fold bytes straight from the file without copying them.
func foldAppend[S string | []byte](dst []byte, s S) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c >= 'A' && c <= 'Z':
				dst = append(dst, c+'a'-'A')
			case c != '\'':
				dst = append(dst, c)
			}
			i++
			continue
		}
		var r rune
		var n int
		switch v := any(s).(type) {
		case string:
			r, n = utf8.DecodeRuneInString(v[i:])
		case []byte:
			r, n = utf8.DecodeRune(v[i:])
		}
		i += n
		if r < rune(len(latinFold)) {
			dst = append(dst, latinFold[r]...)
			continue
		}
		dst = foldRune(dst, r)
	}
	return dst
}

// latinFold holds fold's answer for every rune below U+0250 (Latin-1 and
// Latin Extended-A/B), so common text never goes through normalisation.
var latinFold = func() []string {
	t := make([]string, 0x250)
	for r := range rune(len(t)) {
		t[r] = string(foldRune(nil, r))
	}
	return t
}()

// foldRune appends one rune folded: decomposed, marks dropped, lower case.
func foldRune(dst []byte, r rune) []byte {
	if r == '\'' || r == '’' {
		return dst
	}
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	for _, r := range norm.NFD.String(string(buf[:n])) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		switch r = unicode.ToLower(r); r {
		case 'ß':
			dst = append(dst, "ss"...)
		case 'æ':
			dst = append(dst, "ae"...)
		case 'œ':
			dst = append(dst, "oe"...)
		case 'ø':
			dst = append(dst, 'o')
		case 'ł':
			dst = append(dst, 'l')
		case 'đ', 'ð':
			dst = append(dst, 'd')
		case 'þ':
			dst = append(dst, "th"...)
		default:
			dst = utf8.AppendRune(dst, r)
		}
	}
	return dst
}

// isWordByte reports whether an ASCII byte belongs to a word.
func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z'
}

// eachWord calls fn with every word (run of letters and digits) of folded
// text; the slice is only valid during the call.
func eachWord(folded []byte, fn func(w []byte)) {
	start := -1
	for i := 0; i < len(folded); {
		c := folded[i]
		in, n := false, 1
		if c < utf8.RuneSelf {
			in = isWordByte(c)
		} else {
			var r rune
			r, n = utf8.DecodeRune(folded[i:])
			in = unicode.IsLetter(r) || unicode.IsNumber(r)
		}
		switch {
		case in && start < 0:
			start = i
		case !in && start >= 0:
			fn(folded[start:i])
			start = -1
		}
		i += n
	}
	if start >= 0 {
		fn(folded[start:])
	}
}

// words splits folded text into search words.
func words(folded string) []string {
	var out []string
	eachWord([]byte(folded), func(w []byte) { out = append(out, string(w)) })
	return out
}
