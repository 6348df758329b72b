package media_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"wemart/server/errs"
	"wemart/server/media"
	"wemart/server/media/mediatest"
)

func TestPrepareAccepts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name     string
		data     []byte
		lim      media.Limits
		wantType string
		wantW    int
		wantH    int
	}{
		{"jpeg", mediatest.JPEG(64, 48), media.ProductPicture, "image/jpeg", 64, 48},
		{"opaque png becomes jpeg", mediatest.PNG(30, 20, false), media.ProductPicture, "image/jpeg", 30, 20},
		{"png with transparency stays png", mediatest.PNG(30, 20, true), media.ProductPicture, "image/png", 30, 20},
		{"lossy webp", mediatest.WebPOpaque, media.ProductPicture, "image/jpeg", 40, 30},
		{"webp with transparency", mediatest.WebPAlpha, media.ProductPicture, "image/png", 40, 30},
		{"scaled to fit, long side", mediatest.JPEG(2000, 1000), media.ProductPicture, "image/jpeg", 1600, 800},
		{"scaled to fit, tall", mediatest.PNG(300, 1200, false), media.Avatar, "image/jpeg", 128, 512},
		{"a thin strip keeps a pixel", mediatest.PNG(4000, 1, false), media.Avatar, "image/jpeg", 512, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := media.Prepare(ctx, tt.data, tt.lim)
			if err != nil {
				t.Fatal(err)
			}
			if p.ContentType != tt.wantType || p.Width != tt.wantW || p.Height != tt.wantH {
				t.Fatalf("got %s %d×%d, want %s %d×%d", p.ContentType, p.Width, p.Height, tt.wantType, tt.wantW, tt.wantH)
			}
			// What is stored is what it says it is.
			decode, ext := jpeg.DecodeConfig, ".jpg"
			if tt.wantType == "image/png" {
				decode, ext = png.DecodeConfig, ".png"
			}
			cfg, err := decode(bytes.NewReader(p.Data))
			if err != nil || cfg.Width != p.Width || cfg.Height != p.Height {
				t.Fatalf("stored bytes: %v %+v", err, cfg)
			}
			if p.Key != media.Key(p.Data, ext[1:]) || !media.ValidKey(p.Key) || !strings.HasSuffix(p.Key, ext) {
				t.Fatalf("key %q is not the content address of the bytes", p.Key)
			}
			// The same upload makes the same bytes: keys are stable.
			again, err := media.Prepare(ctx, tt.data, tt.lim)
			if err != nil || again.Key != p.Key {
				t.Fatalf("a second Prepare gave key %q (%v), want %q", again.Key, err, p.Key)
			}
		})
	}
}

func TestPrepareRefuses(t *testing.T) {
	t.Parallel()
	jpg := mediatest.JPEG(64, 48)
	tests := []struct {
		name, data, want string
	}{
		{"gif", string(mediatest.GIF(8, 8)), "JPEG, PNG or WebP"},
		{"html", "<!doctype html><html><body>hi</body></html>", "JPEG, PNG or WebP"},
		{"text", "just some text", "JPEG, PNG or WebP"},
		{"empty", "", "JPEG, PNG or WebP"},
		{"truncated jpeg", string(jpg[:len(jpg)/2]), "corrupt or cut short"},
		{"jpeg header only", string(jpg[:20]), "corrupt or cut short"},
		{"png declaring 100000×100000", string(mediatest.PNGHeader(100000, 100000)), "100000×100000"},
		{"png declaring 9000×10", string(mediatest.PNGHeader(9000, 10)), "at most 8192 on a side"},
		{"png declaring 7000×7000 (49 megapixels)", string(mediatest.PNGHeader(7000, 7000)), "40 megapixels"},
		{"png within limits but cut short", string(mediatest.PNGHeader(100, 100)), "corrupt or cut short"},
		{"webp cut short", string(mediatest.WebPOpaque[:60]), "corrupt or cut short"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := media.Prepare(context.Background(), []byte(tt.data), media.ProductPicture)
			var e *errs.Error
			if !errors.As(err, &e) || e.Code != errs.Invalid || e.Field != "file" || !strings.Contains(e.Message, tt.want) {
				t.Fatalf("Prepare: %v, want invalid_argument on file mentioning %q", err, tt.want)
			}
		})
	}
}

// TestPrepareDropsEXIF: a phone photo's EXIF (GPS position included) is
// not in what is stored, and its orientation is applied to the pixels.
func TestPrepareDropsEXIF(t *testing.T) {
	t.Parallel()
	for o, want := range map[int]image.Point{1: {60, 40}, 3: {60, 40}, 6: {40, 60}, 8: {40, 60}} {
		src := mediatest.JPEGWithEXIF(60, 40, o)
		if !bytes.Contains(src, []byte(mediatest.GPSMarker)) || !bytes.Contains(src, []byte("Exif\x00\x00")) {
			t.Fatal("the fixture lacks its EXIF")
		}
		p, err := media.Prepare(context.Background(), src, media.ProductPicture)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(p.Data, []byte("Exif")) || bytes.Contains(p.Data, []byte(mediatest.GPSMarker)) || hasSegment(p.Data, 0xe1) {
			t.Fatalf("orientation %d: EXIF survived re-encoding", o)
		}
		if p.Width != want.X || p.Height != want.Y {
			t.Fatalf("orientation %d: %d×%d, want %d×%d", o, p.Width, p.Height, want.X, want.Y)
		}
		// The picture is upright: the gradient's dark corner (the
		// original's top left) is where the orientation puts it.
		m, err := jpeg.Decode(bytes.NewReader(p.Data))
		if err != nil {
			t.Fatal(err)
		}
		corner := map[int]image.Point{1: {0, 0}, 3: {59, 39}, 6: {39, 0}, 8: {0, 59}}[o]
		r, g, _, _ := m.At(corner.X, corner.Y).RGBA()
		if r > 0x2000 || g > 0x2000 {
			t.Fatalf("orientation %d: pixel at %v is %x,%x, want the dark corner", o, corner, r, g)
		}
	}
}

// hasSegment reports whether the JPEG has a marker segment before its scan.
func hasSegment(data []byte, marker byte) bool {
	for i := 2; i+4 <= len(data) && data[i] == 0xff; {
		m := data[i+1]
		if m == 0xda {
			return false
		}
		if m == marker {
			return true
		}
		i += 2 + int(data[i+2])<<8 + int(data[i+3])
	}
	return false
}

func TestFormatSniffsBytes(t *testing.T) {
	t.Parallel()
	for want, data := range map[string][]byte{
		"jpeg": mediatest.JPEG(2, 2), "png": mediatest.PNG(2, 2, false), "webp": mediatest.WebPOpaque,
		"": mediatest.GIF(2, 2),
	} {
		if got := media.Format(data); got != want {
			t.Errorf("Format = %q, want %q", got, want)
		}
	}
}

func TestURLs(t *testing.T) {
	t.Parallel()
	key := strings.Repeat("ab", 32) + ".jpg"
	for _, tt := range []struct {
		base, ref, want string
	}{
		{"", "", ""},
		{"", key, "/media/" + key},
		{"https://img.example.com/m/", key, "https://img.example.com/m/" + key},
		{"https://img.example.com", "https://elsewhere.example.com/a.jpg", "https://elsewhere.example.com/a.jpg"},
	} {
		if got := (media.URLs{Base: tt.base}).Of(tt.ref); got != tt.want {
			t.Errorf("URLs{%q}.Of(%q) = %q, want %q", tt.base, tt.ref, got, tt.want)
		}
	}
	if media.ProductRef("", nil) != "" || media.ProductRef(key, []string{"https://x/y.jpg"}) != key ||
		media.ProductRef("", []string{"https://x/y.jpg"}) != "https://x/y.jpg" {
		t.Fatal("ProductRef")
	}
}

// TestOwn: a JPEG of wemart's own is taken as it is, keyed by its bytes;
// anything else is refused.
func TestOwn(t *testing.T) {
	t.Parallel()
	data := mediatest.JPEG(48, 32)
	p, err := media.Own(data)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(p.Data, data) || p.Key != media.Key(data, "jpg") || p.ContentType != "image/jpeg" || p.Width != 48 || p.Height != 32 {
		t.Fatalf("Own: %q %s %dx%d", p.Key, p.ContentType, p.Width, p.Height)
	}
	for name, bad := range map[string][]byte{"png": mediatest.PNG(4, 4, false), "truncated": data[:20], "empty": nil} {
		if _, err := media.Own(bad); err == nil {
			t.Errorf("Own took a %s", name)
		}
	}
}
