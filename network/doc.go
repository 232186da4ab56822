// Package network is Swarmtone's node in the BitTorrent network, built on
// github.com/anacrolix/torrent: it shares files in place, adds magnets and
// .torrents, hands out streaming readers for one file, seeds in the background
// and reports swarm statistics. It owns its own buckets in the bbolt file app
// opens.
//
// network never imports library, player, app or Fyne: it knows nothing of
// audio; it hands out bytes.
package network
