//go:build !linux

package player

import (
	"errors"
	"os"
)

func openSink(string) (r, hold *os.File, err error) {
	return nil, nil, errors.New("the capture rig needs Linux FIFOs")
}
