package mediatest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"wemart/server/media"
)

// S3 is an S3-compatible server (gofakes3, in memory) on a loopback
// address, with one bucket, and the configuration of the S3 store that
// uses it (path style, signature v4 over plain HTTP).
type S3 struct {
	Config media.S3Config
	// Unsigned counts requests that came without a signature v4
	// Authorization header of the configured access key.
	mu       sync.Mutex
	unsigned []string
}

// Unsigned lists the requests that were not signed with signature v4.
func (s *S3) Unsigned() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.unsigned...)
}

// NewS3 starts the server for t, with bucket "wemart-test".
func NewS3(t testing.TB) *S3 {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket("wemart-test"); err != nil {
		t.Fatal(err)
	}
	fake := gofakes3.New(backend, gofakes3.WithLogger(gofakes3.DiscardLog())).Server()
	s := &S3{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=test-access-key/") {
			s.mu.Lock()
			s.unsigned = append(s.unsigned, r.Method+" "+r.URL.Path)
			s.mu.Unlock()
		}
		fake.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	s.Config = media.S3Config{Endpoint: srv.URL, Bucket: "wemart-test", AccessKey: "test-access-key",
		SecretKey: "test-secret-key", Region: "us-east-1", PathStyle: true, Prefix: "media/"}
	return s
}
