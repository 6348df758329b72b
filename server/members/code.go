package members

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"wemart/ent"
	"wemart/ent/memberscan"
	"wemart/ent/store"
	"wemart/server/errs"
	"wemart/server/storage"
)

// The member code's timings.
const (
	// CodeTTL is how long a member code may be scanned after it was made.
	CodeTTL = 60 * time.Second
	// CodeRefresh is when the mini program should fetch a new code.
	CodeRefresh = 30 * time.Second
	// ScanTTL is how long a scan may be used for a counter sale.
	ScanTTL = 10 * time.Minute
	// maxCode bounds the code a scan accepts.
	maxCode = 128
)

// codePrefix starts every member code (its version).
const codePrefix = "wm1"

var b64 = base64.RawURLEncoding

// Code is a member code: what the mini program shows as a QR code.
type Code struct {
	// Code is opaque ASCII, at most 128 characters: the shopper, the
	// expiry and a random nonce, signed.
	Code      string
	ExpiresAt time.Time
}

// IssueCode makes a new member code for the shopper, valid for CodeTTL and
// usable for one scan.
func (s *Service) IssueCode(shopperID int) (_ Code, err error) {
	defer errs.Op(&err, "members.IssueCode")
	nonce := make([]byte, 16)
	if _, err := rand.Read(nonce); err != nil {
		return Code{}, err
	}
	exp := s.clock().Add(CodeTTL).Truncate(time.Second)
	body := strings.Join([]string{codePrefix, strconv.Itoa(shopperID), strconv.FormatInt(exp.Unix(), 10), b64.EncodeToString(nonce)}, ".")
	return Code{Code: body + "." + b64.EncodeToString(s.sign(body)), ExpiresAt: exp}, nil
}

func (s *Service) sign(body string) []byte {
	m := hmac.New(sha256.New, s.codeKey)
	m.Write([]byte(body))
	return m.Sum(nil)
}

// memberCode is a code whose signature checked.
type memberCode struct {
	shopperID int
	expiresAt time.Time
	nonce     string
}

// parseCode checks code's form and signature.
func (s *Service) parseCode(code string) (memberCode, error) {
	bad := errs.InvalidField("code", "is not a member code of this shop (or it was altered): scan the code again")
	if len(code) > maxCode {
		return memberCode{}, bad
	}
	parts := strings.Split(code, ".")
	if len(parts) != 5 || parts[0] != codePrefix {
		return memberCode{}, bad
	}
	sig, err := b64.DecodeString(parts[4])
	if err != nil || !hmac.Equal(sig, s.sign(strings.Join(parts[:4], "."))) {
		return memberCode{}, bad
	}
	id, err1 := strconv.Atoi(parts[1])
	exp, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil || id <= 0 {
		return memberCode{}, bad
	}
	return memberCode{shopperID: id, expiresAt: time.Unix(exp, 0).UTC(), nonce: parts[3]}, nil
}

// Scan is a member code scanned at a store's counter.
type Scan struct {
	ID      int
	Shopper *ent.Shopper
	Level   Level
	// Available are the member's points available now.
	Available int64
	// ExpiresAt is when the scan can no longer record a sale.
	ExpiresAt time.Time
}

// Scan identifies the member of code at store storeID for staff staffID: a
// code not signed by this shop is invalid_argument (field code); an
// expired one, or one scanned before, a conflict (reason expired, used).
func (s *Service) Scan(ctx context.Context, code string, storeID, staffID int) (_ Scan, err error) {
	defer errs.Op(&err, "members.Scan")
	mc, err := s.parseCode(code)
	if err != nil {
		return Scan{}, err
	}
	now := s.clock()
	if !now.Before(mc.expiresAt) {
		return Scan{}, errs.E(errs.Conflict, "this member code expired at %s; ask the member to show a fresh one",
			mc.expiresAt.Format(time.RFC3339)).With("reason", "expired")
	}
	open, err := s.client.Store.Query().Where(store.ID(storeID), store.DeletedAtIsNil()).Exist(ctx)
	if err != nil {
		return Scan{}, err
	}
	if !open {
		return Scan{}, errs.InvalidField("store_id", "names no store")
	}
	sh, err := s.client.Shopper.Get(ctx, mc.shopperID)
	if ent.IsNotFound(err) {
		return Scan{}, errs.E(errs.NotFound, "the member of this code no longer exists")
	}
	if err != nil {
		return Scan{}, err
	}
	id, err := s.client.MemberScan.Create().SetNonce(mc.nonce).SetShopperID(sh.ID).SetStoreID(storeID).
		SetStaffID(staffID).SetCreatedAt(now).SetExpiresAt(now.Add(ScanTTL)).
		OnConflictColumns(memberscan.FieldNonce).DoNothing().ID(ctx)
	if storage.Skipped(err) {
		return Scan{}, errs.E(errs.Conflict, "this member code was scanned already; ask the member to show a fresh one").
			With("reason", "used")
	}
	if err != nil {
		return Scan{}, err
	}
	st, err := s.Standing(ctx, sh.ID)
	if err != nil {
		return Scan{}, err
	}
	avail, _, err := s.Balance(ctx, sh.ID)
	if err != nil {
		return Scan{}, err
	}
	return Scan{ID: id, Shopper: sh, Level: st.Level, Available: avail, ExpiresAt: now.Add(ScanTTL)}, nil
}
