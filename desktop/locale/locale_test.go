package locale

import (
	"maps"
	"testing"
)

func TestFix(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want map[string]string
	}{
		{"nothing set", map[string]string{}, map[string]string{"LANG": Fallback}},
		{"LANG=C", map[string]string{"LANG": "C"}, map[string]string{"LANG": Fallback}},
		{"LANG=C.UTF-8", map[string]string{"LANG": "C.UTF-8"}, map[string]string{"LANG": Fallback}},
		{"LANG=C.utf8", map[string]string{"LANG": "C.utf8"}, map[string]string{"LANG": Fallback}},
		{"LANG=POSIX", map[string]string{"LANG": "POSIX"}, map[string]string{"LANG": Fallback}},
		{"a language is kept", map[string]string{"LANG": "de_DE.UTF-8"}, map[string]string{"LANG": "de_DE.UTF-8"}},
		{"LC_ALL=C wins over LANG", map[string]string{"LC_ALL": "C", "LANG": "fr_FR.UTF-8"}, map[string]string{"LC_ALL": Fallback, "LANG": "fr_FR.UTF-8"}},
		{"LC_MESSAGES=C.UTF-8", map[string]string{"LC_MESSAGES": "C.UTF-8"}, map[string]string{"LC_MESSAGES": Fallback}},
		{"LC_ALL with a language", map[string]string{"LC_ALL": "sv_SE.UTF-8", "LANG": "C"}, map[string]string{"LC_ALL": "sv_SE.UTF-8", "LANG": "C"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := maps.Clone(tt.env)
			Fix(func(k string) string { return env[k] }, func(k, v string) error { env[k] = v; return nil })
			if !maps.Equal(env, tt.want) {
				t.Errorf("Fix(%v) = %v, want %v", tt.env, env, tt.want)
			}
		})
	}
}
