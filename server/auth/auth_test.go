package auth

import (
	"bytes"
	"strings"
	"testing"
	"time"

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
