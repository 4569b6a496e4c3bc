package auth

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/newsroomhq/newsroom/services/platform/resourceid"
)

// KeyPrefix starts every API key, so that keys are told from tokens at a glance (and by
// secret scanners).
const KeyPrefix = "nrk_"

// KeysFile is the JSON of an API keys file. Keys are stored only as the SHA-256 of the
// whole key, in hex.
type KeysFile struct {
	Keys []KeyEntry `json:"keys"`
}

// KeyEntry is one API key of a keys file.
type KeyEntry struct {
	Name      string   `json:"name"`
	SHA256    string   `json:"sha256"`
	Roles     []Role   `json:"roles"`
	Timelines []string `json:"timelines"`
}

// NewKey returns a new random API key and its entry for a keys file.
func NewKey(name string, roles []Role, timelines []string) (key string, entry KeyEntry, err error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", KeyEntry{}, err
	}
	key = KeyPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	entry = KeyEntry{Name: name, SHA256: HashKey(key), Roles: roles, Timelines: timelines}
	return key, entry, entry.check()
}

// HashKey is the SHA-256 of a key in hex, as a keys file holds it.
func HashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

func (e KeyEntry) check() error {
	switch {
	case strings.TrimSpace(e.Name) == "":
		return errors.New("a key has no name")
	case len(e.SHA256) != 64 || strings.ToLower(e.SHA256) != e.SHA256:
		return fmt.Errorf("key %q: sha256 must be 64 lower-case hex digits", e.Name)
	case len(e.Roles) == 0:
		return fmt.Errorf("key %q: no roles", e.Name)
	case len(e.Timelines) == 0:
		return fmt.Errorf(`key %q: no timelines (list timeline ids, or "*" for every timeline)`, e.Name)
	}
	if _, err := hex.DecodeString(e.SHA256); err != nil {
		return fmt.Errorf("key %q: sha256 must be 64 lower-case hex digits", e.Name)
	}
	for _, r := range e.Roles {
		if _, ok := Roles[r]; !ok {
			return fmt.Errorf("key %q: unknown role %q (want reader, contributor, editor, importer or admin)", e.Name, r)
		}
	}
	for _, t := range e.Timelines {
		if t != AllTimelines && !resourceid.Valid(t) {
			return fmt.Errorf(`key %q: timeline %q is not a timeline id or "*"`, e.Name, t)
		}
	}
	return nil
}

// ParseKeysFile reads and checks the JSON of a keys file: every key named once, with
// known roles and at least one timeline.
func ParseKeysFile(data []byte) (*KeysFile, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f KeysFile
	if err := dec.Decode(&f); err != nil {
		return nil, err
	}
	names := map[string]bool{}
	hashes := map[string]bool{}
	for _, e := range f.Keys {
		if err := e.check(); err != nil {
			return nil, err
		}
		if names[e.Name] {
			return nil, fmt.Errorf("key %q is in the file twice", e.Name)
		}
		if hashes[e.SHA256] {
			return nil, fmt.Errorf("key %q has the sha256 of another key", e.Name)
		}
		names[e.Name], hashes[e.SHA256] = true, true
	}
	return &f, nil
}

// WriteKeysFile writes f to path, readable by its owner only, replacing the file at once
// (a reader never sees half a file).
func WriteKeysFile(path string, f *KeysFile) error {
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".api-keys-*.json")
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o600); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// keyring holds the API keys: those of a keys file, read again when it changes, and
// those given in code (a service's own credential in the all-in-one process).
type keyring struct {
	path   string
	every  time.Duration
	logger *slog.Logger

	mu      sync.Mutex
	checked time.Time             // when the file was last looked at
	stamp   fileStamp             // what it looked like then
	file    map[string]*Principal // by sha256
	static  map[string]*Principal
}

type fileStamp struct {
	mod  time.Time
	size int64
	ok   bool
}

func newKeyring(path string, every time.Duration, logger *slog.Logger) (*keyring, error) {
	k := &keyring{path: path, every: every, logger: logger, static: map[string]*Principal{}}
	if path == "" {
		return k, nil
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("--api-keys-file: %w", err)
	}
	if err := k.load(stampOf(st)); err != nil {
		return nil, fmt.Errorf("--api-keys-file %s: %w", path, err)
	}
	k.checked = time.Now()
	return k, nil
}

func stampOf(st fs.FileInfo) fileStamp {
	return fileStamp{mod: st.ModTime(), size: st.Size(), ok: true}
}

// add makes key valid as the principal p, whatever the file says.
func (k *keyring) add(key string, p *Principal) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.static[HashKey(key)] = p
}

// lookup returns the principal of key, or nil when it is not (or no longer) valid.
func (k *keyring) lookup(key string) *Principal {
	hash := HashKey(key)
	k.mu.Lock()
	defer k.mu.Unlock()
	if p, ok := k.static[hash]; ok {
		return p
	}
	k.refreshLocked()
	return k.file[hash]
}

// refreshLocked reads the file again when it changed, looking at most once per k.every:
// a key added or revoked takes effect within that. A file that cannot be read or checked
// leaves the keys as they were (and is logged); a file that is gone revokes every key.
func (k *keyring) refreshLocked() {
	if k.path == "" || time.Since(k.checked) < k.every {
		return
	}
	k.checked = time.Now()
	st, err := os.Stat(k.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if k.stamp.ok {
			k.logger.Warn("API keys file is gone: every key in it is revoked", "path", k.path)
		}
		k.file, k.stamp = nil, fileStamp{}
		return
	case err != nil:
		k.logger.Error("API keys file: keeping the keys read before", "path", k.path, "err", err)
		return
	}
	if s := stampOf(st); s != k.stamp {
		if err := k.load(s); err != nil {
			k.logger.Error("API keys file: keeping the keys read before", "path", k.path, "err", err)
			return
		}
		k.logger.Info("API keys file read", "path", k.path, "keys", len(k.file))
	}
}

func (k *keyring) load(s fileStamp) error {
	data, err := os.ReadFile(k.path)
	if err != nil {
		return err
	}
	f, err := ParseKeysFile(data)
	if err != nil {
		return err
	}
	keys := make(map[string]*Principal, len(f.Keys))
	for _, e := range f.Keys {
		keys[e.SHA256] = NewPrincipal(e.Name, APIKey, e.Roles, e.Timelines)
	}
	k.file, k.stamp = keys, s
	return nil
}

// EnsureKeysFile creates a keys file at path holding one admin key named name, unless a
// file is there already. It returns the new key, or "" when the file existed.
func EnsureKeysFile(path, name string) (string, error) {
	if _, err := os.Stat(path); err == nil {
		return "", nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	key, entry, err := NewKey(name, []Role{Admin}, []string{AllTimelines})
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	if err := WriteKeysFile(path, &KeysFile{Keys: []KeyEntry{entry}}); err != nil {
		return "", err
	}
	return key, nil
}
