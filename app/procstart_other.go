//go:build !windows && (!cgo || !unix)

package app

import "time"

var initialised = time.Now()

func processStart() time.Time { return initialised }
