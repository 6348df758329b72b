// Package shoppers is the shopper side's accounts: WeChat login (a wx.login
// code exchanged through code2session for the shopper's openid), our own
// shopper tokens, and binding a phone number from getPhoneNumber.
package shoppers

import (
	"context"
	"time"
	"unicode/utf8"

	"wemart/ent"
	"wemart/ent/shopper"
	"wemart/server/auth"
	"wemart/server/errs"
	"wemart/server/storage"
	"wemart/server/wechat"
)

// Service manages shoppers.
type Service struct {
	client *ent.Client
	mp     wechat.MiniProgram
	signer *auth.Signer
	ttl    time.Duration
	seen   *seen // shoppers recently found to exist
}

// New returns a Service; ttl is how long a login lasts.
func New(client *ent.Client, mp wechat.MiniProgram, signer *auth.Signer, ttl time.Duration) *Service {
	return &Service{client: client, mp: mp, signer: signer, ttl: ttl, seen: newSeen(time.Now)}
}

// Session is a successful login.
type Session struct {
	Token     string
	ExpiresAt time.Time
	Shopper   *ent.Shopper
	// New is true for a shopper's first login.
	New bool
}

// maxCodeLen bounds a wx.login or getPhoneNumber code.
const maxCodeLen = 128

func checkCode(code string) error {
	if code == "" {
		return errs.InvalidField("code", "is required (the code from wx.login)")
	}
	if utf8.RuneCountInString(code) > maxCodeLen {
		return errs.InvalidField("code", "is too long")
	}
	return nil
}

// wechatError translates a WeChat failure: a bad code is the client's fault,
// WeChat being unreachable is unavailable, anything else is internal.
func wechatError(err error, what string) error {
	switch wechat.CodeOf(err) {
	case "40029", "40163", "40226", "45011":
		// invalid code, code already used, risky user, too frequent
		return errs.Wrap(err, errs.Invalid, "the %s code was refused by WeChat; get a new one and try again", what).
			With("wechat_errcode", wechat.CodeOf(err))
	}
	if wechat.IsTemporary(err) {
		return errs.Wrap(err, errs.Unavailable, "WeChat did not answer; try again")
	}
	return errs.Wrap(err, errs.Internal, "WeChat refused the request")
}

// Login exchanges a wx.login code for a shopper token, creating the shopper
// on first login. The session_key never reaches wemart's storage.
func (s *Service) Login(ctx context.Context, code string) (_ Session, err error) {
	defer errs.Op(&err, "shoppers.Login")
	if err := checkCode(code); err != nil {
		return Session{}, err
	}
	ws, err := s.mp.Code2Session(ctx, code)
	if err != nil {
		return Session{}, wechatError(err, "login")
	}
	now := time.Now().UTC()
	var unionID *string
	if ws.UnionID != "" {
		unionID = &ws.UnionID
	}
	// A returning shopper is looked up first: an INSERT ... ON CONFLICT
	// would take a number from the id sequence at every login. A new one is
	// inserted with DO NOTHING, so two logins racing for her make one row.
	created := false
	sh, err := s.client.Shopper.Query().Where(shopper.Openid(ws.OpenID)).Only(ctx)
	if ent.IsNotFound(err) {
		err = s.client.Shopper.Create().SetOpenid(ws.OpenID).SetNillableUnionid(unionID).SetLastLoginAt(now).
			OnConflictColumns(shopper.FieldOpenid).DoNothing().Exec(ctx)
		if err != nil && !storage.Skipped(err) {
			return Session{}, err
		}
		created = err == nil
		sh, err = s.client.Shopper.Query().Where(shopper.Openid(ws.OpenID)).Only(ctx)
	}
	if err != nil {
		return Session{}, err
	}
	upd := sh.Update().SetLastLoginAt(now)
	if unionID != nil {
		upd.SetUnionid(*unionID) // kept when WeChat reveals it later
	}
	if sh, err = upd.Save(ctx); err != nil {
		return Session{}, err
	}
	s.seen.add(sh.ID) // she exists: her first requests need not ask again
	token, exp, err := s.signer.Issue(auth.AudienceShopper, sh.ID, s.ttl)
	if err != nil {
		return Session{}, err
	}
	return Session{Token: token, ExpiresAt: exp, Shopper: sh, New: created}, nil
}

// Authenticate resolves a shopper token to the shopper's id.
func (s *Service) Authenticate(ctx context.Context, token string) (_ int, err error) {
	defer errs.Op(&err, "shoppers.Authenticate")
	c, err := s.signer.Verify(auth.AudienceShopper, token)
	if err != nil {
		return 0, errs.E(errs.Unauthenticated, "the shopper token is invalid or expired; log in again")
	}
	if s.seen.has(c.Subject) {
		return c.Subject, nil
	}
	ok, err := s.client.Shopper.Query().Where(shopper.ID(c.Subject)).Exist(ctx)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, storage.ShopperGone()
	}
	s.seen.add(c.Subject)
	return c.Subject, nil
}

// Get returns shopper id.
func (s *Service) Get(ctx context.Context, id int) (_ *ent.Shopper, err error) {
	defer errs.Op(&err, "shoppers.Get")
	sh, err := s.client.Shopper.Get(ctx, id)
	if ent.IsNotFound(err) {
		return nil, storage.ShopperGone()
	}
	return sh, err
}

// BindPhone sets the shopper's phone number from a getPhoneNumber code.
func (s *Service) BindPhone(ctx context.Context, id int, code string) (_ *ent.Shopper, err error) {
	defer errs.Op(&err, "shoppers.BindPhone")
	if err := checkCode(code); err != nil {
		return nil, err
	}
	p, err := s.mp.PhoneNumber(ctx, code)
	if err != nil {
		return nil, wechatError(err, "phone number")
	}
	number := p.PureNumber
	if p.CountryCode != "" && p.CountryCode != "86" {
		number = "+" + p.CountryCode + " " + p.PureNumber
	}
	sh, err := s.client.Shopper.UpdateOneID(id).SetPhone(number).Save(ctx)
	if ent.IsNotFound(err) {
		return nil, storage.ShopperGone()
	}
	return sh, err
}
