package library

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"go.etcd.io/bbolt"
)

// Settings are the user's preferences, stored as JSON so fields can be added
// without a migration: a field missing from the stored JSON keeps its
// default. The GUI and the headless commands read the same record.
type Settings struct {
	MusicFolders []string `json:"music_folders"`
	// DownloadFolder is where fetched torrents go; "" leaves the choice to
	// the app (~/Music/Swarmtone, or inside a data folder given by --data).
	DownloadFolder string `json:"download_folder"`

	// ListenPort is where the node listens: DefaultListenPort unless the
	// user chose another; 0 lets the system pick a free port at each start.
	ListenPort int    `json:"listen_port"`
	DHT        bool   `json:"dht"`
	PEX        bool   `json:"pex"`
	LSD        bool   `json:"lsd"`
	UPnP       bool   `json:"upnp"`
	Encryption string `json:"encryption"` // "prefer", "require" or "off"
	Proxy      string `json:"proxy"`      // e.g. "socks5://127.0.0.1:9050"; "" for none
	// Anonymous hides the client name and version from peers and refuses
	// connections that do not go through Proxy.
	Anonymous bool `json:"anonymous"`
	// UploadLimit and DownloadLimit are bytes per second; 0 is unlimited.
	UploadLimit   int64 `json:"upload_limit"`
	DownloadLimit int64 `json:"download_limit"`
	// SeedRatio stops seeding a completed download once it has uploaded
	// SeedRatio times its size; SeedHours stops it that many hours after
	// it completed. 0 seeds forever. Both count within one run of the node,
	// and the user's own shares always seed.
	SeedRatio float64 `json:"seed_ratio,omitempty"`
	SeedHours float64 `json:"seed_hours,omitempty"`
	// KeepWhatIPlay keeps swarm tracks that were played on disk (and seeds
	// them) instead of dropping them from the cache.
	KeepWhatIPlay bool `json:"keep_what_i_play"`

	ReplayGain string  `json:"replaygain"` // "off", "track" or "album"
	Theme      string  `json:"theme"`      // "system", "light" or "dark"
	Volume     float64 `json:"volume"`     // 0 to 1

	// PublishShares ticks "Publish to my channel" in the share dialog, as
	// it was left the last time.
	PublishShares bool `json:"publish_shares,omitempty"`
}

var keySettings = []byte("settings")

// DefaultListenPort is the fixed port a new library listens on, so a port
// forwarded once keeps working (network.DefaultListenPort, which this
// package may not import; app's tests check they agree).
const DefaultListenPort = 51765

// Upper bounds of the seeding limits: beyond them a limit is a typo, and
// 0 already means "seed forever".
const (
	MaxSeedRatio = 1000
	MaxSeedHours = 24 * 365
)

// settingsVersion is written with every save. Records before version 1
// stored 0 as the listen port meaning DefaultListenPort; since version 1, 0
// means a free port.
const settingsVersion = 1

// storedSettings is the record as stored: the settings and their version.
type storedSettings struct {
	Settings
	Version int `json:"settings_version"`
}

// DefaultSettings are the settings of a new library.
func DefaultSettings() Settings {
	home, err := os.UserHomeDir()
	if err != nil {
		home = os.TempDir()
	}
	music := filepath.Join(home, "Music")
	return Settings{
		MusicFolders:  []string{music},
		ListenPort:    DefaultListenPort,
		DHT:           true,
		PEX:           true,
		LSD:           true,
		UPnP:          true,
		Encryption:    "prefer",
		KeepWhatIPlay: true,
		ReplayGain:    "track",
		Theme:         "system",
		Volume:        0.8,
	}
}

// Validate reports the first setting out of range, naming it.
func (s Settings) Validate() error {
	switch {
	case s.ListenPort < 0 || s.ListenPort > 65535:
		return fmt.Errorf("listen port %d is not between 0 and 65535 (0 picks a free port)", s.ListenPort)
	case s.Encryption != "prefer" && s.Encryption != "require" && s.Encryption != "off":
		return fmt.Errorf("encryption %q is not prefer, require or off", s.Encryption)
	case s.ReplayGain != "off" && s.ReplayGain != "track" && s.ReplayGain != "album":
		return fmt.Errorf("ReplayGain mode %q is not off, track or album", s.ReplayGain)
	case s.Theme != "system" && s.Theme != "light" && s.Theme != "dark":
		return fmt.Errorf("theme %q is not system, light or dark", s.Theme)
	case s.Volume < 0 || s.Volume > 1 || s.Volume != s.Volume:
		return fmt.Errorf("volume %v is not between 0 and 1", s.Volume)
	case s.UploadLimit < 0:
		return fmt.Errorf("upload limit %d must not be negative (0 means unlimited)", s.UploadLimit)
	case s.DownloadLimit < 0:
		return fmt.Errorf("download limit %d must not be negative (0 means unlimited)", s.DownloadLimit)
	case !(s.SeedRatio >= 0 && s.SeedRatio <= MaxSeedRatio): // NaN too
		return fmt.Errorf("seed ratio %v is not between 0 and %d (0 seeds forever)", s.SeedRatio, MaxSeedRatio)
	case !(s.SeedHours >= 0 && s.SeedHours <= MaxSeedHours):
		return fmt.Errorf("seed time %v hours is not between 0 and %d (0 seeds forever)", s.SeedHours, MaxSeedHours)
	case s.Anonymous && s.Proxy == "":
		return fmt.Errorf("anonymous mode needs a proxy: set one, or turn anonymous mode off")
	}
	return nil
}

// Settings returns the stored settings over the defaults.
func (l *Library) Settings(ctx context.Context) (Settings, error) {
	s := DefaultSettings()
	if err := ctxErr(ctx); err != nil {
		return s, err
	}
	err := l.view(func(tx *bbolt.Tx) error {
		v := tx.Bucket(bucketSettings).Get(keySettings)
		if v == nil {
			return nil
		}
		rec := storedSettings{Settings: s}
		if err := json.Unmarshal(v, &rec); err != nil {
			return fmt.Errorf("settings in %s are damaged (save settings again to replace them): %w", l.db.Path(), err)
		}
		s = rec.Settings
		if rec.Version < 1 && s.ListenPort == 0 {
			s.ListenPort = DefaultListenPort // what 0 meant then
		}
		return nil
	})
	return s, err
}

// SaveSettings validates and stores s.
func (l *Library) SaveSettings(ctx context.Context, s Settings) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	if err := s.Validate(); err != nil {
		return fmt.Errorf("not saving settings: %w", err)
	}
	v, err := json.Marshal(&storedSettings{Settings: s, Version: settingsVersion})
	if err != nil {
		return err
	}
	return l.update(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketSettings).Put(keySettings, v)
	})
}
