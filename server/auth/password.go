package auth

import (
	"golang.org/x/crypto/bcrypt"
)

// MaxPasswordBytes is bcrypt's input limit; longer passwords are refused
// rather than silently truncated.
const MaxPasswordBytes = 72

// Hasher hashes and checks passwords with bcrypt at a fixed cost.
type Hasher struct {
	cost  int
	dummy []byte
}

// NewHasher returns a Hasher; cost 0 means bcrypt.DefaultCost. Tests use
// bcrypt.MinCost to stay fast.
func NewHasher(cost int) *Hasher {
	if cost == 0 {
		cost = bcrypt.DefaultCost
	}
	dummy, _ := bcrypt.GenerateFromPassword([]byte("wemart-timing-equaliser"), cost)
	return &Hasher{cost: cost, dummy: dummy}
}

// Hash returns the bcrypt hash of password.
func (h *Hasher) Hash(password string) (string, error) {
	b, err := bcrypt.GenerateFromPassword([]byte(password), h.cost)
	return string(b), err
}

// Check reports whether password matches hash. With an empty hash (no such
// user) it still spends the time of one comparison, so response times do not
// tell which usernames exist.
func (h *Hasher) Check(hash, password string) bool {
	if hash == "" {
		_ = bcrypt.CompareHashAndPassword(h.dummy, []byte(password))
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
}
