// Package mpris puts Swarmtone on the session bus as an MPRIS2 media player
// (org.mpris.MediaPlayer2 and .Player), so the desktop's media keys, sound
// applets and "now playing" widgets see and control it. It drives playback
// only through app.Core's commands and follows its events; it never imports
// app/ui or Fyne: what needs the window (Raise, OpenUri, Quit) goes
// through the Window functions its caller gives.
package mpris

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/introspect"
	"github.com/godbus/dbus/v5/prop"

	"github.com/swarmtone/swarmtone/app"
)

// Names of the MPRIS2 specification.
const (
	BusName         = "org.mpris.MediaPlayer2.swarmtone"
	ObjectPath      = dbus.ObjectPath("/org/mpris/MediaPlayer2")
	RootInterface   = "org.mpris.MediaPlayer2"
	PlayerInterface = "org.mpris.MediaPlayer2.Player"
	trackPathPrefix = "/org/swarmtone/Swarmtone/track/"
	noTrack         = dbus.ObjectPath("/org/mpris/MediaPlayer2/TrackList/NoTrack")
)

// Window is what the player asks of the window.
type Window struct {
	Raise func()              // bring the window to the front
	Open  func(args []string) // play magnets or files, as a launch would
	Quit  func()              // end the app
}

// Server is the exported player.
type Server struct {
	core  *app.Core
	win   Window
	conn  *dbus.Conn
	props *prop.Properties
	name  string

	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}

	mu      sync.Mutex
	stopped bool    // Stop was asked: Stopped until Play
	volume  float64 // the last volume set
	trackID string  // whose metadata is shown
	length  time.Duration
}

// Start exports the player on conn under BusName (or, when another
// Swarmtone holds it, BusName.instancePID) and follows core until Close.
func Start(conn *dbus.Conn, core *app.Core, win Window) (*Server, error) {
	s := &Server{core: core, win: win, conn: conn, volume: 1, done: make(chan struct{})}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	if st, err := core.Settings(s.ctx); err == nil {
		s.volume = st.Volume
	}
	set := func(v any) *prop.Prop { return &prop.Prop{Value: v, Emit: prop.EmitTrue} }
	constant := func(v any) *prop.Prop { return &prop.Prop{Value: v, Emit: prop.EmitConst} }
	writable := func(v any, cb func(*prop.Change) *dbus.Error) *prop.Prop {
		return &prop.Prop{Value: v, Writable: true, Emit: prop.EmitTrue, Callback: cb}
	}
	props := prop.Map{
		RootInterface: {
			"CanQuit":             constant(true),
			"CanRaise":            constant(true),
			"Fullscreen":          constant(false),
			"CanSetFullscreen":    constant(false),
			"HasTrackList":        constant(false),
			"Identity":            constant("Swarmtone"),
			"DesktopEntry":        constant("swarmtone"),
			"SupportedUriSchemes": constant([]string{"magnet", "file"}),
			"SupportedMimeTypes": constant([]string{"application/x-bittorrent", "x-scheme-handler/magnet", "audio/flac", "audio/mpeg",
				"audio/ogg", "audio/x-vorbis+ogg", "audio/opus", "audio/x-wav", "audio/x-mpegurl", "application/xspf+xml"}),
		},
		PlayerInterface: {
			"PlaybackStatus": set("Stopped"),
			"LoopStatus":     writable("None", s.setLoop),
			"Rate":           writable(1.0, func(*prop.Change) *dbus.Error { return nil }), // one speed: a request for another is ignored
			"Shuffle":        writable(false, s.setShuffle),
			"Metadata":       set(map[string]dbus.Variant{"mpris:trackid": dbus.MakeVariant(noTrack)}),
			"Volume":         writable(s.volume, s.setVolume),
			"Position":       {Value: int64(0), Emit: prop.EmitFalse},
			"MinimumRate":    constant(1.0),
			"MaximumRate":    constant(1.0),
			"CanGoNext":      set(true),
			"CanGoPrevious":  set(true),
			"CanPlay":        set(true),
			"CanPause":       set(true),
			"CanSeek":        set(true),
			"CanControl":     constant(true),
		},
	}
	var err error
	if s.props, err = prop.Export(conn, ObjectPath, props); err != nil {
		return nil, fmt.Errorf("exporting the MPRIS properties: %w", err)
	}
	if err := conn.Export(root{s}, ObjectPath, RootInterface); err != nil {
		return nil, err
	}
	if err := conn.ExportWithMap(player{s}, map[string]string{"SeekBy": "Seek"}, ObjectPath, PlayerInterface); err != nil {
		return nil, err
	}
	node := &introspect.Node{Name: string(ObjectPath), Interfaces: []introspect.Interface{
		introspect.IntrospectData, prop.IntrospectData,
		{Name: RootInterface, Methods: introspect.Methods(root{s}), Properties: s.props.Introspection(RootInterface)},
		{Name: PlayerInterface, Methods: playerMethods(s), Properties: s.props.Introspection(PlayerInterface),
			Signals: []introspect.Signal{{Name: "Seeked", Args: []introspect.Arg{{Name: "Position", Type: "x"}}}}},
	}}
	if err := conn.Export(introspect.NewIntrospectable(node), ObjectPath, "org.freedesktop.DBus.Introspectable"); err != nil {
		return nil, err
	}
	for _, name := range []string{BusName, fmt.Sprintf("%s.instance%d", BusName, os.Getpid())} {
		reply, err := conn.RequestName(name, dbus.NameFlagDoNotQueue)
		if err != nil {
			return nil, fmt.Errorf("asking for %s on the session bus: %w", name, err)
		}
		if reply == dbus.RequestNameReplyPrimaryOwner {
			s.name = name
			break
		}
	}
	if s.name == "" {
		return nil, fmt.Errorf("the session bus gave neither %s nor an instance name", BusName)
	}
	s.refresh()
	go s.follow()
	return s, nil
}

// playerMethods introspects the Player methods under their D-Bus names.
func playerMethods(s *Server) []introspect.Method {
	ms := introspect.Methods(player{s})
	for i := range ms {
		if ms[i].Name == "SeekBy" {
			ms[i].Name = "Seek"
		}
	}
	return ms
}

// Name is the bus name the player got.
func (s *Server) Name() string { return s.name }

// Close takes the player off the bus.
func (s *Server) Close() error {
	s.cancel()
	<-s.done
	_, err := s.conn.ReleaseName(s.name)
	return err
}

// follow refreshes the properties on the Core's player events, and once a
// second while a track plays (the window's own pauses send no event).
func (s *Server) follow() {
	defer close(s.done)
	events, unsubscribe := s.core.Subscribe(64)
	defer unsubscribe()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case ev := <-events:
			if ev.Kind == app.EventLibraryChanged {
				// Tags read from the swarm may have named the track now.
				s.mu.Lock()
				s.trackID = ""
				s.mu.Unlock()
				s.refresh()
				continue
			}
			if ev.Kind != app.EventPlayer {
				continue
			}
			if ev.Player.Kind == app.PlayerSeeked {
				// Every seek (over MPRIS, in the window, on the command
				// line) comes back from the engine once, where it went:
				// applets move their slider only on Seeked.
				s.setProp(PlayerInterface, "Position", ev.Player.Position.Microseconds())
				if err := s.conn.Emit(ObjectPath, PlayerInterface+".Seeked", ev.Player.Position.Microseconds()); err != nil {
					slog.Debug("mpris Seeked", "err", err)
				}
			}
			if ev.Player.Duration > 0 {
				s.mu.Lock()
				if ev.Player.TrackID == s.trackID || s.trackID == "" {
					s.length = ev.Player.Duration
				}
				s.mu.Unlock()
			}
			s.refresh()
		case <-tick.C:
			s.refresh()
		}
	}
}

// refresh reads the engine's state into the properties.
func (s *Server) refresh() {
	st, err := s.core.PlayerState()
	status := "Stopped"
	s.mu.Lock()
	stopped := s.stopped
	s.mu.Unlock()
	switch {
	case err != nil || stopped || st.TrackID == "":
	case st.Paused:
		status = "Paused"
	case st.Playing:
		status = "Playing"
	}
	s.setProp(PlayerInterface, "PlaybackStatus", status)
	if err != nil {
		return
	}
	s.setProp(PlayerInterface, "Shuffle", st.Shuffle)
	s.setProp(PlayerInterface, "LoopStatus", loopStatus(st.Repeat))
	s.setProp(PlayerInterface, "Position", st.Position.Microseconds())
	s.setProp(PlayerInterface, "CanGoNext", len(st.Queue) > 0)
	s.setProp(PlayerInterface, "CanGoPrevious", len(st.Queue) > 0)
	s.mu.Lock()
	changed := st.TrackID != s.trackID
	if changed {
		s.trackID, s.length = st.TrackID, 0
	}
	s.mu.Unlock()
	if changed || s.lengthUnknown() {
		s.setProp(PlayerInterface, "Metadata", s.metadata(st.TrackID))
	}
}

func (s *Server) lengthUnknown() bool {
	md, _ := s.props.GetMust(PlayerInterface, "Metadata").(map[string]dbus.Variant)
	_, has := md["mpris:length"]
	s.mu.Lock()
	defer s.mu.Unlock()
	return !has && s.length > 0
}

// setProp changes a property only when its value changed, so that no
// PropertiesChanged is sent for nothing. (prop's Set is the D-Bus method:
// it refuses read-only properties and runs the callbacks of writable ones.)
func (s *Server) setProp(iface, name string, v any) {
	defer func() {
		if r := recover(); r != nil { // SetMust panics when the signal cannot be sent: the bus went away
			slog.Debug("mpris property", "name", name, "err", r)
		}
	}()
	if reflect.DeepEqual(s.props.GetMust(iface, name), v) {
		return
	}
	s.props.SetMust(iface, name, v)
}

// metadata is the xesam/mpris description of a queued track.
func (s *Server) metadata(trackID string) map[string]dbus.Variant {
	if trackID == "" {
		return map[string]dbus.Variant{"mpris:trackid": dbus.MakeVariant(noTrack)}
	}
	md := map[string]dbus.Variant{"mpris:trackid": dbus.MakeVariant(trackPath(trackID))}
	s.mu.Lock()
	length := s.length
	s.mu.Unlock()
	title := filepath.Base(trackID) // a local file played directly: its path
	if id, err := strconv.ParseUint(trackID, 10, 64); err == nil {
		ctx, cancel := context.WithTimeout(s.ctx, 2*time.Second)
		tracks, err := s.core.Tracks(ctx, []app.TrackID{app.TrackID(id)})
		cancel()
		if err == nil && len(tracks) == 1 {
			t := tracks[0]
			title = t.DisplayTitle()
			if t.Artist != "" {
				md["xesam:artist"] = dbus.MakeVariant([]string{t.Artist})
			}
			if t.Album != "" {
				md["xesam:album"] = dbus.MakeVariant(t.Album)
			}
			if t.AlbumArtist != "" {
				md["xesam:albumArtist"] = dbus.MakeVariant([]string{t.AlbumArtist})
			}
			if t.Duration > 0 {
				length = t.Duration
			}
			if art := s.artURL(t.ArtID); art != "" {
				md["mpris:artUrl"] = dbus.MakeVariant(art)
			}
		}
	}
	md["xesam:title"] = dbus.MakeVariant(title)
	if length > 0 {
		md["mpris:length"] = dbus.MakeVariant(length.Microseconds())
	}
	return md
}

// artURL writes a cover's thumbnail into the user's cache folder, where
// the desktop can read it, and returns its file:// URL.
func (s *Server) artURL(artID string) string {
	if artID == "" || strings.ContainsAny(artID, `/\`) {
		return ""
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	path := filepath.Join(cache, "swarmtone", "art", artID+".jpg")
	if _, err := os.Stat(path); err != nil {
		ctx, cancel := context.WithTimeout(s.ctx, 2*time.Second)
		b, err := s.core.Thumbnail(ctx, artID)
		cancel()
		if err != nil || len(b) == 0 {
			return ""
		}
		if os.MkdirAll(filepath.Dir(path), 0o755) != nil || os.WriteFile(path, b, 0o644) != nil {
			return ""
		}
	}
	return (&url.URL{Scheme: "file", Path: path}).String()
}

// trackPath is a D-Bus object path naming a queued track.
func trackPath(id string) dbus.ObjectPath {
	var b strings.Builder
	for _, r := range id {
		if r < 128 && (r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
		} else {
			fmt.Fprintf(&b, "_%x_", r)
		}
	}
	return dbus.ObjectPath(trackPathPrefix + "t" + b.String())
}

func loopStatus(r app.Repeat) string {
	switch r {
	case app.RepeatOne:
		return "Track"
	case app.RepeatAll:
		return "Playlist"
	}
	return "None"
}

func (s *Server) setLoop(c *prop.Change) *dbus.Error {
	v, _ := c.Value.(string)
	r := app.RepeatOff
	switch v {
	case "None":
	case "Track":
		r = app.RepeatOne
	case "Playlist":
		r = app.RepeatAll
	default:
		return dbus.MakeFailedError(fmt.Errorf("LoopStatus %q: want None, Track or Playlist", v))
	}
	return dbusErr(s.core.SetRepeat(r))
}

func (s *Server) setShuffle(c *prop.Change) *dbus.Error {
	v, _ := c.Value.(bool)
	return dbusErr(s.core.SetShuffle(v))
}

func (s *Server) setVolume(c *prop.Change) *dbus.Error {
	v, _ := c.Value.(float64)
	v = min(1, max(0, v))
	if err := s.core.SetVolume(v); err != nil {
		return dbusErr(err)
	}
	s.mu.Lock()
	s.volume = v
	s.mu.Unlock()
	return nil
}

func dbusErr(err error) *dbus.Error {
	if err == nil {
		return nil
	}
	return dbus.MakeFailedError(err)
}

// root holds the methods of org.mpris.MediaPlayer2.
type root struct{ s *Server }

// Raise brings the window to the front.
func (r root) Raise() *dbus.Error {
	r.s.win.Raise()
	return nil
}

// Quit ends Swarmtone.
func (r root) Quit() *dbus.Error {
	r.s.win.Quit()
	return nil
}

// player holds the methods of org.mpris.MediaPlayer2.Player.
type player struct{ s *Server }

func (p player) command(err error) *dbus.Error {
	p.s.refresh()
	return dbusErr(err)
}

// Next plays the next track.
func (p player) Next() *dbus.Error { return p.command(p.s.core.NextTrack()) }

// Previous plays the previous track.
func (p player) Previous() *dbus.Error { return p.command(p.s.core.PreviousTrack()) }

// Pause pauses.
func (p player) Pause() *dbus.Error { return p.command(p.s.core.PausePlayback()) }

// PlayPause pauses a playing track and plays a paused or stopped one.
func (p player) PlayPause() *dbus.Error {
	st, err := p.s.core.PlayerState()
	if err != nil {
		return dbusErr(err)
	}
	p.s.mu.Lock()
	stopped := p.s.stopped
	p.s.mu.Unlock()
	if st.Playing && !st.Paused && !stopped {
		return p.Pause()
	}
	return p.Play()
}

// Stop pauses at the start of the track.
func (p player) Stop() *dbus.Error {
	p.s.mu.Lock()
	p.s.stopped = true
	p.s.mu.Unlock()
	err := p.s.core.PausePlayback()
	if err == nil {
		err = p.s.core.Seek(0)
	}
	return p.command(err)
}

// Play continues a paused track or starts the queue.
func (p player) Play() *dbus.Error {
	p.s.mu.Lock()
	p.s.stopped = false
	p.s.mu.Unlock()
	st, err := p.s.core.PlayerState()
	switch {
	case err != nil:
	case st.Paused:
		err = p.s.core.ResumePlayback()
	case !st.Playing && len(st.Queue) > 0:
		err = p.s.core.JumpTo(max(0, st.Index))
	}
	return p.command(err)
}

// SeekBy is MPRIS's Seek (exported under that name; a Go method called
// Seek would read as io.Seeker's): it moves by offset microseconds.
func (p player) SeekBy(offset int64) *dbus.Error {
	st, err := p.s.core.PlayerState()
	if err != nil {
		return dbusErr(err)
	}
	return p.seekTo(st.Position + time.Duration(offset)*time.Microsecond)
}

// SetPosition moves the track named by track to position microseconds.
func (p player) SetPosition(track dbus.ObjectPath, position int64) *dbus.Error {
	p.s.mu.Lock()
	current := p.s.trackID
	p.s.mu.Unlock()
	if track != trackPath(current) || position < 0 {
		return nil // the specification: ignore a stale track or a bad position
	}
	return p.seekTo(time.Duration(position) * time.Microsecond)
}

func (p player) seekTo(pos time.Duration) *dbus.Error {
	pos = max(0, pos)
	p.s.mu.Lock()
	length := p.s.length
	p.s.mu.Unlock()
	if length > 0 && pos > length {
		return p.Next() // the specification: past the end is the next track
	}
	// Seeked follows from the engine's seeked event, as for any seek.
	return dbusErr(p.s.core.Seek(pos))
}

// OpenUri plays a magnet link or a file:// URI, as a launch with it would.
func (p player) OpenUri(uri string) *dbus.Error {
	lower := strings.ToLower(uri)
	switch {
	case strings.HasPrefix(lower, "magnet:"):
		p.s.win.Open([]string{uri})
	case strings.HasPrefix(lower, "file://"):
		u, err := url.Parse(uri)
		if err != nil || u.Path == "" {
			return dbus.MakeFailedError(fmt.Errorf("OpenUri %q: not a file URI", uri))
		}
		p.s.win.Open([]string{filepath.FromSlash(u.Path)})
	default:
		return dbus.MakeFailedError(fmt.Errorf("OpenUri %q: Swarmtone opens magnet: and file:// URIs", uri))
	}
	p.s.mu.Lock()
	p.s.stopped = false
	p.s.mu.Unlock()
	return nil
}
