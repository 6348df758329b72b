// Package media keeps pictures: the product pictures staff upload, shoppers'
// avatars and the demo's pictures. A Store maps a key to bytes; there are
// two, local files under the data dir (a laptop, one server) and S3-compatible
// object storage (production: Tencent COS, MinIO, AWS S3), chosen by the
// configuration. Keys are content addressed (the sha256 of the bytes and
// their extension, see Key), so the same picture is stored once, an upload
// can be repeated, and a key's URL never changes what it shows: it may be
// cached for ever. Uploads reach a store only through Prepare, which
// accepts JPEG, PNG and WebP (sniffed from the bytes), refuses decompression
// bombs before decoding, and re-encodes (which drops EXIF, GPS included);
// the demo's own pictures, made by wemart, through Own.
package media

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// ErrNotFound is returned for a key the store does not hold.
var ErrNotFound = errors.New("media: no such object")

// Store holds media objects by key. Implementations are safe for
// concurrent use; Put of a key already held is a no-op in effect (the key
// names the content).
type Store interface {
	// Put stores data under key (ValidKey) with its content type.
	Put(ctx context.Context, key string, data []byte, contentType string) error
	// Get opens the object under key; ErrNotFound if there is none. The
	// caller closes Object.Body.
	Get(ctx context.Context, key string) (Object, error)
	// Delete removes the object under key; a key not held is not an error.
	Delete(ctx context.Context, key string) error
	// Describe says where objects go, for the start-up log (no secrets).
	Describe() string
}

// Object is a stored object being read.
type Object struct {
	Body        io.ReadCloser
	Size        int64
	ContentType string
}

// The extensions of keys and their content types: what Prepare writes.
var contentTypes = map[string]string{
	"jpg": "image/jpeg",
	"png": "image/png",
}

// keyPattern is every key a store accepts: 64 lowercase hex digits (a
// sha256) and an extension Prepare writes. Nothing else reaches a file
// name or an object name, so no key can climb out of the media directory.
var keyPattern = regexp.MustCompile(`^[0-9a-f]{64}\.(jpg|png)$`)

// ValidKey reports whether key is one a store can hold.
func ValidKey(key string) bool { return keyPattern.MatchString(key) }

// Key is the content address of data stored with extension ext ("jpg", "png").
func Key(data []byte, ext string) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]) + "." + ext
}

// ContentTypeOf is the content type of a valid key's object.
func ContentTypeOf(key string) string {
	_, ext, _ := strings.Cut(key, ".")
	return contentTypes[ext]
}

// Hash is the sha256 part of a valid key: the object's ETag.
func Hash(key string) string {
	h, _, _ := strings.Cut(key, ".")
	return h
}

// KeyError is a key no store accepts (see ValidKey).
type KeyError struct{ Key string }

func (e *KeyError) Error() string {
	k := e.Key
	if len(k) > 80 {
		k = k[:80] + "…"
	}
	return "media: invalid key " + strconv.Quote(k)
}
