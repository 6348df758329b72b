package media

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Local keeps objects as files under a directory ($WEMART_DATA_DIR/media),
// in subdirectories named by the key's first two hex digits. Writes are
// atomic: a temporary file in the same directory, synced, then renamed over
// the name, so a reader (or a crash) never sees half a picture.
type Local struct {
	dir string
}

// NewLocal returns the store under dir (created as needed).
func NewLocal(dir string) *Local { return &Local{dir: dir} }

// Describe says where the files are.
func (l *Local) Describe() string { return "local " + l.dir }

// path is the file of a valid key.
func (l *Local) path(key string) string { return filepath.Join(l.dir, key[:2], key) }

// Put writes data under key unless the file is there already (the key
// names the content: the same bytes).
func (l *Local) Put(_ context.Context, key string, data []byte, _ string) (err error) {
	if !ValidKey(key) {
		return &KeyError{Key: key}
	}
	dst := l.path(key)
	if st, err := os.Stat(dst); err == nil && st.Size() == int64(len(data)) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("media: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".put-*")
	if err != nil {
		return fmt.Errorf("media: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("media: write %s: %w", key, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("media: sync %s: %w", key, err)
	}
	if err = tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("media: %w", err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("media: %w", err)
	}
	if err = os.Rename(tmp.Name(), dst); err != nil {
		return fmt.Errorf("media: %w", err)
	}
	// The rename is durable once the directory is synced.
	if d, err := os.Open(filepath.Dir(dst)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// Get opens the file of key.
func (l *Local) Get(_ context.Context, key string) (Object, error) {
	if !ValidKey(key) {
		return Object{}, ErrNotFound
	}
	f, err := os.Open(l.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return Object{}, ErrNotFound
	}
	if err != nil {
		return Object{}, fmt.Errorf("media: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return Object{}, fmt.Errorf("media: %w", err)
	}
	return Object{Body: f, Size: st.Size(), ContentType: ContentTypeOf(key)}, nil
}

// Delete removes the file of key.
func (l *Local) Delete(_ context.Context, key string) error {
	if !ValidKey(key) {
		return &KeyError{Key: key}
	}
	if err := os.Remove(l.path(key)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("media: %w", err)
	}
	return nil
}
