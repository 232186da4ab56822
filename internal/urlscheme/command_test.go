package urlscheme

import "testing"

func TestCommandQuotes(t *testing.T) {
	for _, tc := range []struct{ exe, want string }{
		{`C:\Program Files\Swarmtone\swarmtone.exe`, `"C:\Program Files\Swarmtone\swarmtone.exe" "%1"`},
		{`D:\apps\swarmtone.exe`, `"D:\apps\swarmtone.exe" "%1"`},
	} {
		if got := Command(tc.exe); got != tc.want {
			t.Errorf("Command(%q) = %q, want %q", tc.exe, got, tc.want)
		}
	}
}
