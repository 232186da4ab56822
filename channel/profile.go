package channel

import (
	"fmt"
	"strings"
)

// CheckProfile checks a profile the user typed (their own channel), before
// it is published: Validate checks what a peer sent and sanitising then
// cuts what is too long, but the user is told instead. The name is needed;
// the name, bio and link titles fit their caps, and CheckLink accepts every
// link (Decode would drop the others). Errors name the field.
func CheckProfile(p Profile) error {
	name := strings.TrimSpace(p.Name)
	switch {
	case name == "":
		return fmt.Errorf("name: give the channel a name")
	case len(name) > maxNameBytes:
		return fmt.Errorf("name: %d bytes long (limit %d)", len(name), maxNameBytes)
	case len(strings.TrimSpace(p.Bio)) > maxBioBytes:
		return fmt.Errorf("bio: %d bytes long (limit %d)", len(strings.TrimSpace(p.Bio)), maxBioBytes)
	case len(p.Links) > MaxLinks:
		return fmt.Errorf("links: %d of them (limit %d)", len(p.Links), MaxLinks)
	}
	for i, l := range p.Links {
		if len(l.Title) > maxTitleBytes {
			return fmt.Errorf("link %d: its title is %d bytes long (limit %d)", i+1, len(l.Title), maxTitleBytes)
		}
		if err := CheckLink(l.URL); err != nil {
			return fmt.Errorf("link %d: %w", i+1, err)
		}
	}
	return nil
}
