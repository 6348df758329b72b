package pictures_test

import (
	"bytes"
	"image/jpeg"
	"io/fs"
	"testing"

	"wemart/server/seed"
	"wemart/server/seed/pictures"
)

// TestEveryDemoProductHasAPicture: each demo product's picture file is
// there, a 480×480 JPEG; no file is unused; the set stays small.
func TestEveryDemoProductHasAPicture(t *testing.T) {
	used := map[string]bool{}
	for _, p := range seed.DemoProducts() {
		f := pictures.For(p.Category, p.Title)
		if f == "" {
			t.Fatalf("%s (%s): no picture", p.Title, p.Category)
		}
		used[f] = true
	}
	total := 0
	err := fs.WalkDir(pictures.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := pictures.FS.ReadFile(path)
		if err != nil {
			return err
		}
		total += len(data)
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
		if err != nil || cfg.Width != pictures.Size || cfg.Height != pictures.Size {
			t.Errorf("%s: %v %dx%d", path, err, cfg.Width, cfg.Height)
		}
		if !used[path] {
			t.Errorf("%s is used by no demo product (run the generator again)", path)
		}
		delete(used, path)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for f := range used {
		t.Errorf("%s is missing (run the generator: go doc ./server/seed/pictures/gen)", f)
	}
	if total > 2<<20 {
		t.Fatalf("the pictures take %d bytes; keep them under 2 MiB", total)
	}
}
