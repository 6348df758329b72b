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
}

// NewSigner returns a Signer for secret (at least 32 bytes).
func NewSigner(secret []byte) (*Signer, error) {
	if len(secret) < 32 {
		return nil, errors.New("token secret must be at least 32 bytes")
	}
	return &Signer{secret: secret, now: time.Now}, nil
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

// Verify checks token's signature, expiry and audience and returns its claims.
func (s *Signer) Verify(audience, token string) (Claims, error) {
	var rc jwtClaims
	_, err := jwt.ParseWithClaims(token, &rc, func(*jwt.Token) (any, error) { return s.secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithAudience(audience),
		jwt.WithIssuer(issuer),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(s.now),
	)
	if err != nil {
		return Claims{}, ErrInvalidToken
	}
	id, err := strconv.Atoi(rc.Subject)
	if err != nil || id <= 0 {
		return Claims{}, ErrInvalidToken
	}
	return Claims{Subject: id, Audience: audience, ExpiresAt: rc.ExpiresAt.Time, Version: rc.Version}, nil
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
