package network

import (
	"errors"
	"fmt"
)

// scanInfoCounts reads an info dictionary's file and piece counts without
// building anything: the number of entries of its "files" list and the
// length of its "pieces" string divided by 20. It walks the bencode with
// no recursion and no allocation, so a hostile dictionary costs one pass.
func scanInfoCounts(b []byte) (files, pieces int, err error) {
	if len(b) == 0 || b[0] != 'd' {
		return 0, 0, errors.New("info is not a bencoded dictionary")
	}
	i := 1
	for i < len(b) && b[i] != 'e' {
		ks, ke, err := bencString(b, i)
		if err != nil {
			return 0, 0, err
		}
		i = ke
		switch string(b[ks:ke]) {
		case "files":
			if i >= len(b) || b[i] != 'l' {
				return 0, 0, errors.New(`info "files" is not a list`)
			}
			i++
			for i < len(b) && b[i] != 'e' {
				if i, err = bencSkip(b, i); err != nil {
					return 0, 0, err
				}
				files++
			}
			i++ // the list's 'e'
		case "pieces":
			ps, pe, err := bencString(b, i)
			if err != nil {
				return 0, 0, err
			}
			pieces = (pe - ps) / 20
			i = pe
		default:
			if i, err = bencSkip(b, i); err != nil {
				return 0, 0, err
			}
		}
	}
	if i >= len(b) {
		return 0, 0, errors.New("info dictionary is truncated")
	}
	return files, pieces, nil
}

// bencString finds the byte string at b[i:]: its bytes are b[start:end].
func bencString(b []byte, i int) (start, end int, err error) {
	n := 0
	j := i
	for ; j < len(b) && b[j] >= '0' && b[j] <= '9'; j++ {
		n = n*10 + int(b[j]-'0')
		if n > len(b) {
			return 0, 0, fmt.Errorf("bencode string at %d is longer than the data", i)
		}
	}
	if j == i || j >= len(b) || b[j] != ':' {
		return 0, 0, fmt.Errorf("bencode string expected at %d", i)
	}
	j++
	if j+n > len(b) {
		return 0, 0, fmt.Errorf("bencode string at %d is longer than the data", i)
	}
	return j, j + n, nil
}

// bencSkip returns the index after the bencoded value at b[i:].
func bencSkip(b []byte, i int) (int, error) {
	depth := 0
	for {
		if i >= len(b) {
			return 0, errors.New("bencode value is truncated")
		}
		switch c := b[i]; {
		case c == 'd' || c == 'l':
			depth++
			i++
			continue
		case c == 'e':
			if depth == 0 {
				return 0, fmt.Errorf("unexpected end at %d", i)
			}
			depth--
			i++
		case c == 'i':
			j := i + 1
			for j < len(b) && b[j] != 'e' {
				j++
			}
			if j >= len(b) {
				return 0, errors.New("bencode integer is truncated")
			}
			i = j + 1
		case c >= '0' && c <= '9':
			_, end, err := bencString(b, i)
			if err != nil {
				return 0, err
			}
			i = end
		default:
			return 0, fmt.Errorf("bencode: unexpected byte %q at %d", c, i)
		}
		if depth == 0 {
			return i, nil
		}
	}
}
