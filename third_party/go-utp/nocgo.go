//go:build !cgo

package utp

// Default is the implementation NewSocket uses: none without cgo.
const Default = Implementation("none (built without cgo)")

// NewSocket always fails without cgo.
func NewSocket(network, addr string, opts ...Option) (Socket, error) {
	return nil, ErrUnavailable
}
