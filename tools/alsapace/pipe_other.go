//go:build !linux

package main

import "os"

func shrinkPipe(*os.File) ([]byte, error) { return nil, nil }
