package sandbox

import (
	"bytes"
	"image/jpeg"

	"github.com/skip2/go-qrcode"
)

// qrJPEG renders content as a square JPEG QR code of the given width: WeChat
// answers getwxacodeunlimit with image/jpeg, so the sandbox does too.
func qrJPEG(content string, width int) ([]byte, error) {
	q, err := qrcode.New(content, qrcode.Medium)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, q.Image(width), &jpeg.Options{Quality: 90}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
