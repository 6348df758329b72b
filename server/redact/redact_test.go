package redact

import (
	"strings"
	"testing"
)

func TestURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://u:hunter2@h/db?sslmode=disable", "postgres://u:xxxxx@h/db?sslmode=disable"},
		{"postgres://u@h/db?password=hunter2&sslmode=disable", "postgres://u@h/db?password=xxxxx&sslmode=disable"},
		{"https://search.example.com/?apiKey=hunter2", "https://search.example.com/?apiKey=xxxxx"},
		{"postgres://u@h/db?ssl_password=hunter2", "postgres://u@h/db?ssl_password=xxxxx"},
		{"http://h:7700", "http://h:7700"},
		{"::not a url", "(unparseable URL)"},
	}
	for _, tt := range tests {
		got := URL(tt.in)
		if got != tt.want || strings.Contains(got, "hunter2") {
			t.Errorf("URL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
