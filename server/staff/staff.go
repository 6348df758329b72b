// Package staff is the admin side's accounts: login with username and
// password, the bootstrap admin, staff tokens, and the role/store policy every
// admin endpoint checks (policy.go).
package staff

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"wemart/ent"
	entstaff "wemart/ent/staff"
	"wemart/ent/store"
	"wemart/server/auth"
	"wemart/server/errs"
	"wemart/server/patch"
	"wemart/server/storage"
)

// Service manages staff accounts and their sessions.
type Service struct {
	client *ent.Client
	hasher *auth.Hasher
	signer *auth.Signer
	ttl    time.Duration
	now    func() time.Time
}

// New returns a Service. ttl is how long a login token lasts.
func New(client *ent.Client, hasher *auth.Hasher, signer *auth.Signer, ttl time.Duration) *Service {
	return &Service{client: client, hasher: hasher, signer: signer, ttl: ttl, now: time.Now}
}

// Session is the result of a successful login.
type Session struct {
	Token     string
	ExpiresAt time.Time
	Staff     *ent.Staff
}

// Login checks username and password and issues a staff token. Unknown users,
// wrong passwords and disabled accounts get the same answer, in the same time,
// and back off alike (throttle.go). Each attempt is counted before the
// password is checked; a correct password clears the count. The token is
// issued under the token version the password was checked against: if the
// password changed meanwhile (the version moved), the login fails.
func (s *Service) Login(ctx context.Context, username, password string) (_ Session, err error) {
	defer errs.Op(&err, "staff.Login")
	if username == "" || password == "" {
		return Session{}, errs.E(errs.Invalid, "username and password are required")
	}
	if len(password) > auth.MaxPasswordBytes {
		// bcrypt reads only the first 72 bytes: a longer "password" would
		// log in with any tail, so it is refused here as at creation.
		return Session{}, errs.InvalidField("password", "must be at most %d bytes", auth.MaxPasswordBytes)
	}
	if utf8.RuneCountInString(username) > 64 {
		return Session{}, errs.E(errs.Unauthenticated, "wrong username or password")
	}
	if err := s.countAttempt(ctx, username); err != nil {
		return Session{}, err
	}
	st, err := s.client.Staff.Query().Where(entstaff.Username(username)).Only(ctx)
	if err != nil && !ent.IsNotFound(err) {
		return Session{}, err
	}
	hash := ""
	if st != nil && !st.Disabled {
		hash = st.PasswordHash
	}
	if !s.hasher.Check(hash, password) {
		return Session{}, errs.E(errs.Unauthenticated, "wrong username or password")
	}
	now := s.now().UTC()
	n, err := s.client.Staff.Update().
		Where(entstaff.ID(st.ID), entstaff.TokenVersion(st.TokenVersion), entstaff.Disabled(false)).
		SetLastLoginAt(now).Save(ctx)
	if err != nil {
		return Session{}, err
	}
	if n == 0 { // the password changed (or the account was disabled) while it was checked
		return Session{}, errs.E(errs.Unauthenticated, "wrong username or password")
	}
	if err := s.clearThrottle(ctx, username); err != nil {
		return Session{}, err
	}
	token, exp, err := s.signer.IssueVersion(auth.AudienceStaff, st.ID, st.TokenVersion, s.ttl)
	if err != nil {
		return Session{}, err
	}
	st.LastLoginAt = &now // what was written, without reading the row back
	return Session{Token: token, ExpiresAt: exp, Staff: st}, nil
}

// Logout revokes every token of the account issued so far (this one too).
func (s *Service) Logout(ctx context.Context, p Principal) (err error) {
	defer errs.Op(&err, "staff.Logout")
	return s.client.Staff.UpdateOneID(p.ID).AddTokenVersion(1).Exec(ctx)
}

// Authenticate resolves a bearer token to the staff member behind it, as the
// database has them now: a disabled account's tokens stop working at once,
// and so do tokens issued before a password change, a re-enable or a logout.
func (s *Service) Authenticate(ctx context.Context, token string) (_ Principal, err error) {
	defer errs.Op(&err, "staff.Authenticate")
	claims, err := s.signer.Verify(auth.AudienceStaff, token)
	if err != nil {
		return Principal{}, errs.E(errs.Unauthenticated, "the staff token is invalid or expired")
	}
	st, err := s.client.Staff.Get(ctx, claims.Subject)
	if ent.IsNotFound(err) || (err == nil && st.Disabled) {
		return Principal{}, errs.E(errs.Unauthenticated, "this staff account no longer exists or is disabled")
	}
	if err != nil {
		return Principal{}, err
	}
	if claims.Version != st.TokenVersion {
		return Principal{}, errs.E(errs.Unauthenticated, "this staff token was revoked (logout or password change); log in again")
	}
	return PrincipalOf(st), nil
}

// PrincipalOf is the Principal of a staff row.
func PrincipalOf(st *ent.Staff) Principal {
	return Principal{ID: st.ID, Username: st.Username, Role: string(st.Role), StoreID: st.StoreID}
}

// EnsureAdmin makes sure the bootstrap admin from WEMART_ADMIN_USER /
// WEMART_ADMIN_PASSWORD exists, is enabled, is an admin and has that password:
// the environment is the source of truth for this one account, which is also
// how an operator recovers a lost admin password. Safe to run from several
// processes at once.
func (s *Service) EnsureAdmin(ctx context.Context, username, password string) (created bool, err error) {
	defer errs.Op(&err, "staff.EnsureAdmin")
	if err := checkCredentials(username, password); err != nil {
		return false, err
	}
	// The environment is the operator's way back in: it also lifts a login
	// backoff on the account (someone guessing at it, say).
	if err := s.clearThrottle(ctx, username); err != nil {
		return false, err
	}
	existing, err := s.client.Staff.Query().Where(entstaff.Username(username)).Only(ctx)
	if err != nil && !ent.IsNotFound(err) {
		return false, err
	}
	if existing != nil {
		if existing.Role == entstaff.RoleAdmin && !existing.Disabled && existing.StoreID == nil &&
			s.hasher.Check(existing.PasswordHash, password) {
			return false, nil
		}
		hash, err := s.hasher.Hash(password)
		if err != nil {
			return false, err
		}
		return false, existing.Update().SetRole(entstaff.RoleAdmin).SetDisabled(false).
			ClearStoreID().SetPasswordHash(hash).AddTokenVersion(1).Exec(ctx)
	}
	hash, err := s.hasher.Hash(password)
	if err != nil {
		return false, err
	}
	// DO NOTHING: if another process created it a moment ago, that one stands.
	err = s.client.Staff.Create().SetUsername(username).SetDisplayName("Administrator").
		SetPasswordHash(hash).SetRole(entstaff.RoleAdmin).
		OnConflictColumns(entstaff.FieldUsername).DoNothing().Exec(ctx)
	if storage.Skipped(err) {
		return false, nil
	}
	return err == nil, err
}

// CreateInput is a new staff account.
type CreateInput struct {
	Username    string `json:"username"`
	Password    string `json:"password"`
	DisplayName string `json:"display_name"`
	Role        string `json:"role"`
	StoreID     *int   `json:"store_id"`
}

// Create adds a staff account.
func (s *Service) Create(ctx context.Context, in CreateInput) (_ *ent.Staff, err error) {
	defer errs.Op(&err, "staff.Create")
	if err := checkCredentials(in.Username, in.Password); err != nil {
		return nil, err
	}
	if err := checkDisplayName(in.DisplayName); err != nil {
		return nil, err
	}
	if err := s.checkScope(ctx, in.Role, in.StoreID); err != nil {
		return nil, err
	}
	hash, err := s.hasher.Hash(in.Password)
	if err != nil {
		return nil, err
	}
	st, err := s.client.Staff.Create().SetUsername(in.Username).SetDisplayName(in.DisplayName).
		SetPasswordHash(hash).SetRole(entstaff.Role(in.Role)).SetNillableStoreID(in.StoreID).Save(ctx)
	if ent.IsConstraintError(err) {
		return nil, errs.E(errs.Conflict, "username %q is taken", in.Username)
	}
	return st, err
}

// UpdateInput changes a staff account; absent fields stay as they are, and a
// store_id of null makes the account chain-wide.
type UpdateInput struct {
	Password    *string             `json:"password"`
	DisplayName *string             `json:"display_name"`
	Role        *string             `json:"role"`
	StoreID     patch.Nullable[int] `json:"store_id"`
	Disabled    *bool               `json:"disabled"`
}

// Update changes the account id on behalf of by.
func (s *Service) Update(ctx context.Context, by Principal, id int, in UpdateInput) (_ *ent.Staff, err error) {
	defer errs.Op(&err, "staff.Update")
	st, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	role := string(st.Role)
	if in.Role != nil {
		role = *in.Role
	}
	storeID := in.StoreID.Ptr(st.StoreID)
	if err := s.checkScope(ctx, role, storeID); err != nil {
		return nil, err
	}
	if id == by.ID && (role != string(st.Role) || (in.Disabled != nil && *in.Disabled)) {
		return nil, errs.E(errs.Conflict, "you cannot demote or disable your own account")
	}
	upd := st.Update().SetRole(entstaff.Role(role)).ClearStoreID().SetNillableStoreID(storeID)
	if in.Password != nil {
		if err := checkCredentials(st.Username, *in.Password); err != nil {
			return nil, err
		}
		hash, err := s.hasher.Hash(*in.Password)
		if err != nil {
			return nil, err
		}
		// A new password revokes every token issued under the old one, and
		// lifts a login backoff (an admin resetting a locked-out account).
		upd.SetPasswordHash(hash).AddTokenVersion(1)
		if err := s.clearThrottle(ctx, st.Username); err != nil {
			return nil, err
		}
	}
	if in.DisplayName != nil {
		if err := checkDisplayName(*in.DisplayName); err != nil {
			return nil, err
		}
		upd.SetDisplayName(*in.DisplayName)
	}
	if in.Disabled != nil && *in.Disabled != st.Disabled {
		// Disabling revokes tokens at once; enabling must not revive them.
		upd.SetDisabled(*in.Disabled).AddTokenVersion(1)
	}
	return upd.Save(ctx)
}

// Get returns the account id.
func (s *Service) Get(ctx context.Context, id int) (_ *ent.Staff, err error) {
	defer errs.Op(&err, "staff.Get")
	st, err := s.client.Staff.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, errs.E(errs.NotFound, "no staff account %d", id)
	}
	return st, err
}

// List returns accounts ordered by id, a page at a time, and the total count.
func (s *Service) List(ctx context.Context, offset, limit int) (_ []*ent.Staff, _ int, err error) {
	defer errs.Op(&err, "staff.List")
	q := s.client.Staff.Query()
	total, err := q.Clone().Count(ctx)
	if err != nil {
		return nil, 0, err
	}
	items, err := q.Order(ent.Asc(entstaff.FieldID)).Offset(offset).Limit(limit).All(ctx)
	return items, total, err
}

// checkScope enforces the role/store rules: an admin is chain-wide, a clerk
// belongs to exactly one store, a manager to one store or the chain.
func (s *Service) checkScope(ctx context.Context, role string, storeID *int) error {
	switch role {
	case RoleAdmin:
		if storeID != nil {
			return errs.InvalidField("store_id", "must be empty for an admin")
		}
	case RoleClerk:
		if storeID == nil {
			return errs.InvalidField("store_id", "is required for a clerk")
		}
	case RoleManager:
	default:
		return errs.InvalidField("role", "must be admin, manager or clerk")
	}
	if storeID != nil {
		ok, err := s.client.Store.Query().Where(store.ID(*storeID), store.DeletedAtIsNil()).Exist(ctx)
		if err != nil {
			return err
		}
		if !ok {
			return errs.InvalidField("store_id", "names no store (%d)", *storeID)
		}
	}
	return nil
}

func checkCredentials(username, password string) error {
	switch {
	case username == "":
		return errs.InvalidField("username", "is required")
	case utf8.RuneCountInString(username) > 64:
		return errs.InvalidField("username", "must be at most 64 characters")
	case strings.TrimSpace(username) != username || strings.ContainsAny(username, " \t\r\n"):
		return errs.InvalidField("username", "must not contain spaces")
	case len(password) < 8:
		return errs.InvalidField("password", "must be at least 8 characters")
	case len(password) > auth.MaxPasswordBytes:
		return errs.InvalidField("password", "must be at most %d bytes", auth.MaxPasswordBytes)
	}
	return nil
}

func checkDisplayName(name string) error {
	if utf8.RuneCountInString(name) > 64 {
		return errs.InvalidField("display_name", "must be at most 64 characters")
	}
	return nil
}

// String describes a principal for logs.
func (p Principal) String() string { return fmt.Sprintf("%s#%d(%s)", p.Username, p.ID, p.Role) }
