package channel

import (
	"fmt"
	"net/url"
	"strings"
)

// linkSchemes are the only schemes a creator's link may have: web pages
// (Liberapay, Ko-fi, Patreon, a shop, a home page) and the two payment
// URIs a wallet on the user's computer handles itself (BIP 21 bitcoin:,
// BOLT 11/LNURL lightning:). The app only hands the link to the desktop's
// opener: it holds no token, no wallet and makes no payment. A scheme is
// added here only if opening it can do nothing but show a page or a
// payment the user confirms; never javascript:, data:, file:, vbscript:
// or an app's own scheme.
var linkSchemes = []string{"https", "http", "bitcoin", "lightning"}

// notInURI are the printable ASCII characters RFC 3986 never allows
// unescaped (a quote would also change a Windows command line).
const notInURI = "\"<>\\^`{|}"

// CheckLink says why raw is not a link Swarmtone shows as clickable or
// opens, or nil: one of linkSchemes (in any case), the printable ASCII an
// address may hold, without spaces (what is opened is exactly what is
// shown: an address with a control or bidirectional character, or a
// Unicode look-alike, is refused, not cleaned), at most maxURLBytes; a web page with a host and no user
// name (https://paypal.com@evil.example shows one site and opens
// another); a payment URI with an address made of letters, digits and
// @._- only. Every place that shows or opens a creator's link checks it
// with this function.
func CheckLink(raw string) error {
	switch {
	case raw == "":
		return fmt.Errorf("the address is empty")
	case len(raw) > maxURLBytes:
		return fmt.Errorf("the address is %d bytes long (limit %d)", len(raw), maxURLBytes)
	case strings.ContainsFunc(raw, func(r rune) bool { return r <= ' ' || r >= 0x7f || strings.ContainsRune(notInURI, r) }):
		return fmt.Errorf("%q has spaces, control or non-ASCII characters, or characters an address must escape", Text(raw, 80))
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%q is not an address: %v", Text(raw, 80), err)
	}
	switch u.Scheme { // url.Parse lower-cases the scheme
	case "http", "https":
		if u.Host == "" || u.Opaque != "" {
			return fmt.Errorf("%q has no host", Text(raw, 80))
		}
		if u.User != nil {
			return fmt.Errorf("%q has a user name before its host", Text(raw, 80))
		}
		return nil
	case "bitcoin", "lightning":
		addr, _, _ := strings.Cut(u.Opaque, "?")
		if addr == "" || strings.ContainsFunc(addr, func(r rune) bool {
			return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("@._-", r))
		}) {
			return fmt.Errorf("%q has no valid %s address", Text(raw, 80), u.Scheme)
		}
		return nil
	}
	return fmt.Errorf("%q is not a web page or a payment link (Swarmtone opens only %s links)", Text(raw, 80), strings.Join(linkSchemes, ", "))
}

// SafeLink reports whether CheckLink accepts raw.
func SafeLink(raw string) bool { return CheckLink(raw) == nil }

// SafeLinks are the links of ls that CheckLink accepts, in order.
func SafeLinks(ls []Link) []Link {
	var out []Link
	for _, l := range ls {
		if SafeLink(l.URL) {
			out = append(out, l)
		}
	}
	return out
}
