package main

// The lab's seeding peers: each is this bench binary run again inside its
// namespace (labPeerEnv), a Swarmtone node (the network package the app
// uses, discovery off as with --no-dht) sharing the albums it holds. It
// prints one JSON line per share, then "ready", and seeds until killed.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/swarmtone/swarmtone/network"
)

// labPeerEnv holds a labPeerConf as JSON: the bench binary is then a peer.
const labPeerEnv = "SWARMTONE_BENCH_LAB_PEER"

type labPeerConf struct {
	Host   string   // the address to listen on (inside the namespace)
	Port   int      // fixed, so a peer that leaves comes back where it was
	Data   string   // its own folder
	Albums []string // album folders to share
}

type labShared struct {
	Album    string
	InfoHash string
	Magnet   string
}

// labPeerChild is the peer's main.
func labPeerChild(conf string) error {
	var c labPeerConf
	if err := json.Unmarshal([]byte(conf), &c); err != nil {
		return fmt.Errorf("%s: %w", labPeerEnv, err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	n, closeNode, err := netNode(ctx, c.Data, func(cfg *network.Config) {
		cfg.ListenHost, cfg.ListenPort = c.Host, c.Port
	})
	if err != nil {
		return err
	}
	defer closeNode()
	enc := json.NewEncoder(os.Stdout)
	for _, a := range c.Albums {
		sh, err := n.Share(ctx, []string{a}, nil)
		if err != nil {
			return fmt.Errorf("sharing %s: %w", a, err)
		}
		enc.Encode(labShared{Album: filepath.Base(a), InfoHash: sh.InfoHash, Magnet: sh.Magnet})
	}
	fmt.Println("ready")
	<-ctx.Done()
	return nil
}

// labAlbum is one album of the catalogue.
type labAlbum struct {
	Name    string
	Dir     string `json:"-"` // the creator's folder
	Creator int    // index into the lab's seeding peers
	Holders []int  // every seeding peer that holds it, the creator first
	Weight  float64
}

// labFormat is how the lab's tracks are encoded: an ffmpeg codec and its
// options, and the files' extension.
type labFormat struct {
	Ext  string
	Args []string
	// Cover embeds a cover image (a ~360 KB JPEG, one per album) in each
	// track's tags, as most albums' files carry one.
	Cover bool
}

// labFormats are the lab's encodings. mp3 is the default: 160 kbit/s, the
// bitrate of the Spotify client the anchor was measured on (Ogg
// Vorbis q5, Kreitz and Niemelä 2010). flac is lossless pink noise at a level
// that encodes to about 790 kbit/s (lab_track_kbit), like CD music: an
// album whose only holder has a 1.2 Mbit/s uplink (the lab's uplinks are
// 1-50 Mbit/s) cannot play in real time to three listeners at once, and
// stalled in every FLAC run (album 22). ogg is Ogg Vorbis at 160 kbit/s, the
// anchor's own encoding, and opus Opus at a constant 128 kbit/s: both put the length
// in the last page's granule position, which the player reads at open.
// mp3-320 is MP3 at 320 kbit/s, the most an MP3 carries: a new album's start
// needs more of it than the opening batch asks for without a bitrate
// (network's startRate). mp3-cover is mp3 with its album's cover in each
// track's ID3v2 tag, before the audio, as in most MP3s sold or ripped.
var labFormats = map[string]labFormat{
	"mp3":     {Ext: ".mp3", Args: []string{"-c:a", "libmp3lame", "-b:a", "160k"}},
	"mp3-320": {Ext: ".mp3", Args: []string{"-c:a", "libmp3lame", "-b:a", "320k"}},
	"flac":    {Ext: ".flac", Args: []string{"-c:a", "flac"}},
	"ogg":     {Ext: ".ogg", Args: []string{"-c:a", "libvorbis", "-b:a", "160k", "-minrate", "160k", "-maxrate", "160k"}},
	"opus":    {Ext: ".opus", Args: []string{"-c:a", "libopus", "-b:a", "128k", "-vbr", "off"}},
	"mp3-cover": {Ext: ".mp3", Cover: true, Args: []string{"-c:a", "libmp3lame", "-b:a", "160k",
		"-map", "0:a", "-map", "1:v", "-c:v", "copy", "-disposition:v", "attached_pic", "-id3v2_version", "3"}},
}

// labCatalogue writes albums tracks-long albums of pink noise encoded as
// format into dir and decides who holds them: creator c of creators made albums c, c+creators, …; fans copy
// album k (rank k+1 by popularity) with probability 0.7/(k+1)^0.8, so a few
// albums are on many peers and most on their creator and perhaps one fan.
// Copies are hard links: the same files, the same torrent.
func labCatalogue(ctx context.Context, dir string, rng *rand.Rand, format labFormat, albums, tracks int, trackSecs float64, creators, fans int) ([]labAlbum, error) {
	var cat []labAlbum
	var jobs []*exec.Cmd
	for k := range albums {
		a := labAlbum{Name: fmt.Sprintf("Lab Album %02d", k+1), Creator: k % creators, Weight: 1 / math.Pow(float64(k+1), 1.0)}
		a.Dir = filepath.Join(dir, "albums", a.Name)
		if err := os.MkdirAll(a.Dir, 0o755); err != nil {
			return nil, err
		}
		var cover []string // the cover's input to each track's encoder
		if format.Cover {
			c, err := labCover(ctx, filepath.Join(dir, "covers"), k)
			if err != nil {
				return nil, err
			}
			cover = []string{"-i", c}
		}
		for t := range tracks {
			out := filepath.Join(a.Dir, fmt.Sprintf("%02d Track %d%s", t+1, t+1, format.Ext))
			// A different seed per track: no two files share pieces.
			src := fmt.Sprintf("anoisesrc=d=%g:c=pink:r=44100:a=0.08:seed=%d,aformat=channel_layouts=stereo", trackSecs, k*100+t+1)
			args := slices.Concat([]string{"-v", "error", "-f", "lavfi", "-i", src}, cover, format.Args)
			args = append(args, "-metadata", fmt.Sprintf("title=Track %d", t+1), "-metadata", "album="+a.Name, "-metadata", "artist=Lab Artist "+fmt.Sprint(a.Creator+1), out)
			jobs = append(jobs, exec.CommandContext(ctx, "ffmpeg", args...))
		}
		a.Holders = []int{a.Creator}
		for f := range fans {
			if rng.Float64() < 0.7/math.Pow(float64(k+1), 0.8) {
				a.Holders = append(a.Holders, creators+f)
			}
		}
		cat = append(cat, a)
	}
	// Four encoders at a time: each is short, and mostly waits for its
	// turn on a busy machine.
	sem := make(chan struct{}, 4)
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	for i, cmd := range jobs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			if b, err := cmd.CombinedOutput(); err != nil {
				errs[i] = fmt.Errorf("ffmpeg: %v\n%s", err, b)
			}
		})
	}
	wg.Wait()
	return cat, errors.Join(errs...)
}

// labCover writes album k's cover, a 1000×1000 JPEG of ~360 KB (noise over
// a pattern, which compresses like a photograph), into dir (outside the
// albums' folders: peers share those whole) and returns its path.
func labCover(ctx context.Context, dir string, k int) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	out := filepath.Join(dir, fmt.Sprintf("cover %02d.jpg", k+1))
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	src := fmt.Sprintf("nullsrc=s=1000x1000:d=1,geq=lum='128+60*sin((X+%d)/37)*cos(Y/23)+random(1)*50':cb=128:cr=128", 7*k)
	if b, err := exec.CommandContext(ctx, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", src, "-frames:v", "1", "-q:v", "3", "-y", out).CombinedOutput(); err != nil {
		return "", fmt.Errorf("ffmpeg (cover): %v\n%s", err, b)
	}
	return out, nil
}

// dirBytes is the size of the files under dir.
func dirBytes(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err == nil {
			n += fi.Size()
		}
		return err
	})
	return n, err
}

// labPeerAlbums links the albums peer i holds into its own music folder and
// returns their folders.
func labPeerAlbums(cat []labAlbum, i int, music string) ([]string, error) {
	var dirs []string
	for _, a := range cat {
		holds := false
		for _, h := range a.Holders {
			holds = holds || h == i
		}
		if !holds {
			continue
		}
		d := filepath.Join(music, a.Name)
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
		files, err := os.ReadDir(a.Dir)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			if err := os.Link(filepath.Join(a.Dir, f.Name()), filepath.Join(d, f.Name())); err != nil && !os.IsExist(err) {
				return nil, err
			}
		}
		dirs = append(dirs, d)
	}
	return dirs, nil
}
