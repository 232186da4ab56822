package network

// SetPaused stops a torrent's uploads and downloads, or lets them run
// again: the user's pause, separate from the seeding policy.
func (n *Node) SetPaused(infoHash string, paused bool) error {
	e, _, err := n.get(infoHash)
	if err != nil {
		return err
	}
	if paused {
		e.t.DisallowDataUpload()
		e.t.DisallowDataDownload()
		return nil
	}
	e.t.AllowDataUpload()
	e.t.AllowDataDownload()
	return nil
}
