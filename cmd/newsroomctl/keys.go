package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/newsroomhq/newsroom/services/platform/auth"
	"github.com/newsroomhq/newsroom/services/platform/command"
)

const keysUsage = `newsroomctl keys new --name NAME --roles ROLE[,ROLE] [--timelines ID,ID|*] [--file FILE]

Makes a new API key and prints it, with its entry for an API keys file (which holds only
the key's SHA-256). With --file, the entry is also added to that file (made if missing);
the services read the file again by themselves. Roles: reader, contributor, editor,
importer, admin. The key is shown only this once.
`

// keys runs "keys new": it needs no newsroom, only the keys file the services read.
func (c *cli) keys(_ context.Context, args []string) error {
	if len(args) == 0 || args[0] != "new" {
		fmt.Fprint(c.stderr, keysUsage)
		return &command.UsageError{Err: errors.New(`"keys" has one command: "keys new"`)}
	}
	var name, roles, timelines, file string
	f := command.NewFlags("newsroomctl keys new", c.stderr, c.getenv).Local()
	f.Synopsis(keysUsage)
	f.String(&name, "name", "", "the key's name, recorded on every revision it makes (required)")
	f.String(&roles, "roles", "", "comma-separated roles (required)")
	f.String(&timelines, "timelines", auth.AllTimelines, `comma-separated timeline ids the roles are granted on, or "*" for every timeline`)
	f.String(&file, "file", "", "add the entry to this API keys file")
	if err := f.ParseFlags(args[1:]); err != nil {
		return err
	}
	var rs []auth.Role
	for r := range strings.SplitSeq(roles, ",") {
		if r = strings.TrimSpace(r); r != "" {
			rs = append(rs, auth.Role(r))
		}
	}
	var ts []string
	for t := range strings.SplitSeq(timelines, ",") {
		if t = strings.TrimSpace(t); t != "" {
			ts = append(ts, t)
		}
	}
	key, entry, err := auth.NewKey(name, rs, ts)
	if err != nil {
		return &command.UsageError{Err: err}
	}
	if file != "" {
		if err := addKey(file, entry); err != nil {
			return err
		}
	}
	line, err := json.Marshal(entry)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "key:   %s\nentry: %s\n", key, line)
	if file != "" {
		fmt.Fprintf(c.stdout, "added to %s\n", file)
	}
	return nil
}

// addKey adds entry to the keys file at path, refusing a name already there.
func addKey(path string, entry auth.KeyEntry) error {
	kf := &auth.KeysFile{}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return err
	default:
		if kf, err = auth.ParseKeysFile(data); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
	}
	if slices.ContainsFunc(kf.Keys, func(e auth.KeyEntry) bool { return e.Name == entry.Name }) {
		return &command.UsageError{Err: fmt.Errorf("%s already has a key named %q: revoke it first (remove its entry)", path, entry.Name)}
	}
	kf.Keys = append(kf.Keys, entry)
	return auth.WriteKeysFile(path, kf)
}
