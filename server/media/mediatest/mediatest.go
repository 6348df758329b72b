// Package mediatest makes pictures for tests: small JPEG, PNG, GIF and WebP
// files, a JPEG carrying EXIF (orientation and a GPS position), a PNG header
// that declares a huge picture, multipart bodies that carry them, and an
// S3-compatible server (gofakes3) for the S3 store.
package mediatest

import (
	"bytes"
	_ "embed"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"mime/multipart"
	"net/textproto"
)

// The WebP files: gradients made with cwebp 1.2.4 (`cwebp -q 80` and
// `cwebp -lossless`); Go has no WebP encoder.
var (
	//go:embed opaque-40x30.webp
	WebPOpaque []byte // 40×30, lossy, opaque
	//go:embed alpha-40x30.webp
	WebPAlpha []byte // 40×30, lossless, its left half transparent
)

// Gradient is a w×h opaque picture that changes colour from corner to corner.
func Gradient(w, h int) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.Set(x, y, color.NRGBA{uint8(x * 255 / max(1, w-1)), uint8(y * 255 / max(1, h-1)), 160, 255})
		}
	}
	return m
}

// JPEG is a w×h JPEG.
func JPEG(w, h int) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, Gradient(w, h), &jpeg.Options{Quality: 90}); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// PNG is a w×h PNG; with alpha, its left half is transparent.
func PNG(w, h int, alpha bool) []byte {
	m := Gradient(w, h)
	if alpha {
		for y := range h {
			for x := range w / 2 {
				m.SetNRGBA(x, y, color.NRGBA{})
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// GIF is a w×h GIF.
func GIF(w, h int) []byte {
	var b bytes.Buffer
	if err := gif.Encode(&b, Gradient(w, h), nil); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// PNGHeader is the start of a PNG that declares a w×h picture: the
// signature and an IHDR chunk (with its CRC), and nothing else. A few dozen
// bytes that would decode to w×h×4 bytes of memory.
func PNGHeader(w, h int) []byte {
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8], ihdr[9] = 8, 6 // 8 bits per sample, RGBA
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		_ = binary.Write(&b, binary.BigEndian, uint32(len(data)))
		crc := crc32.NewIEEE()
		crc.Write([]byte(typ))
		crc.Write(data)
		b.WriteString(typ)
		b.Write(data)
		_ = binary.Write(&b, binary.BigEndian, crc.Sum32())
	}
	chunk("IHDR", ihdr[:])
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01}) // not nearly enough pixels
	return b.Bytes()
}

// GPSMarker is a text the EXIF of JPEGWithEXIF carries (as its GPS
// position's reference and a camera make): a re-encoded picture must not.
const GPSMarker = "wemart-test-gps-31.2304N-121.4737E"

// JPEGWithEXIF is a w×h JPEG with an APP1 EXIF segment: IFD0 with the
// orientation o (1–8), a camera make, and a GPS IFD with a latitude.
func JPEGWithEXIF(w, h, o int) []byte {
	plain := JPEG(w, h)
	bo := binary.BigEndian
	var t bytes.Buffer
	t.WriteString("MM")
	_ = binary.Write(&t, bo, uint16(42))
	_ = binary.Write(&t, bo, uint32(8)) // IFD0 right after the header
	// IFD0: 3 entries (12 bytes each), then the next-IFD offset.
	const ifd0 = 8
	const ifd0Len = 2 + 3*12 + 4
	makeOff := ifd0 + ifd0Len
	gpsOff := makeOff + len(GPSMarker) + 1
	entry := func(tag, typ uint16, count, value uint32) {
		_ = binary.Write(&t, bo, tag)
		_ = binary.Write(&t, bo, typ)
		_ = binary.Write(&t, bo, count)
		_ = binary.Write(&t, bo, value)
	}
	_ = binary.Write(&t, bo, uint16(3))
	entry(0x010f, 2, uint32(len(GPSMarker)+1), uint32(makeOff)) // Make (ASCII, elsewhere)
	entry(0x0112, 3, 1, uint32(o)<<16)                          // Orientation (SHORT, left-justified)
	entry(0x8825, 4, 1, uint32(gpsOff))                         // GPS IFD pointer
	_ = binary.Write(&t, bo, uint32(0))
	t.WriteString(GPSMarker)
	t.WriteByte(0)
	// GPS IFD: latitude reference "N" and a latitude (3 rationals).
	latOff := gpsOff + 2 + 2*12 + 4
	_ = binary.Write(&t, bo, uint16(2))
	entry(0x0001, 2, 2, uint32('N')<<24)
	entry(0x0002, 5, 3, uint32(latOff))
	_ = binary.Write(&t, bo, uint32(0))
	for _, v := range []uint32{31, 1, 13, 1, 4944, 100} {
		_ = binary.Write(&t, bo, v)
	}
	app1 := append([]byte("Exif\x00\x00"), t.Bytes()...)
	var out bytes.Buffer
	out.Write(plain[:2]) // SOI
	out.Write([]byte{0xff, 0xe1})
	_ = binary.Write(&out, bo, uint16(len(app1)+2))
	out.Write(app1)
	out.Write(plain[2:])
	return out.Bytes()
}

// Multipart is a multipart/form-data body with one file part named field,
// sent with filename and contentType as a client would declare them, and
// the body's Content-Type.
func Multipart(field, filename, contentType string, data []byte) ([]byte, string) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="`+field+`"; filename="`+filename+`"`)
	h.Set("Content-Type", contentType)
	p, err := w.CreatePart(h)
	if err != nil {
		panic(err)
	}
	p.Write(data)
	if err := w.Close(); err != nil {
		panic(err)
	}
	return b.Bytes(), w.FormDataContentType()
}
