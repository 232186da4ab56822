package app

// refreshWhenCoversReady tells the window (EventLibraryChanged) once the
// cover thumbnails an import queued are made: the library writes tracks
// first and makes thumbnails after them in the background, so the event
// the import itself sends comes before the covers can be shown.
func (c *Core) refreshWhenCoversReady() {
	if !c.goBackground() {
		return
	}
	go func() {
		defer c.bg.Done()
		if err := c.lib.WaitThumbnails(c.ctx); err != nil {
			return // closing: the covers are made after the next start
		}
		c.emit(Event{Kind: EventLibraryChanged})
	}()
}
