// Package auth issues and checks wemart's bearer tokens and hashes staff
// passwords. Tokens are HS256 JWTs whose audience says who they are for
// ("staff" or "shopper"), so a shopper token is refused by the admin API
// however it was obtained.
package auth

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Audiences of wemart tokens.
const (
	AudienceStaff   = "staff"
	AudienceShopper = "shopper"
)

const issuer = "wemart"

// ErrInvalidToken is returned for any token that does not verify: bad
// signature, wrong audience, expired, malformed. Callers answer 401 and never
// tell which.
var ErrInvalidToken = errors.New("invalid or expired token")

// Signer issues and verifies tokens with one HMAC secret.
type Signer struct {
	secret []byte
	now    func() time.Time
	// verified remembers the tokens that verified, so that a client's
	// next request costs a map lookup instead of a JWT parse (base64,
	// JSON and HMAC: about 15 µs in a profile of cart reads, the most
	// of their own CPU after the database).
	verified verifiedTokens
}

// maxRememberedToken is the longest token remembered (wemart's own are
// under 200 bytes); a longer one is verified in full every time.
const maxRememberedToken = 512

// verifiedTokensMax is how many tokens one generation of
// verifiedTokens holds (two are kept: at most 2× this many, about 10 MB at some 300 bytes an entry).
const verifiedTokensMax = 1 << 14

// verifiedTokens maps a token that verified, whole (its signature too),
// to its claims. A hit is checked again for its audience and expiry, so
// it answers as a full verification would; a token that did not verify
// is never kept. Two generations bound it: when the current one fills,
// it becomes the previous one and the one before is dropped; a token
// found in the previous one moves back into the current one.
type verifiedTokens struct {
	mu        sync.RWMutex
	max       int
	cur, prev map[string]Claims
}

func (v *verifiedTokens) get(token string) (Claims, bool) {
	v.mu.RLock()
	c, ok := v.cur[token]
	old, inPrev := v.prev[token]
	v.mu.RUnlock()
	if ok || !inPrev {
		return c, ok // a miss (an unknown token) takes no write lock
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if _, ok := v.cur[token]; !ok {
		v.putLocked(strings.Clone(token), old) // a copy, as put keeps
	}
	return old, true
}

func (v *verifiedTokens) put(token string, c Claims) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.putLocked(token, c)
}

func (v *verifiedTokens) putLocked(token string, c Claims) {
	if len(v.cur) >= v.max || v.cur == nil {
		v.prev, v.cur = v.cur, make(map[string]Claims, min(v.max, 1024))
	}
	v.cur[token] = c
}

// len is how many tokens are kept, for tests.
func (v *verifiedTokens) len() int {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return len(v.cur) + len(v.prev)
}

// NewSigner returns a Signer for secret (at least 32 bytes).
func NewSigner(secret []byte) (*Signer, error) {
	if len(secret) < 32 {
		return nil, errors.New("token secret must be at least 32 bytes")
	}
	return &Signer{secret: secret, now: time.Now, verified: verifiedTokens{max: verifiedTokensMax}}, nil
}

// Claims is what a token says: who (Subject, an account id) and for which API.
type Claims struct {
	Subject   int
	Audience  string
	ExpiresAt time.Time
	// Version is the account's token version when the token was issued (0
	// for tokens without one): the account revokes earlier tokens by moving
	// its version on.
	Version int
}

// jwtClaims are the registered claims plus wemart's token version.
type jwtClaims struct {
	jwt.RegisteredClaims
	Version int `json:"ver,omitempty"`
}

// Issue signs a token for subject in audience, valid for ttl.
func (s *Signer) Issue(audience string, subject int, ttl time.Duration) (string, time.Time, error) {
	return s.IssueVersion(audience, subject, 0, ttl)
}

// IssueVersion signs a token that also carries the subject's token version.
func (s *Signer) IssueVersion(audience string, subject, version int, ttl time.Duration) (string, time.Time, error) {
	now := s.now()
	exp := now.Add(ttl).Truncate(time.Second)
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwtClaims{RegisteredClaims: jwt.RegisteredClaims{
		Issuer:    issuer,
		Subject:   strconv.Itoa(subject),
		Audience:  jwt.ClaimStrings{audience},
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(exp),
	}, Version: version})
	signed, err := tok.SignedString(s.secret)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("sign token: %w", err)
	}
	return signed, exp, nil
}

// Verify checks token's signature, expiry and audience and returns its
// claims. A token that verified before is not parsed again: its claims
// are kept, and only its audience and expiry are checked again.
func (s *Signer) Verify(audience, token string) (Claims, error) {
	if c, ok := s.verified.get(token); ok && c.Audience == audience {
		if !s.now().Before(c.ExpiresAt) { // as jwt's own check: valid strictly before exp
			return Claims{}, ErrInvalidToken
		}
		return c, nil
	}
	var rc jwtClaims
	_, err := jwt.ParseWithClaims(token, &rc, func(*jwt.Token) (any, error) { return s.secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithAudience(audience),
		jwt.WithIssuer(issuer),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(s.now),
		jwt.WithStrictDecoding(), // one spelling per token: no padding-bit variants to remember
	)
	if err != nil {
		return Claims{}, ErrInvalidToken
	}
	id, err := strconv.Atoi(rc.Subject)
	if err != nil || id <= 0 {
		return Claims{}, ErrInvalidToken
	}
	c := Claims{Subject: id, Audience: audience, ExpiresAt: rc.ExpiresAt.Time, Version: rc.Version}
	if len(token) <= maxRememberedToken {
		// A copy: the caller's string may be a slice of a much larger header.
		s.verified.put(strings.Clone(token), c)
	}
	return c, nil
}

// LoadOrCreateSecret returns the secret kept in dir/token.key, creating it with
// 32 random bytes on first use. It suits one process (or several sharing the
// data dir); a fleet sets WEMART_TOKEN_SECRET instead.
func LoadOrCreateSecret(dir string) ([]byte, error) {
	path := filepath.Join(dir, "token.key")
	if b, err := os.ReadFile(path); err == nil {
		secret, derr := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b)))
		if derr != nil || len(secret) < 32 {
			return nil, fmt.Errorf("%s is corrupt: delete it to make a new one (all tokens become invalid)", path)
		}
		return secret, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	// O_EXCL: if another process won the race, use its secret.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return LoadOrCreateSecret(dir)
	}
	if err != nil {
		return nil, err
	}
	if _, err := f.WriteString(base64.StdEncoding.EncodeToString(secret) + "\n"); err != nil {
		f.Close()
		return nil, err
	}
	return secret, f.Close()
}
