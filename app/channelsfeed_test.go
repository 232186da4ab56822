package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/swarmtone/swarmtone/channel"
	"github.com/swarmtone/swarmtone/magnet"
	"github.com/swarmtone/swarmtone/network"
)

func TestChannelLinkHelpers(t *testing.T) {
	key := strings.Repeat("ab", 32)
	ih := strings.Repeat("c", 40)
	tests := []struct {
		s       string
		channel bool
	}{
		{"magnet:?xs=urn:btpk:" + key + "&dn=A", true},
		{"  magnet:?xs=urn%3Abtpk%3A" + key + "\n", true},
		{"magnet:?xs=urn:btpk:1234", true}, // malformed, but never a torrent
		{"magnet:?xt=urn:btih:" + ih + "&dn=btpk", false},
		{"magnet:?xt=urn:btih:" + ih + "&xs=https://example.org/x.torrent", false},
		{"urn:btpk:" + key, false},
	}
	for _, tt := range tests {
		if got := IsChannelLink(tt.s); got != tt.channel {
			t.Errorf("IsChannelLink(%q) = %v, want %v", tt.s, got, tt.channel)
		}
	}
	if !SameChannel("magnet:?xs=urn:btpk:"+key+"&dn=A", "magnet:?xs=urn:btpk:"+strings.ToUpper(key)+"&dn=B") {
		t.Error("one key under two names is not the same channel")
	}
	if SameChannel("magnet:?xs=urn:btpk:"+key, "magnet:?xs=urn:btpk:"+key+"&s=01") {
		t.Error("two salts are the same channel")
	}
	if _, err := ChannelLinkName("magnet:?xs=urn:btpk:1234"); err == nil || ChannelProblem(err) != "This is not a valid channel link. Check that it was copied whole." {
		t.Errorf("a short key: %v, said %q", err, ChannelProblem(err))
	}

	m := ReleaseMagnet(channel.Release{InfoHash: ih, Title: "A & B", WebSeeds: []string{"https://example.org/a?b=c"}})
	l, err := magnet.Parse(m)
	if err != nil || fmt.Sprintf("%x", l.InfoHash) != ih || l.Name != "A & B" {
		t.Fatalf("ReleaseMagnet = %s, parsed %+v, %v", m, l, err)
	}
}

func TestChannelProblem(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{fmt.Errorf("looking up: %w", network.ErrItemNotFound), "Nobody on the network"},
		{fmt.Errorf("looking up: %w", context.DeadlineExceeded), "did not answer in time"},
		{fmt.Errorf("x: %w", network.ErrNoDHT), "DHT, which is off"},
		{fmt.Errorf("version 3: %w", channel.ErrInvalid), "catalogue is damaged"},
		{errors.New("disk on fire"), "Could not open the channel: disk on fire"},
	}
	for _, tt := range tests {
		if got := ChannelProblem(tt.err); !strings.Contains(got, tt.want) {
			t.Errorf("ChannelProblem(%v) = %q, want it to say %q", tt.err, got, tt.want)
		}
	}
}
