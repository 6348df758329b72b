package media_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"wemart/server/media"
	"wemart/server/media/mediatest"
)

// TestStores runs the same table on both stores: local files, and minio-go
// against a real S3-compatible server (gofakes3) over HTTP with
// signature v4.
func TestStores(t *testing.T) {
	t.Parallel()
	stores := map[string]func(t *testing.T) media.Store{
		"local": func(t *testing.T) media.Store { return media.NewLocal(filepath.Join(t.TempDir(), "media")) },
		"s3": func(t *testing.T) media.Store {
			srv := mediatest.NewS3(t)
			s, err := media.NewS3(srv.Config)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				if u := srv.Unsigned(); len(u) > 0 {
					t.Errorf("requests without a signature v4: %v", u)
				}
			})
			return s
		},
	}
	ctx := context.Background()
	data := mediatest.JPEG(8, 8)
	key := media.Key(data, "jpg")
	other := media.Key([]byte("other"), "png")
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := open(t)
			steps := []struct {
				name string
				run  func(t *testing.T)
			}{
				{"missing key", func(t *testing.T) {
					if _, err := s.Get(ctx, key); !errors.Is(err, media.ErrNotFound) {
						t.Fatalf("Get of a missing key: %v, want ErrNotFound", err)
					}
				}},
				{"put and get", func(t *testing.T) {
					if err := s.Put(ctx, key, data, "image/jpeg"); err != nil {
						t.Fatal(err)
					}
					obj, err := s.Get(ctx, key)
					if err != nil {
						t.Fatal(err)
					}
					defer obj.Body.Close()
					got, _ := io.ReadAll(obj.Body)
					if !bytes.Equal(got, data) || obj.Size != int64(len(data)) || obj.ContentType != "image/jpeg" {
						t.Fatalf("got %d bytes (size %d, %q), want %d image/jpeg", len(got), obj.Size, obj.ContentType, len(data))
					}
				}},
				{"put again", func(t *testing.T) {
					if err := s.Put(ctx, key, data, "image/jpeg"); err != nil {
						t.Fatalf("a second put of the same key: %v", err)
					}
				}},
				{"other key still missing", func(t *testing.T) {
					if _, err := s.Get(ctx, other); !errors.Is(err, media.ErrNotFound) {
						t.Fatalf("Get of another key: %v", err)
					}
				}},
				{"invalid keys", func(t *testing.T) {
					for _, bad := range []string{"", "../" + key, strings.ToUpper(key), key + "/x", "x.jpg", strings.TrimSuffix(key, ".jpg") + ".gif"} {
						if err := s.Put(ctx, bad, data, "image/jpeg"); err == nil {
							t.Errorf("Put(%q) accepted", bad)
						}
						if _, err := s.Get(ctx, bad); !errors.Is(err, media.ErrNotFound) {
							t.Errorf("Get(%q): %v, want ErrNotFound", bad, err)
						}
					}
				}},
				{"delete", func(t *testing.T) {
					if err := s.Delete(ctx, key); err != nil {
						t.Fatal(err)
					}
					if _, err := s.Get(ctx, key); !errors.Is(err, media.ErrNotFound) {
						t.Fatalf("Get after Delete: %v", err)
					}
					if err := s.Delete(ctx, key); err != nil {
						t.Fatalf("deleting a missing key: %v", err)
					}
				}},
			}
			for _, st := range steps {
				t.Run(st.name, st.run)
			}
		})
	}
}

// TestLocalWritesAtomically: files land under the key's two-digit
// directory, and no temporary file is left behind.
func TestLocalWritesAtomically(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "media")
	s := media.NewLocal(dir)
	data := mediatest.PNG(4, 4, false)
	key := media.Key(data, "png")
	if err := s.Put(context.Background(), key, data, "image/png"); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Join(dir, key[:2]))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != key {
		t.Fatalf("files %v, want only %s", entries, key)
	}
}

// TestS3Check: the start-up check passes on the bucket and names a missing
// one or an endpoint that does not answer.
func TestS3Check(t *testing.T) {
	t.Parallel()
	srv := mediatest.NewS3(t)
	ctx := context.Background()
	good, err := media.NewS3(srv.Config)
	if err != nil {
		t.Fatal(err)
	}
	if err := good.Check(ctx); err != nil {
		t.Fatalf("Check of the bucket: %v", err)
	}
	missing := srv.Config
	missing.Bucket = "no-such-bucket"
	s, err := media.NewS3(missing)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Check(ctx); err == nil || !strings.Contains(err.Error(), "no-such-bucket") {
		t.Fatalf("Check of a missing bucket: %v", err)
	}
	down := srv.Config
	down.Endpoint = "http://127.0.0.1:1"
	if s, err = media.NewS3(down); err != nil {
		t.Fatal(err)
	}
	if err := s.Check(ctx); err == nil {
		t.Fatal("Check of an endpoint that does not answer passed")
	}
}
