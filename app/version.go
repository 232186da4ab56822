package app

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
)

// Metadata is what FyneApp.toml says about the app.
type Metadata struct {
	ID      string
	Name    string
	Version string
	Build   string
}

// ParseMetadata reads the [Details] table of a FyneApp.toml. It understands
// the subset of TOML that file uses (tables and key = value lines), which is
// all `fyne package` writes.
func ParseMetadata(fyneAppTOML []byte) (Metadata, error) {
	var m Metadata
	table := ""
	sc := bufio.NewScanner(bytes.NewReader(fyneAppTOML))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "[") {
			table = strings.Trim(line, "[] ")
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			return m, fmt.Errorf("FyneApp.toml line %d: %q is not key = value", n, line)
		}
		if table != "Details" {
			continue
		}
		value = strings.Trim(strings.TrimSpace(value), `"`)
		switch strings.TrimSpace(key) {
		case "ID":
			m.ID = value
		case "Name":
			m.Name = value
		case "Version":
			m.Version = value
		case "Build":
			m.Build = value
		}
	}
	if err := sc.Err(); err != nil {
		return m, fmt.Errorf("reading FyneApp.toml: %w", err)
	}
	if m.Version == "" || m.ID == "" {
		return m, fmt.Errorf("FyneApp.toml: [Details] lacks ID or Version")
	}
	return m, nil
}
