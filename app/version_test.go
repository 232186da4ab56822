package app

import "testing"

func TestParseMetadata(t *testing.T) {
	tests := []struct {
		name    string
		toml    string
		want    Metadata
		wantErr bool
	}{
		{
			name: "fyne package layout",
			toml: "Website = \"x\"\n\n[Details]\n  Icon = \"assets/icon.png\"\n  Name = \"Swarmtone\"\n  ID = \"org.example.app\"\n  Version = \"1.2.3\"\n  Build = 7\n\n[LinuxAndBSD]\n  Version = \"9\"\n",
			want: Metadata{ID: "org.example.app", Name: "Swarmtone", Version: "1.2.3", Build: "7"},
		},
		{name: "no details", toml: "Website = \"x\"\n", wantErr: true},
		{name: "garbage line", toml: "[Details]\nnonsense\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseMetadata([]byte(tt.toml))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if !tt.wantErr && got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}
