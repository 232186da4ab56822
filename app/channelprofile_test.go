package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/swarmtone/swarmtone/channel"
)

// TestEditProfile edits the profile of a channel with no network: a good
// profile publishes a new version (saved, its announce failing for want
// of a DHT) keeping the releases; a bad one is refused with its field
// named, and nothing is saved or published.
func TestEditProfile(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := openCore(t, ctx, nil)
	if _, err := c.EditProfile(ctx, channel.Profile{Name: "Nobody"}); !errors.Is(err, ErrNoChannel) {
		t.Fatalf("EditProfile with no channel = %v, want ErrNoChannel", err)
	}
	if _, err := c.CreateChannel(ctx, "First"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Publish(ctx, "magnet:?xt=urn:btih:"+strings.Repeat("4", 40)+"&dn=Four"); err != nil {
		t.Fatal(err)
	}
	good := channel.Profile{Name: "Second", Bio: "Songs at night.\n\nFrom the hills.",
		Links: []channel.Link{{Title: "Support", URL: "https://example.org/support"}, {URL: "http://example.org/"}}}
	tests := []struct {
		name    string
		p       channel.Profile
		wantErr string // the error's start; "" publishes
	}{
		{"good", good, ""},
		{"empty name", channel.Profile{Name: " ", Bio: "x"}, "name: "},
		{"javascript link", channel.Profile{Name: "Third", Links: []channel.Link{{Title: "Click", URL: "javascript:alert(1)"}}}, "link 1: "},
		{"bio over the cap", channel.Profile{Name: "Third", Bio: strings.Repeat("b", 4001)}, "bio: "},
		{"the same again", good, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, err := c.MyChannel(ctx)
			if err != nil {
				t.Fatal(err)
			}
			pub, err := c.EditProfile(ctx, tt.p)
			after, merr := c.MyChannel(ctx)
			if merr != nil {
				t.Fatal(merr)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
					t.Fatalf("EditProfile = %v, want an error starting %q", err, tt.wantErr)
				}
				if after.Seq != before.Seq || after.Name != before.Name || after.Index.Profile.Bio != before.Index.Profile.Bio {
					t.Fatalf("a refused profile changed the channel: seq %d→%d, name %q→%q", before.Seq, after.Seq, before.Name, after.Name)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if pub.Seq != before.Seq+1 || after.Seq != pub.Seq || pub.Announced != 0 || pub.AnnounceErr == nil {
				t.Fatalf("published %+v after seq %d (MyChannel seq %d); want the next seq, saved and not announced with no DHT", pub, before.Seq, after.Seq)
			}
			p := after.Index.Profile
			if after.Name != tt.p.Name || p.Name != tt.p.Name || p.Bio != tt.p.Bio || !slices.Equal(p.Links, tt.p.Links) {
				t.Fatalf("MyChannel after the edit: name %q, profile %+v; want %+v", after.Name, p, tt.p)
			}
			if !strings.Contains(after.Link, "dn=Second") {
				t.Errorf("link %q does not carry the new name", after.Link)
			}
			if len(after.Index.Releases) != 1 || after.Index.Releases[0].Title != "Four" {
				t.Errorf("releases after a profile edit: %+v, want Four kept", after.Index.Releases)
			}
		})
	}
}

// TestEditProfileSeenByOthers: on a loopback DHT, a profile edit is
// announced and another node looking at the channel sees the new profile.
func TestEditProfileSeenByOthers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	creator, viewer := twoOnLoopDHT(t, ctx)
	link, err := creator.CreateChannel(ctx, "Before")
	if err != nil {
		t.Fatal(err)
	}
	p := channel.Profile{Name: "After", Bio: "New bio", Links: []channel.Link{{Title: "Home", URL: "https://example.org/"}}}
	pub, err := creator.EditProfile(ctx, p)
	if err != nil || pub.Seq != 1 || pub.AnnounceErr != nil || pub.Announced == 0 {
		t.Fatalf("EditProfile on a DHT: %+v, %v; want seq 1 announced", pub, err)
	}
	v, err := viewer.LookAtChannel(ctx, link)
	if err != nil || v.Seq != 1 || v.Name != "After" || v.Index.Profile.Bio != "New bio" || !slices.Equal(v.Index.Profile.Links, p.Links) {
		t.Fatalf("another node sees %+v (profile %+v), %v; want the edited profile", v, v.Index, err)
	}
}

// TestChannelChangesTakeTurns makes several changes to the channel at once,
// as the window can (a profile save while a share is published from its
// dialog and another from Transfers): each one is a version of its own,
// none is lost and no seq is signed twice.
func TestChannelChangesTakeTurns(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := openCore(t, ctx, nil)
	if _, err := c.CreateChannel(ctx, "Busy"); err != nil {
		t.Fatal(err)
	}
	const n = 6
	seqs := make(chan int64, n+1)
	errs := make(chan error, n+1)
	for i := range n {
		go func() {
			pub, err := c.Publish(ctx, fmt.Sprintf("magnet:?xt=urn:btih:%040d&dn=R%d", i+1, i+1))
			seqs <- pub.Seq
			errs <- err
		}()
	}
	go func() {
		pub, err := c.EditProfile(ctx, channel.Profile{Name: "Busy", Bio: "Changed meanwhile"})
		seqs <- pub.Seq
		errs <- err
	}()
	seen := map[int64]bool{}
	for range n + 1 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		s := <-seqs
		if seen[s] {
			t.Fatalf("seq %d published twice", s)
		}
		seen[s] = true
	}
	v, err := c.MyChannel(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v.Seq != n+1 || len(v.Index.Releases) != n || v.Index.Profile.Bio != "Changed meanwhile" {
		t.Fatalf("after %d changes at once: seq %d, %d releases, bio %q; want seq %d, %d releases and the bio", n+1, v.Seq, len(v.Index.Releases), v.Index.Profile.Bio, n+1, n)
	}
}
