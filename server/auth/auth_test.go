package auth

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/crypto/bcrypt"
)

func mustSigner(t *testing.T) *Signer {
	t.Helper()
	s, err := NewSigner(bytes.Repeat([]byte("k"), 32))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestTokenRoundTrip(t *testing.T) {
	s := mustSigner(t)
	tok, exp, err := s.Issue(AudienceStaff, 42, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Verify(AudienceStaff, tok)
	if err != nil {
		t.Fatal(err)
	}
	if c.Subject != 42 || !c.ExpiresAt.Equal(exp) {
		t.Fatalf("claims = %+v, want subject 42 expiring %v", c, exp)
	}
}

func TestTokenRejections(t *testing.T) {
	s := mustSigner(t)
	staffTok, _, _ := s.Issue(AudienceStaff, 1, time.Hour)
	other, _ := NewSigner(bytes.Repeat([]byte("x"), 32))
	forged, _, _ := other.Issue(AudienceStaff, 1, time.Hour)
	expired := mustSigner(t)
	expired.now = func() time.Time { return time.Now().Add(-2 * time.Hour) }
	oldTok, _, _ := expired.Issue(AudienceStaff, 1, time.Hour)
	// One character of the signature changed: not one of the last two,
	// whose low bits base64 decoding ignores (the test used to overwrite
	// them with "xx", which now and then decoded to the same signature).
	tampered := []byte(staffTok)
	if i := len(tampered) - 5; tampered[i] == 'A' {
		tampered[i] = 'B'
	} else {
		tampered[i] = 'A'
	}

	// staffTok verifies first, so the cases built from it also check
	// that a remembered token is not taken for more than it was.
	if _, err := s.Verify(AudienceStaff, staffTok); err != nil {
		t.Fatal(err)
	}
	tests := map[string]struct{ aud, tok string }{
		"shopper audience": {AudienceShopper, staffTok},
		"other secret":     {AudienceStaff, forged},
		"expired":          {AudienceStaff, oldTok},
		"garbage":          {AudienceStaff, "not.a.token"},
		"empty":            {AudienceStaff, ""},
		"alg none":         {AudienceStaff, "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0."},
		"tampered":         {AudienceStaff, string(tampered)},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := s.Verify(tt.aud, tt.tok); err != ErrInvalidToken {
				t.Fatalf("Verify = %v, want ErrInvalidToken", err)
			}
		})
	}
}

// TestRememberedTokens: a token that verified is answered from memory
// (no parse), still refused once it expires, and the memory stays bounded.
func TestRememberedTokens(t *testing.T) {
	s := mustSigner(t)
	now := time.Now()
	s.now = func() time.Time { return now }
	tok, exp, err := s.IssueVersion(AudienceShopper, 7, 3, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	want := Claims{Subject: 7, Audience: AudienceShopper, ExpiresAt: exp, Version: 3}
	for range 2 {
		if c, err := s.Verify(AudienceShopper, tok); err != nil || c != want {
			t.Fatalf("Verify = %+v, %v; want %+v", c, err, want)
		}
	}
	if c, ok := s.verified.get(tok); !ok || c != want {
		t.Fatalf("remembered %+v, %v; want %+v", c, ok, want)
	}
	// Remembered claims answer alone: changed ones come back as they are
	// (this is how the test knows the second Verify did not parse).
	s.verified.put(tok, Claims{Subject: 8, Audience: AudienceShopper, ExpiresAt: exp})
	if c, _ := s.Verify(AudienceShopper, tok); c.Subject != 8 {
		t.Fatalf("Verify parsed a remembered token again: subject %d", c.Subject)
	}
	s.verified.put(tok, want)

	now = exp.Add(-time.Nanosecond)
	if _, err := s.Verify(AudienceShopper, tok); err != nil {
		t.Fatalf("a nanosecond before expiry: %v", err)
	}
	now = exp
	if _, err := s.Verify(AudienceShopper, tok); err != ErrInvalidToken {
		t.Fatalf("remembered token at its expiry: %v, want ErrInvalidToken", err)
	}

	s.verified.max = 4
	for i := range 20 {
		now = time.Now()
		tok, _, _ := s.Issue(AudienceStaff, i+1, time.Hour)
		if _, err := s.Verify(AudienceStaff, tok); err != nil {
			t.Fatal(err)
		}
		if n := s.verified.len(); n > 2*s.verified.max {
			t.Fatalf("after %d tokens %d are kept, want at most %d", i+1, n, 2*s.verified.max)
		}
	}
	// A token in the older generation is found and moved back.
	var old string
	for k := range s.verified.prev {
		old = k
	}
	if _, ok := s.verified.get(old); !ok {
		t.Fatal("a token of the previous generation was not found")
	}
	if _, ok := s.verified.cur[old]; !ok {
		t.Fatal("a token found in the previous generation was not moved to the current one")
	}
}

// TestRememberedConcurrently verifies tokens from several goroutines
// while the memory turns over (run with -race).
func TestRememberedConcurrently(t *testing.T) {
	s := mustSigner(t)
	s.verified.max = 8
	toks := make([]string, 64)
	for i := range toks {
		toks[i], _, _ = s.Issue(AudienceShopper, i+1, time.Hour)
	}
	done := make(chan struct{})
	for g := range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			for j := range 2000 {
				i := (g*7 + j) % len(toks)
				if c, err := s.Verify(AudienceShopper, toks[i]); err != nil || c.Subject != i+1 {
					t.Errorf("Verify: %+v %v", c, err)
					return
				}
			}
		}()
	}
	for range 8 {
		<-done
	}
}

// TestRememberedTokenIsACopy: the memory keeps its own copy of a token,
// not the caller's string (a slice of a header that may be far larger),
// and wemart's own tokens are short enough to be kept at all.
func TestRememberedTokenIsACopy(t *testing.T) {
	s := mustSigner(t)
	tok, _, _ := s.Issue(AudienceShopper, 1, time.Hour)
	if len(tok) > maxRememberedToken {
		t.Fatalf("wemart's own token is %d bytes, past %d", len(tok), maxRememberedToken)
	}
	hdr := "Bearer " + tok + strings.Repeat(" ", 4096)
	arg := strings.TrimSpace(hdr[7:])
	if _, err := s.Verify(AudienceShopper, arg); err != nil {
		t.Fatal(err)
	}
	if s.verified.len() != 1 {
		t.Fatalf("%d tokens kept, want 1", s.verified.len())
	}
	for k := range s.verified.cur {
		if unsafe.StringData(k) == unsafe.StringData(arg) {
			t.Fatal("the memory keeps the caller's string, and with it the whole header")
		}
	}
}

func TestSecretPersists(t *testing.T) {
	dir := t.TempDir()
	a, err := LoadOrCreateSecret(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := LoadOrCreateSecret(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 32 || !bytes.Equal(a, b) {
		t.Fatalf("secret not stable: %x vs %x", a, b)
	}
}

func TestPasswordHasher(t *testing.T) {
	h := NewHasher(bcrypt.MinCost)
	hash, err := h.Hash("s3cret-pass")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(hash, "s3cret") {
		t.Fatal("hash contains the password")
	}
	if !h.Check(hash, "s3cret-pass") || h.Check(hash, "wrong") || h.Check("", "s3cret-pass") {
		t.Fatal("Check gives wrong answers")
	}
}
