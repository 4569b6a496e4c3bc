package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"

	"github.com/newsroomhq/newsroom/services/platform/auth"
	"github.com/newsroomhq/newsroom/services/platform/command"
)

// keysFileName is the keys file the all-in-one makes in --data-dir when it is given no
// other way to authenticate anyone.
const keysFileName = "api-keys.json"

// keysNote is what the start banner says of the API keys: the admin key made on this
// start, printed once, or where the keys are.
type keysNote struct {
	adminKey string
	file     string
}

func (k keysNote) announce(w io.Writer) {
	switch {
	case k.adminKey != "":
		// Two spaces, as the other lines: the key is easy to select.
		fmt.Fprintf(w, "Admin key:  %s\n", k.adminKey)
		command.Announce(w, "API keys", k.file+" (the admin key is printed only this once)")
	case k.file != "":
		command.Announce(w, "API keys", k.file)
	}
}

// openAccess returns the guard of the all-in-one. Without --api-keys-file and without
// OIDC it keeps its keys in --data-dir, and on the first start makes that file with one
// admin key: the product starts with one command, yet is never open to writes.
func openAccess(ctx context.Context, cfg config, logger *slog.Logger) (*auth.Guard, keysNote, error) {
	access := cfg.Access
	var note keysNote
	if access.APIKeysFile == "" && !access.OIDC.Enabled() {
		access.APIKeysFile = filepath.Join(cfg.DataDir, keysFileName)
		key, err := auth.EnsureKeysFile(access.APIKeysFile, "admin")
		if err != nil {
			return nil, note, fmt.Errorf("--data-dir %s: API keys: %w", cfg.DataDir, err)
		}
		note.adminKey = key
	}
	note.file = access.APIKeysFile
	guard, err := access.Guard(ctx, logger)
	return guard, note, err
}
