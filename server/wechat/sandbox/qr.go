package sandbox

import (
	"github.com/skip2/go-qrcode"
)

// qrPNG renders content as a square PNG QR code of the given width.
func qrPNG(content string, width int) ([]byte, error) {
	return qrcode.Encode(content, qrcode.Medium, width)
}
