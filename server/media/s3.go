package media

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Config names an S3-compatible bucket (WEMART_S3_*).
type S3Config struct {
	// Endpoint is the service's URL, like https://cos.ap-shanghai.myqcloud.com
	// or http://10.0.0.7:9000: its scheme says whether TLS is used.
	Endpoint  string
	Bucket    string
	AccessKey string
	SecretKey string
	// Region, e.g. ap-shanghai; empty asks the service.
	Region string
	// PathStyle addresses the bucket in the path (MinIO, most
	// self-hosted services) rather than in the host name (Tencent COS, AWS).
	PathStyle bool
	// Prefix is put before every key in the bucket ("wemart/media/").
	Prefix string
	// Transport, if set, carries the requests (tests).
	Transport http.RoundTripper
}

// S3 keeps objects in an S3-compatible bucket through minio-go (signature
// v4). Objects carry their content type and an immutable Cache-Control, so
// a CDN or the bucket itself can serve them (WEMART_MEDIA_URL).
type S3 struct {
	client *minio.Client
	cfg    S3Config
}

// NewS3 returns the store of cfg. It makes no request.
func NewS3(cfg S3Config) (*S3, error) {
	u, err := url.Parse(cfg.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("media: the S3 endpoint must be an http(s) URL (got %q)", cfg.Endpoint)
	}
	lookup := minio.BucketLookupDNS
	if cfg.PathStyle {
		lookup = minio.BucketLookupPath
	}
	client, err := minio.New(u.Host, &minio.Options{
		Creds:        credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:       u.Scheme == "https",
		Region:       cfg.Region,
		BucketLookup: lookup,
		Transport:    cfg.Transport,
	})
	if err != nil {
		return nil, fmt.Errorf("media: %w", err)
	}
	return &S3{client: client, cfg: cfg}, nil
}

// Check asks the bucket whether it exists and the keys may see it: what a
// server reports at start when its pictures would all fail.
func (s *S3) Check(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.cfg.Bucket)
	if err != nil {
		return fmt.Errorf("media: S3 bucket %s at %s: %w", s.cfg.Bucket, s.cfg.Endpoint, err)
	}
	if !ok {
		return fmt.Errorf("media: S3 bucket %s does not exist at %s", s.cfg.Bucket, s.cfg.Endpoint)
	}
	return nil
}

// Describe says which bucket holds the objects.
func (s *S3) Describe() string {
	return fmt.Sprintf("s3 %s bucket=%s prefix=%q", s.cfg.Endpoint, s.cfg.Bucket, s.cfg.Prefix)
}

func (s *S3) name(key string) string { return s.cfg.Prefix + key }

// CacheControl is what every stored object and every /media answer says:
// a key's content never changes.
const CacheControl = "public, max-age=31536000, immutable"

// Put uploads data under key.
func (s *S3) Put(ctx context.Context, key string, data []byte, contentType string) error {
	if !ValidKey(key) {
		return &KeyError{Key: key}
	}
	_, err := s.client.PutObject(ctx, s.cfg.Bucket, s.name(key), bytes.NewReader(data), int64(len(data)),
		minio.PutObjectOptions{ContentType: contentType, CacheControl: CacheControl, DisableMultipart: true})
	if err != nil {
		return fmt.Errorf("media: put %s: %w", key, err)
	}
	return nil
}

// Get opens the object of key.
func (s *S3) Get(ctx context.Context, key string) (Object, error) {
	if !ValidKey(key) {
		return Object{}, ErrNotFound
	}
	obj, err := s.client.GetObject(ctx, s.cfg.Bucket, s.name(key), minio.GetObjectOptions{})
	if err != nil {
		return Object{}, s3Error(key, err)
	}
	st, err := obj.Stat() // GetObject is lazy: this is the request
	if err != nil {
		obj.Close()
		return Object{}, s3Error(key, err)
	}
	ct := st.ContentType
	if ct == "" || !strings.HasPrefix(ct, "image/") {
		ct = ContentTypeOf(key)
	}
	return Object{Body: obj, Size: st.Size, ContentType: ct}, nil
}

// Delete removes the object of key (S3 answers a missing key with success).
func (s *S3) Delete(ctx context.Context, key string) error {
	if !ValidKey(key) {
		return &KeyError{Key: key}
	}
	if err := s.client.RemoveObject(ctx, s.cfg.Bucket, s.name(key), minio.RemoveObjectOptions{}); err != nil {
		return s3Error(key, err)
	}
	return nil
}

func s3Error(key string, err error) error {
	switch minio.ToErrorResponse(err).Code {
	case minio.NoSuchKey, "NotFound":
		return ErrNotFound
	}
	return fmt.Errorf("media: %s: %w", key, err)
}
