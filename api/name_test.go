package api

import "testing"

func TestValidName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		want bool
	}{
		{"orders-2024_v1.final", true},
		{"Ünïcode", true},
		{"", false},
		{"has space", false},
		{"tab\there", false},
		{"no:colon", false},
		{"no/slash", false},
		{"brace{", false},
		{"question?", false},
		{"dollar$", false},
		{"control\x01", false},
		{"c1\u0085", false},
		{"nbsp\u00a0", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := validName(tt.name); got != tt.want {
				t.Fatalf("validName(%q) = %v, want %v", tt.name, got, tt.want)
			}
		})
	}
}

func TestValidAliasName(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]bool{"prod": true, "v1.2-beta_x": true, "123": false, "": false, "a b": false, "a:b": false} {
		if got := validAliasName(name); got != want {
			t.Errorf("validAliasName(%q) = %v, want %v", name, got, want)
		}
	}
}
