package main

import (
	"fmt"
	"os"
	"testing"
)

// TestMain points the user cache directory (the layer cache and the
// default database) at a temporary directory, so tests never read or
// write the real one.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "bulwark-cmd-test-cache-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	os.Setenv("XDG_CACHE_HOME", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
