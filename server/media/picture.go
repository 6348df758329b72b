package media

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"runtime"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"

	"wemart/server/errs"
)

// Limits of an uploaded picture.
type Limits struct {
	// MaxSide and MaxPixels bound the picture's size as its header declares
	// it, checked before anything is decoded (a few kilobytes of PNG can
	// declare gigapixels: a decompression bomb).
	MaxSide, MaxPixels int
	// Fit is the longest side kept: a larger picture is scaled down to it.
	Fit int
}

// The pictures wemart takes, and the request bodies that carry them.
var (
	ProductPicture = Limits{MaxSide: 8192, MaxPixels: 40_000_000, Fit: 1600}
	// An avatar is shown 512 pixels wide at most: a shopper has no reason to
	// send more than a phone photo, and each one is work any shopper can ask for.
	Avatar = Limits{MaxSide: 4096, MaxPixels: 16_000_000, Fit: 512}
)

// Upload limits of the request bodies that carry them (multipart included).
const (
	ProductUploadBytes = 8 << 20
	AvatarUploadBytes  = 2 << 20
)

// JPEGQuality is the quality opaque pictures are encoded at.
const JPEGQuality = 85

// Accepted names the formats taken, for messages.
const Accepted = "JPEG, PNG or WebP"

// Picture is a picture ready to store: re-encoded, scaled to fit, with no
// metadata left (EXIF, GPS, comments, colour profiles).
type Picture struct {
	Data        []byte
	Key         string // content address: sha256 of Data, and the extension
	ContentType string // image/jpeg, or image/png for a picture with transparency
	Width       int
	Height      int
}

// decodeSlots bounds how many pictures are decoded at once: a picture of
// the largest size allowed takes some 160 MB while it is worked on (320 MB
// for a 16-bit PNG).
var decodeSlots = make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))

// Format is what the bytes of an upload are, by their signature ("" for
// anything else): never the file name or the Content-Type a client sent.
func Format(data []byte) string {
	switch {
	case len(data) >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff:
		return "jpeg"
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return "png"
	case len(data) >= 16 && string(data[0:4]) == "RIFF" && string(data[8:12]) == "WEBP" && string(data[12:15]) == "VP8":
		return "webp"
	}
	return ""
}

// invalid is a refusal of the upload, about its field "file".
func invalid(format string, args ...any) error {
	return errs.InvalidField("file", format, args...)
}

// Prepare checks an uploaded picture and makes what is stored of it: the
// format is sniffed (JPEG, PNG or WebP), the declared size checked against
// lim before decoding, the picture decoded (a corrupt or truncated one is
// refused), turned upright as its EXIF orientation says, scaled down to fit
// lim.Fit, and encoded afresh: JPEG at quality 85 when it is opaque, PNG when
// it has transparency. Refusals are invalid_argument errors naming "file".
func Prepare(ctx context.Context, data []byte, lim Limits) (Picture, error) {
	format := Format(data)
	if format == "" {
		return Picture{}, invalid("must be a %s image (the bytes are none of these, whatever the file name or Content-Type says)", Accepted)
	}
	decodeConfig, decode := jpeg.DecodeConfig, jpeg.Decode
	switch format {
	case "png":
		decodeConfig, decode = png.DecodeConfig, png.Decode
	case "webp":
		decodeConfig, decode = webp.DecodeConfig, webp.Decode
	}
	cfg, err := decodeConfig(bytes.NewReader(data))
	if err != nil {
		return Picture{}, invalid("is not a readable %s image (corrupt or cut short)", formatName(format))
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return Picture{}, invalid("has no pixels")
	}
	if cfg.Width > lim.MaxSide || cfg.Height > lim.MaxSide || int64(cfg.Width)*int64(cfg.Height) > int64(lim.MaxPixels) {
		return Picture{}, errs.InvalidField("file", "is %d×%d pixels; at most %d on a side and %d megapixels are accepted",
			cfg.Width, cfg.Height, lim.MaxSide, lim.MaxPixels/1_000_000).
			With("width", cfg.Width).With("height", cfg.Height)
	}
	select {
	case decodeSlots <- struct{}{}:
		defer func() { <-decodeSlots }()
	case <-ctx.Done():
		return Picture{}, ctx.Err()
	}
	src, err := decode(bytes.NewReader(data))
	if err != nil {
		return Picture{}, invalid("is not a readable %s image (corrupt or cut short)", formatName(format))
	}
	orientation := 1
	if format == "jpeg" {
		orientation = exifOrientation(data)
	}
	return encode(src, lim.Fit, orientation)
}

func formatName(format string) string {
	switch format {
	case "jpeg":
		return "JPEG"
	case "png":
		return "PNG"
	}
	return "WebP"
}

// encode scales src to fit, turns it upright and encodes it.
func encode(src image.Image, fit, orientation int) (Picture, error) {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	if long := max(w, h); long > fit {
		// Round to the nearest pixel, never below one.
		w = max(1, (w*fit+long/2)/long)
		h = max(1, (h*fit+long/2)/long)
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	if w == b.Dx() && h == b.Dy() {
		draw.Draw(dst, dst.Bounds(), src, b.Min, draw.Src)
	} else {
		if b.Dx() > 2*w && b.Dy() > 2*h {
			// A large reduction: Catmull-Rom reads every source pixel
			// several times (seconds for 40 megapixels of 16-bit PNG), so a
			// bilinear step, whose cost follows the result, comes first.
			mid := image.NewRGBA(image.Rect(0, 0, 2*w, 2*h))
			draw.ApproxBiLinear.Scale(mid, mid.Bounds(), src, b, draw.Src, nil)
			src, b = mid, mid.Bounds()
		}
		draw.CatmullRom.Scale(dst, dst.Bounds(), src, b, draw.Src, nil)
	}
	dst = orient(dst, orientation)
	var buf bytes.Buffer
	p := Picture{Width: dst.Rect.Dx(), Height: dst.Rect.Dy()}
	if opaque(src) {
		if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: JPEGQuality}); err != nil {
			return Picture{}, fmt.Errorf("media: encode jpeg: %w", err)
		}
		p.ContentType, p.Key = "image/jpeg", Key(buf.Bytes(), "jpg")
	} else {
		if err := png.Encode(&buf, dst); err != nil {
			return Picture{}, fmt.Errorf("media: encode png: %w", err)
		}
		p.ContentType, p.Key = "image/png", Key(buf.Bytes(), "png")
	}
	p.Data = buf.Bytes()
	return p, nil
}

// opaque reports whether every pixel of m is fully opaque.
func opaque(m image.Image) bool {
	if o, ok := m.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	b := m.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if _, _, _, a := m.At(x, y).RGBA(); a != 0xffff {
				return false
			}
		}
	}
	return true
}

// Own takes a JPEG that wemart made itself (the demo's pictures, embedded
// in the binary and already in their final form) as it is: its size is read
// from its header, and it skips Prepare's decode and re-encode, which would
// cost a seed of the demo a second of CPU per picture under the race
// detector and gain nothing.
func Own(data []byte) (Picture, error) {
	if Format(data) != "jpeg" {
		return Picture{}, fmt.Errorf("media: own picture is not a JPEG")
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return Picture{}, fmt.Errorf("media: own picture: %w", err)
	}
	return Picture{Data: data, Key: Key(data, "jpg"), ContentType: "image/jpeg", Width: cfg.Width, Height: cfg.Height}, nil
}
