package network

// ValidateSource checks a magnet link, a .torrent path or a bare infohash
// exactly as Add does, without a node and without any network activity, so
// a command can refuse bad input before it writes anything.
func ValidateSource(source string) error {
	_, err := parseSource(source)
	return err
}
