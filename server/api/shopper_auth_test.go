package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"wemart/ent/shopper"
	"wemart/server/apitest"
	"wemart/server/app"
	"wemart/server/auth"
	"wemart/server/config"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

type login struct {
	Token string `json:"token"`
	New   bool   `json:"new"`
	User  struct {
		ID    int     `json:"id"`
		Phone *string `json:"phone"`
	} `json:"user"`
}

func mustShopper(t *testing.T, h *apitest.Harness, code string) login {
	t.Helper()
	var l login
	h.Do("POST", "/api/v1/auth/login", "", map[string]string{"code": code}).OK(http.StatusOK, &l)
	return l
}

func TestShopperLogin(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		h := apitest.New(t, db)
		a := mustShopper(t, h, "wx-login-code-a")
		if !a.New || a.Token == "" || a.User.ID == 0 || a.User.Phone != nil {
			t.Fatalf("first login %+v", a)
		}
		again := mustShopper(t, h, "wx-login-code-a")
		b := mustShopper(t, h, "wx-login-code-b")
		if again.New || again.User.ID != a.User.ID || b.User.ID == a.User.ID {
			t.Fatalf("same code must be the same shopper, another code another: %+v %+v %+v", a, again, b)
		}
		// Returning logins use up no shopper ids: the next new shopper's id
		// follows b's (an upsert would take a sequence number every time).
		for range 5 {
			mustShopper(t, h, "wx-login-code-a")
		}
		if c := mustShopper(t, h, "wx-login-code-c"); c.User.ID != b.User.ID+1 {
			t.Fatalf("after returning logins the next shopper is %d, want %d", c.User.ID, b.User.ID+1)
		}
		// The openid (and a session_key) never reaches the client; the shopper row has the openid.
		res := h.Do("POST", "/api/v1/auth/login", "", map[string]string{"code": "wx-login-code-a"})
		sh := db.Client.Shopper.Query().Where(shopper.ID(a.User.ID)).OnlyX(t.Context())
		if strings.Contains(string(res.Body), sh.Openid) || strings.Contains(string(res.Body), "session_key") {
			t.Fatalf("login answer leaks WeChat identifiers: %s", res.Body)
		}
		if sh.Unionid == nil || sh.LastLoginAt == nil {
			t.Fatalf("unionid/last login not kept: %+v", sh)
		}

		var me struct {
			ID    int     `json:"id"`
			Phone *string `json:"phone"`
		}
		h.Do("GET", "/api/v1/me", a.Token, nil).OK(http.StatusOK, &me)
		if me.ID != a.User.ID {
			t.Fatalf("me = %+v", me)
		}
		h.Do("POST", "/api/v1/auth/phone", a.Token, map[string]string{"code": "phone-code-1"}).OK(http.StatusOK, &me)
		want := h.App.WeChat.Sandbox.PhoneNumber("phone-code-1")
		if me.Phone == nil || *me.Phone != want {
			t.Fatalf("phone = %v, want %s", me.Phone, want)
		}

		// Bad input: the envelope, nothing created.
		before := db.Client.Shopper.Query().CountX(t.Context())
		for name, body := range map[string]any{
			"empty code":    map[string]string{"code": ""},
			"missing code":  map[string]string{},
			"code too long": map[string]string{"code": strings.Repeat("c", 65)},
			"code a number": `{"code": 42}`,
			"unknown field": map[string]string{"code": "x", "openid": "o123"},
		} {
			t.Run(name, func(t *testing.T) {
				h.For(t).Do("POST", "/api/v1/auth/login", "", body).Fails(http.StatusBadRequest, "invalid_argument")
			})
		}
		if n := db.Client.Shopper.Query().CountX(t.Context()); n != before {
			t.Fatalf("bad logins created shoppers: %d → %d", before, n)
		}
		h.Do("POST", "/api/v1/auth/phone", a.Token, map[string]string{"code": ""}).Fails(http.StatusBadRequest, "invalid_argument")

		// Tokens: a staff token is no shopper token, and vice versa.
		h.Do("GET", "/api/v1/me", "", nil).Fails(http.StatusUnauthorized, "unauthenticated")
		h.Do("GET", "/api/v1/me", h.AdminToken, nil).Fails(http.StatusUnauthorized, "unauthenticated")
		h.Do("GET", "/admin/v1/stores", a.Token, nil).Fails(http.StatusUnauthorized, "unauthenticated")
	})
}

func TestShopperLoginIsRateLimitedPerAddress(t *testing.T) {
	h := apitest.New(t, storagetest.New(t, "sqlite"), func(c *config.Config, _ *app.Options) { c.LoginRate = 5 })
	for i := range 5 {
		mustShopper(t, h, "code-"+string(rune('a'+i)))
	}
	h.Do("POST", "/api/v1/auth/login", "", map[string]string{"code": "one-too-many"}).Fails(http.StatusTooManyRequests, "rate_limited")
	// Another address is not affected; a forged X-Forwarded-For does not make one.
	h.Do("POST", "/api/v1/auth/login", "", map[string]string{"code": "elsewhere"}, apitest.RemoteAddr, "198.51.100.7:4000").OK(http.StatusOK, nil)
	h.Do("POST", "/api/v1/auth/login", "", map[string]string{"code": "spoofed"}, "X-Forwarded-For", "203.0.113.9").
		Fails(http.StatusTooManyRequests, "rate_limited")
}

// TestLoginRemembersTheShopper: a login tells its process that the shopper
// exists, so her first requests skip the existence read (for a minute, as
// any shopper found to exist). Seen from outside: a shopper deleted by hand
// right after logging in still authenticates for a route that needs no
// shopper row (her order list), while a token of a deleted shopper this
// process never saw is refused; a route that reads the shopper row says
// she no longer exists (401, as for a bad token, never a 404 or a 5xx).
func TestLoginRemembersTheShopper(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		h := apitest.New(t, db)
		a := mustShopper(t, h, "wx-login-code-seen")
		st := mustStore(t, h, "人民广场店", 31.2304, 121.4737)
		milk := mustProduct(t, h, "光明鲜牛奶", 1290).Skus[0].ID
		h.Do("PUT", apitest.Path("/admin/v1/stores/%d/stock/%d", st.ID, milk), h.AdminToken, map[string]any{"on_hand": 5}).
			OK(http.StatusOK, nil)
		other := db.Client.Shopper.Create().SetOpenid("o-never-seen").SaveX(t.Context())
		token, _, err := h.App.Signer.Issue(auth.AudienceShopper, other.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		db.Client.Shopper.DeleteOneID(a.User.ID).ExecX(t.Context())
		db.Client.Shopper.DeleteOneID(other.ID).ExecX(t.Context())
		var list struct {
			Items []any `json:"items"`
		}
		h.Do("GET", "/api/v1/orders", a.Token, nil).OK(http.StatusOK, &list)
		if len(list.Items) != 0 {
			t.Fatalf("a new shopper's orders: %+v", list)
		}
		h.Do("GET", "/api/v1/orders", token, nil).Fails(http.StatusUnauthorized, "unauthenticated")
		for _, r := range []struct {
			method, path string
			body         any
		}{
			{"GET", "/api/v1/me", nil},
			{"PATCH", "/api/v1/me", map[string]string{"nickname": "小王"}},
			{"POST", "/api/v1/auth/phone", map[string]string{"code": "phone-code-2"}},
			{"GET", "/api/v1/me/referral", nil},
		} {
			h.Do(r.method, r.path, a.Token, r.body).Fails(http.StatusUnauthorized, "unauthenticated")
		}
		// A checkout reads her row in its transaction: 401, nothing reserved.
		h.Do("POST", "/api/v1/orders", a.Token, map[string]any{"store_id": st.ID, "fulfilment": "pickup",
			"items": []map[string]int{{"sku_id": milk, "quantity": 1}}}, "Idempotency-Key", "gone-1").
			Fails(http.StatusUnauthorized, "unauthenticated")
		if n := db.Client.Order.Query().CountX(t.Context()); n != 0 {
			t.Fatalf("%d orders after a deleted shopper's checkout", n)
		}
		if k := db.Client.Stock.Query().OnlyX(t.Context()); k.Reserved != 0 || k.OnHand != 5 {
			t.Fatalf("stock after a deleted shopper's checkout: %d on hand, %d reserved", k.OnHand, k.Reserved)
		}
	})
}
