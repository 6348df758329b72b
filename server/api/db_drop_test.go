package api_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"

	"wemart/server/apitest"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

// dropProxy is a TCP proxy to PostgreSQL that can be told to drop every
// connection the moment the client next sends something (the request is
// lost, no answer comes back) and to refuse new ones: a database that goes
// away in the middle of a request.
type dropProxy struct {
	ln     net.Listener
	target string
	down   atomic.Bool
	mu     sync.Mutex
	conns  []net.Conn
}

func newDropProxy(t *testing.T, target string) *dropProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &dropProxy{ln: ln, target: target}
	t.Cleanup(func() { ln.Close() })
	go p.accept()
	return p
}

func (p *dropProxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if p.down.Load() {
			c.Close()
			continue
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, s)
		p.mu.Unlock()
		go func() { _, _ = io.Copy(c, s); c.Close() }()
		go func() {
			buf := make([]byte, 32<<10)
			for {
				n, err := c.Read(buf)
				if n > 0 && p.down.Load() {
					break // the request is lost on the way
				}
				if n > 0 {
					if _, werr := s.Write(buf[:n]); werr != nil {
						break
					}
				}
				if err != nil {
					break
				}
			}
			c.Close()
			s.Close()
		}()
	}
}

// TestDatabaseDroppedMidRequestIsUnavailable: when PostgreSQL goes away
// under a checkout (the connection drops after the request was sent:
// "unexpected EOF", "conn closed"), the answer is 503 unavailable, never a
// 500; nothing is half-done, and once the database is back the same shop
// works.
func TestDatabaseDroppedMidRequestIsUnavailable(t *testing.T) {
	if len(storagetest.Engines()) < 2 {
		t.Skip(storagetest.EnvPostgres + " is not set")
	}
	raw := storagetest.URL(t, "postgres")
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newDropProxy(t, u.Host)
	u.Host = proxy.ln.Addr().String()
	ctx := context.Background()
	db, err := storage.Open(ctx, u.String(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	s := newShop(t, db)
	h, tok := s.h, s.shopper.Token
	body := map[string]any{"store_id": s.store.ID, "fulfilment": "pickup", "items": []map[string]int{{"sku_id": s.milk, "quantity": 2}}}

	proxy.down.Store(true)
	for _, req := range []struct{ method, path, token string }{
		{"POST", "/api/v1/orders", tok},
		{"GET", "/api/v1/orders", tok},
		{"GET", "/admin/v1/orders", h.AdminToken},
		{"GET", apitest.Path("/admin/v1/stores/%d/stock/%d", s.store.ID, s.milk), h.AdminToken},
	} {
		var b any
		if req.method == "POST" {
			b = body
		}
		res := h.Do(req.method, req.path, req.token, b, "Idempotency-Key", newKey())
		res.Fails(http.StatusServiceUnavailable, "unavailable")
	}
	h.Do("GET", "/readyz", "", nil).Fails(http.StatusServiceUnavailable, "unavailable")

	proxy.down.Store(false)
	s.mustOrder(s.milk, 2)
	s.wantLevel(s.milk, 10, 2) // the lost checkout reserved nothing
	s.ledgerReplays()
}
