// Package library is the user's local catalogue in bbolt: tracks, albums,
// playlists, shares, settings, tag reading, folder import and search. It owns
// its own buckets in the one bbolt file that app opens and receives the
// *bbolt.DB.
//
// library never imports network, player, app or Fyne.
package library
