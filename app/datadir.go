package app

import "runtime"

// dataFolder is the folder DefaultDataDir makes in the user's config folder.
var dataFolder = dataFolderName(runtime.GOOS)

// dataFolderName: apps on Windows (%AppData%\Swarmtone) and macOS
// (~/Library/Application Support/Swarmtone) name their folder as the app is
// named; XDG systems use the lower-case program name (~/.config/swarmtone).
func dataFolderName(goos string) string {
	switch goos {
	case "windows", "darwin":
		return "Swarmtone"
	}
	return "swarmtone"
}
