package network

import (
	"errors"
	"fmt"
	"math"
	"strconv"
)

// scanInfoCounts reads an info dictionary's file and piece counts without
// building anything: the number of entries of its "files" list and the
// length of its "pieces" string divided by 20, or, if more, the files of
// its BEP 52 "file tree" and the pieces their lengths need (at most: the
// tree gives lengths, not hashes, so a few bytes can claim a huge file).
// It walks the bencode with no recursion, so a hostile dictionary costs
// one pass.
func scanInfoCounts(b []byte) (files, pieces int, err error) {
	if len(b) == 0 || b[0] != 'd' {
		return 0, 0, errors.New("info is not a bencoded dictionary")
	}
	var treeFiles int
	var treeBytes, pieceLength int64
	defer func() {
		if err != nil || treeFiles == 0 {
			return
		}
		files = max(files, treeFiles)
		if pieceLength > 0 {
			// Each file needs at most its length's pieces and one more.
			pieces = max(pieces, int(min(treeBytes/pieceLength+int64(treeFiles), math.MaxInt32)))
		}
	}()
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
		case "file tree":
			if i, treeFiles, treeBytes, err = scanFileTree(b, i); err != nil {
				return 0, 0, err
			}
		case "piece length":
			if pieceLength, i, err = bencInt(b, i); err != nil {
				return 0, 0, err
			}
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

// scanFileTree walks a BEP 52 file tree at b[i:] with no recursion: it
// counts its files (the dictionaries keyed "") and sums the lengths they
// give. It returns the index after the tree.
func scanFileTree(b []byte, i int) (end, files int, total int64, err error) {
	if i >= len(b) || b[i] != 'd' {
		return 0, 0, 0, errors.New(`info "file tree" is not a dictionary`)
	}
	// Per open container: a dictionary whose next item is a key, or not.
	type frame struct{ dict, atKey bool }
	var stack []frame
	length := false // the value being read follows the key "length"
	for {
		if i >= len(b) {
			return 0, 0, 0, errors.New("file tree is truncated")
		}
		n := len(stack)
		if n > 0 && stack[n-1].atKey {
			if b[i] == 'e' {
				stack = stack[:n-1]
				i++
			} else {
				ks, ke, err := bencString(b, i)
				if err != nil {
					return 0, 0, 0, err
				}
				if ks == ke {
					files++
				}
				length = string(b[ks:ke]) == "length"
				stack[n-1].atKey = false
				i = ke
				continue
			}
		} else {
			switch c := b[i]; {
			case c == 'd' || c == 'l':
				stack = append(stack, frame{dict: c == 'd', atKey: c == 'd'})
				i++
				length = false
				continue
			case c == 'e':
				if n == 0 || stack[n-1].dict {
					return 0, 0, 0, fmt.Errorf("file tree: unexpected end at %d", i)
				}
				stack = stack[:n-1]
				i++
			case c == 'i':
				v, next, err := bencInt(b, i)
				if err != nil {
					return 0, 0, 0, err
				}
				if length && v > 0 {
					total = min(total+v, math.MaxInt64/2)
				}
				i = next
			case c >= '0' && c <= '9':
				_, e, err := bencString(b, i)
				if err != nil {
					return 0, 0, 0, err
				}
				i = e
			default:
				return 0, 0, 0, fmt.Errorf("file tree: unexpected byte %q at %d", c, i)
			}
		}
		// A value (or a whole container) ended.
		length = false
		if len(stack) == 0 {
			return i, files, total, nil
		}
		if top := &stack[len(stack)-1]; top.dict {
			top.atKey = true
		}
	}
}

// bencInt reads the bencoded integer at b[i:] and the index after it.
func bencInt(b []byte, i int) (v int64, next int, err error) {
	if i >= len(b) || b[i] != 'i' {
		return 0, 0, fmt.Errorf("bencode integer expected at %d", i)
	}
	j := i + 1
	for j < len(b) && b[j] != 'e' {
		j++
	}
	if j >= len(b) {
		return 0, 0, errors.New("bencode integer is truncated")
	}
	v, err = strconv.ParseInt(string(b[i+1:j]), 10, 64)
	if err != nil {
		return 0, 0, fmt.Errorf("bencode integer at %d: %w", i, err)
	}
	return v, j + 1, nil
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
