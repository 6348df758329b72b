package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"wemart/ent/loginthrottle"
	entstaff "wemart/ent/staff"
	"wemart/server/apitest"
	"wemart/server/app"
	"wemart/server/auth"
	"wemart/server/config"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

type staffAccount struct {
	ID       int    `json:"id"`
	Username string `json:"username"`
	Role     string `json:"role"`
	StoreID  *int   `json:"store_id"`
	Disabled bool   `json:"disabled"`
}

func mustStaff(t *testing.T, h *apitest.Harness, username, role string, storeID *int) (staffAccount, string) {
	t.Helper()
	var s staffAccount
	h.Do("POST", "/admin/v1/staff", h.AdminToken, map[string]any{
		"username": username, "password": "password-" + username, "role": role, "store_id": storeID,
	}).OK(http.StatusCreated, &s)
	return s, h.Login(username, "password-"+username)
}

func TestStaffLogin(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		h := apitest.New(t, db)
		var me staffAccount
		h.Do("GET", "/admin/v1/me", h.AdminToken, nil).OK(http.StatusOK, &me)
		if me.Username != apitest.AdminUser || me.Role != "admin" {
			t.Fatalf("me = %+v", me)
		}
		if strings.Contains(string(h.Do("GET", "/admin/v1/me", h.AdminToken, nil).Body), "password") {
			t.Fatal("a staff response mentions the password")
		}
		for name, body := range map[string]any{
			"wrong password": map[string]string{"username": apitest.AdminUser, "password": "nope-nope"},
			"unknown user":   map[string]string{"username": "ghost", "password": apitest.AdminPassword},
		} {
			t.Run(name, func(t *testing.T) {
				h.For(t).Do("POST", "/admin/v1/login", "", body).Fails(http.StatusUnauthorized, "unauthenticated")
			})
		}
		h.Do("POST", "/admin/v1/login", "", map[string]string{"username": "admin"}).Fails(http.StatusBadRequest, "invalid_argument")
		h.Do("POST", "/admin/v1/login", "", `{"username": 5}`).Fails(http.StatusBadRequest, "invalid_argument")

		// Tokens: missing, garbage, expired, and a shopper's are all refused.
		h.Do("GET", "/admin/v1/stores", "", nil).Fails(http.StatusUnauthorized, "unauthenticated")
		h.Do("GET", "/admin/v1/stores", "garbage", nil).Fails(http.StatusUnauthorized, "unauthenticated")
		shopper, _, err := h.App.Signer.Issue(auth.AudienceShopper, me.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		h.Do("GET", "/admin/v1/stores", shopper, nil).Fails(http.StatusUnauthorized, "unauthenticated")
		expired, _, _ := h.App.Signer.IssueVersion(auth.AudienceStaff, me.ID, 1, -time.Minute)
		h.Do("GET", "/admin/v1/stores", expired, nil).Fails(http.StatusUnauthorized, "unauthenticated")
	})
}

func TestStaffAccounts(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		h := apitest.New(t, db)
		st := mustStore(t, h, "店", 31.2, 121.4)
		clerk, clerkToken := mustStaff(t, h, "clerk1", "clerk", &st.ID)
		if clerk.Role != "clerk" || clerk.StoreID == nil || *clerk.StoreID != st.ID {
			t.Fatalf("clerk = %+v", clerk)
		}
		// Scope rules.
		h.Do("POST", "/admin/v1/staff", h.AdminToken, map[string]any{"username": "c2", "password": "password-1", "role": "clerk"}).
			Fails(http.StatusBadRequest, "invalid_argument")
		h.Do("POST", "/admin/v1/staff", h.AdminToken, map[string]any{"username": "a2", "password": "password-1", "role": "admin", "store_id": st.ID}).
			Fails(http.StatusBadRequest, "invalid_argument")
		h.Do("POST", "/admin/v1/staff", h.AdminToken, map[string]any{"username": "m2", "password": "password-1", "role": "owner"}).
			Fails(http.StatusBadRequest, "invalid_argument")
		h.Do("POST", "/admin/v1/staff", h.AdminToken, map[string]any{"username": "m3", "password": "short", "role": "manager"}).
			Fails(http.StatusBadRequest, "invalid_argument")
		h.Do("POST", "/admin/v1/staff", h.AdminToken, map[string]any{"username": "m4", "password": "password-1", "role": "manager", "store_id": 9999}).
			Fails(http.StatusBadRequest, "invalid_argument")
		h.Do("POST", "/admin/v1/staff", h.AdminToken, map[string]any{"username": "clerk1", "password": "password-1", "role": "manager"}).
			Fails(http.StatusConflict, "conflict")

		// Only admins manage staff.
		h.Do("GET", "/admin/v1/staff", clerkToken, nil).Fails(http.StatusForbidden, "permission_denied")
		h.Do("POST", "/admin/v1/staff", clerkToken, map[string]any{"username": "x", "password": "password-1", "role": "admin"}).
			Fails(http.StatusForbidden, "permission_denied")
		var list struct {
			Items []staffAccount
			Total int
		}
		h.Do("GET", "/admin/v1/staff", h.AdminToken, nil).OK(http.StatusOK, &list)
		if list.Total != 2 {
			t.Fatalf("staff list: %+v", list)
		}

		// Promote the clerk to a chain-wide manager: store_id null clears the store.
		var m staffAccount
		h.Do("PATCH", apitest.Path("/admin/v1/staff/%d", clerk.ID), h.AdminToken,
			map[string]any{"role": "manager", "store_id": nil}).OK(http.StatusOK, &m)
		if m.Role != "manager" || m.StoreID != nil {
			t.Fatalf("promoted = %+v", m)
		}
		// The change applies to the existing token at once.
		h.Do("POST", "/admin/v1/categories", clerkToken, map[string]any{"name": "饮料"}).OK(http.StatusCreated, nil)

		// An admin cannot lock themselves out.
		var me staffAccount
		h.Do("GET", "/admin/v1/me", h.AdminToken, nil).OK(http.StatusOK, &me)
		h.Do("PATCH", apitest.Path("/admin/v1/staff/%d", me.ID), h.AdminToken, map[string]any{"role": "clerk", "store_id": st.ID}).
			Fails(http.StatusConflict, "conflict")
		h.Do("DELETE", apitest.Path("/admin/v1/staff/%d", me.ID), h.AdminToken, nil).Fails(http.StatusConflict, "conflict")

		// Disabling an account kills its tokens and its logins.
		h.Do("DELETE", apitest.Path("/admin/v1/staff/%d", clerk.ID), h.AdminToken, nil).OK(http.StatusNoContent, nil)
		h.Do("GET", "/admin/v1/me", clerkToken, nil).Fails(http.StatusUnauthorized, "unauthenticated")
		h.Do("POST", "/admin/v1/login", "", map[string]string{"username": "clerk1", "password": "password-clerk1"}).
			Fails(http.StatusUnauthorized, "unauthenticated")
		var got staffAccount
		h.Do("GET", apitest.Path("/admin/v1/staff/%d", clerk.ID), h.AdminToken, nil).OK(http.StatusOK, &got)
		if !got.Disabled {
			t.Fatal("account not disabled")
		}
		h.Do("GET", "/admin/v1/staff/99999", h.AdminToken, nil).Fails(http.StatusNotFound, "not_found")
		h.Do("GET", "/admin/v1/staff/abc", h.AdminToken, nil).Fails(http.StatusBadRequest, "invalid_argument")
	})
}

// TestRoleAndStoreScoping walks the policy table through the real routes.
func TestRoleAndStoreScoping(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		h := apitest.New(t, db)
		a := mustStore(t, h, "A店", 31.2, 121.4)
		b := mustStore(t, h, "B店", 31.3, 121.5)
		p := mustProduct(t, h, "牛奶", 500)
		skuID := p.Skus[0].ID
		_, clerk := mustStaff(t, h, "clerk-a", "clerk", &a.ID)
		_, mgrA := mustStaff(t, h, "manager-a", "manager", &a.ID)
		_, mgr := mustStaff(t, h, "manager", "manager", nil)

		stock := func(s store) string { return apitest.Path("/admin/v1/stores/%d/stock/%d", s.ID, skuID) }
		set := map[string]any{"on_hand": 10}
		newStore := map[string]any{"name": "C", "lat": 31, "lng": 121}
		newProduct := map[string]any{"title": "面包", "skus": []map[string]any{{"name": "个", "price_fen": 300}}}
		newSku := map[string]any{"name": "大瓶", "price_fen": 900}
		var cat struct{ ID int }
		h.Do("POST", "/admin/v1/categories", h.AdminToken, map[string]any{"name": "乳品"}).OK(http.StatusCreated, &cat)
		tests := []struct {
			name, token, method, path string
			body                      any
			want                      int
		}{
			{"clerk sets own store stock", clerk, "PUT", stock(a), set, 200},
			{"clerk reads own store stock", clerk, "GET", stock(a), nil, 200},
			{"clerk cannot touch another store", clerk, "PUT", stock(b), set, 403},
			{"clerk cannot read another store", clerk, "GET", stock(b), nil, 403},
			{"clerk cannot list another store", clerk, "GET", apitest.Path("/admin/v1/stores/%d/stock", b.ID), nil, 403},
			{"clerk cannot edit catalogue", clerk, "PATCH", apitest.Path("/admin/v1/products/%d", p.ID), map[string]any{"title": "x"}, 403},
			{"clerk cannot edit the store", clerk, "PATCH", apitest.Path("/admin/v1/stores/%d", a.ID), map[string]any{"phone": "1"}, 403},
			{"clerk reads catalogue", clerk, "GET", apitest.Path("/admin/v1/products/%d", p.ID), nil, 200},
			{"store manager edits own store", mgrA, "PATCH", apitest.Path("/admin/v1/stores/%d", a.ID), map[string]any{"phone": "021-1"}, 200},
			{"store manager cannot edit another", mgrA, "PATCH", apitest.Path("/admin/v1/stores/%d", b.ID), map[string]any{"phone": "021-1"}, 403},
			{"store manager cannot stock another", mgrA, "PUT", stock(b), set, 403},
			// The catalogue is the chain's: a manager bound to a store reads it
			// but may not change it (nor may clerks); chain-wide managers may.
			{"store manager cannot create products", mgrA, "POST", "/admin/v1/products", newProduct, 403},
			{"store manager cannot edit products", mgrA, "PATCH", apitest.Path("/admin/v1/products/%d", p.ID), map[string]any{"subtitle": "鲜"}, 403},
			{"store manager cannot delete products", mgrA, "DELETE", apitest.Path("/admin/v1/products/%d", p.ID), nil, 403},
			{"store manager cannot add SKUs", mgrA, "POST", apitest.Path("/admin/v1/products/%d/skus", p.ID), newSku, 403},
			{"store manager cannot change chain prices", mgrA, "PATCH", apitest.Path("/admin/v1/skus/%d", skuID), map[string]any{"price_fen": 1}, 403},
			{"store manager cannot delete SKUs", mgrA, "DELETE", apitest.Path("/admin/v1/skus/%d", skuID), nil, 403},
			{"store manager cannot create categories", mgrA, "POST", "/admin/v1/categories", map[string]any{"name": "x"}, 403},
			{"store manager cannot rename categories", mgrA, "PATCH", apitest.Path("/admin/v1/categories/%d", cat.ID), map[string]any{"name": "x"}, 403},
			{"store manager cannot delete categories", mgrA, "DELETE", apitest.Path("/admin/v1/categories/%d", cat.ID), nil, 403},
			{"store manager reads catalogue", mgrA, "GET", apitest.Path("/admin/v1/products/%d", p.ID), nil, 200},
			{"store manager lists catalogue", mgrA, "GET", "/admin/v1/products", nil, 200},
			{"store manager reads categories", mgrA, "GET", "/admin/v1/categories", nil, 200},
			{"clerk cannot create categories", clerk, "POST", "/admin/v1/categories", map[string]any{"name": "x"}, 403},
			{"clerk cannot change chain prices", clerk, "PATCH", apitest.Path("/admin/v1/skus/%d", skuID), map[string]any{"price_fen": 1}, 403},
			{"chain manager edits catalogue", mgr, "PATCH", apitest.Path("/admin/v1/products/%d", p.ID), map[string]any{"subtitle": "鲜"}, 200},
			{"chain manager changes chain prices", mgr, "PATCH", apitest.Path("/admin/v1/skus/%d", skuID), map[string]any{"price_fen": 600}, 200},
			{"chain manager adds SKUs", mgr, "POST", apitest.Path("/admin/v1/products/%d/skus", p.ID), newSku, 201},
			{"chain manager creates categories", mgr, "POST", "/admin/v1/categories", map[string]any{"name": "饮料"}, 201},
			{"manager cannot open stores", mgr, "POST", "/admin/v1/stores", newStore, 403},
			{"manager cannot delete stores", mgr, "DELETE", apitest.Path("/admin/v1/stores/%d", b.ID), nil, 403},
			{"chain manager stocks any store", mgr, "PUT", stock(b), set, 200},
			{"admin opens stores", h.AdminToken, "POST", "/admin/v1/stores", newStore, 201},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res := h.For(t).Do(tt.method, tt.path, tt.token, tt.body)
				if tt.want == 403 {
					res.Fails(403, "permission_denied")
				} else {
					res.OK(tt.want, nil)
				}
			})
		}
		// The refused writes changed nothing.
		var lvl struct {
			OnHand int64 `json:"on_hand"`
		}
		h.Do("GET", stock(b), h.AdminToken, nil).OK(200, &lvl)
		if lvl.OnHand != 10 { // only the chain manager's write landed
			t.Fatalf("store B on_hand = %d, want 10", lvl.OnHand)
		}
		var after product
		h.Do("GET", apitest.Path("/admin/v1/products/%d", p.ID), h.AdminToken, nil).OK(200, &after)
		if len(after.Skus) != 2 || after.Skus[0].PriceFen != 600 || after.Subtitle != "鲜" {
			t.Fatalf("the catalogue after refused and allowed writes: %+v", after) // only the chain manager's landed
		}
		var cats struct{ Items []struct{ Name string } }
		h.Do("GET", "/admin/v1/categories", h.AdminToken, nil).OK(200, &cats)
		if len(cats.Items) != 2 {
			t.Fatalf("categories %+v, want 乳品 and 饮料", cats.Items)
		}
	})
}

func TestLoginIsRateLimited(t *testing.T) {
	h := apitest.New(t, storagetest.New(t, "sqlite"))
	limited := false
	for i := 0; i < 40 && !limited; i++ {
		res := h.Do("POST", "/admin/v1/login", "", map[string]string{"username": "admin", "password": "wrong-password"})
		if res.Status == http.StatusTooManyRequests {
			res.Fails(http.StatusTooManyRequests, "rate_limited")
			limited = true
		} else {
			res.Fails(http.StatusUnauthorized, "unauthenticated")
		}
	}
	if !limited {
		t.Fatal("40 failed logins from one address were never rate limited")
	}
}

// TestStaffTokensAreRevoked: a password change, a disable (and the enable
// after it) and a logout revoke every token issued before, in every process
// of the fleet (here: a second app on the same database).
func TestStaffTokensAreRevoked(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		h := apitest.New(t, db)
		other := apitest.New(t, db) // another process behind the load balancer
		st := mustStore(t, h, "店", 31.2, 121.4)
		clerk, first := mustStaff(t, h, "clerk1", "clerk", &st.ID)
		second := h.Login("clerk1", "password-clerk1")
		works := func(tok string) {
			t.Helper()
			h.Do("GET", "/admin/v1/me", tok, nil).OK(http.StatusOK, nil)
			other.Do("GET", "/admin/v1/me", tok, nil).OK(http.StatusOK, nil)
		}
		revoked := func(tok string) {
			t.Helper()
			h.Do("GET", "/admin/v1/me", tok, nil).Fails(http.StatusUnauthorized, "unauthenticated")
			other.Do("GET", "/admin/v1/me", tok, nil).Fails(http.StatusUnauthorized, "unauthenticated")
		}
		works(first)
		works(second)
		account := apitest.Path("/admin/v1/staff/%d", clerk.ID)

		// A password change revokes both sessions.
		h.Do("PATCH", account, h.AdminToken, map[string]any{"password": "new-password-1"}).OK(http.StatusOK, nil)
		revoked(first)
		revoked(second)
		third := h.Login("clerk1", "new-password-1")
		works(third)
		// Renaming does not.
		h.Do("PATCH", account, h.AdminToken, map[string]any{"display_name": "小王"}).OK(http.StatusOK, nil)
		works(third)

		// Disabled, then enabled again: the old token stays dead.
		h.Do("DELETE", account, h.AdminToken, nil).OK(http.StatusNoContent, nil)
		revoked(third)
		h.Do("PATCH", account, h.AdminToken, map[string]any{"disabled": false}).OK(http.StatusOK, nil)
		revoked(third)
		fourth := h.Login("clerk1", "new-password-1")
		fifth := other.Login("clerk1", "new-password-1")
		works(fourth)

		// Logout (at one process) revokes every token of the account (at all).
		other.Do("POST", "/admin/v1/logout", fourth, nil).OK(http.StatusNoContent, nil)
		revoked(fourth)
		revoked(fifth)
		h.Do("POST", "/admin/v1/logout", fourth, nil).Fails(http.StatusUnauthorized, "unauthenticated")
		works(h.Login("clerk1", "new-password-1"))
		works(h.AdminToken) // other accounts are untouched
	})
}

// TestStaffLoginBacksOff: after 5 wrong passwords an account must wait
// before its next attempt (even with the right password), in every process;
// racing guesses cannot get more than the 5 tries; passwords over bcrypt's
// 72 bytes are refused.
func TestStaffLoginBacksOff(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		manyPerAddress := func(c *config.Config, _ *app.Options) { c.StaffLoginRate = 10000 }
		h := apitest.New(t, db, manyPerAddress)
		other := apitest.New(t, db, manyPerAddress)
		st := mustStore(t, h, "店", 31.2, 121.4)
		mustStaff(t, h, "clerk1", "clerk", &st.ID)
		login := func(h *apitest.Harness, password string) *apitest.Response {
			return h.Do("POST", "/admin/v1/login", "", map[string]string{"username": "clerk1", "password": password})
		}
		for range 5 {
			login(h, "wrong-password").Fails(http.StatusUnauthorized, "unauthenticated")
		}
		for _, hh := range []*apitest.Harness{h, other} {
			res := login(hh, "password-clerk1")
			body := res.Fails(http.StatusTooManyRequests, "rate_limited")
			if ra, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || ra < 1 || ra > 30 {
				t.Fatalf("Retry-After %q, want 1..30 s", res.Header.Get("Retry-After"))
			}
			if body.Error.Details["retry_after_s"] == nil {
				t.Fatalf("no retry_after_s in %+v", body)
			}
		}
		// Other accounts are not affected.
		h.Login(apitest.AdminUser, apitest.AdminPassword)

		// The wait over, the right password works and clears the count.
		ctx := context.Background()
		waitOver := func() {
			db.Client.LoginThrottle.Update().Where(loginthrottle.Username("clerk1")).SetBlockedUntil(time.Now().UTC().Add(-time.Second)).ExecX(ctx)
		}
		waitOver()
		other.Login("clerk1", "password-clerk1")
		if n := db.Client.LoginThrottle.Query().Where(loginthrottle.Username("clerk1")).CountX(ctx); n != 0 {
			t.Fatal("a good login should clear the count")
		}

		// Twenty guesses at once: at most 5 are even checked.
		var wg sync.WaitGroup
		statuses := make(chan int, 20)
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses <- post(h, "/admin/v1/login", "", map[string]string{"username": "clerk1", "password": fmt.Sprintf("guess-%02d", i)}).Status
			}()
		}
		wg.Wait()
		close(statuses)
		counts := map[int]int{}
		for s := range statuses {
			counts[s]++
		}
		if counts[http.StatusUnauthorized] > 5 || counts[http.StatusTooManyRequests] < 15 || counts[http.StatusUnauthorized]+counts[http.StatusTooManyRequests] != 20 {
			t.Fatalf("20 racing guesses answered %v: want at most 5 checked, the rest 429", counts)
		}
		// Each further failure doubles the wait.
		waitOver()
		login(h, "wrong-again").Fails(http.StatusUnauthorized, "unauthenticated")
		res := login(h, "password-clerk1")
		res.Fails(http.StatusTooManyRequests, "rate_limited")
		if ra, _ := strconv.Atoi(res.Header.Get("Retry-After")); ra <= 30 {
			t.Fatalf("after another failure the wait should grow past 30 s, got %s", res.Header.Get("Retry-After"))
		}
		// An admin's password reset lifts the backoff.
		id := db.Client.Staff.Query().Where(entstaff.Username("clerk1")).OnlyIDX(ctx)
		h.Do("PATCH", apitest.Path("/admin/v1/staff/%d", id), h.AdminToken, map[string]any{"password": "reset-password"}).OK(http.StatusOK, nil)
		h.Login("clerk1", "reset-password")

		// A username nobody has backs off exactly like one that exists: the
		// answers tell an attacker nothing.
		for i := range 7 {
			status, code := http.StatusUnauthorized, "unauthenticated"
			if i >= 5 {
				status, code = http.StatusTooManyRequests, "rate_limited"
			}
			h.Do("POST", "/admin/v1/login", "", map[string]string{"username": "nobody", "password": "guess-guess"}).Fails(status, code)
		}

		// bcrypt reads 72 bytes: a longer password is refused, not truncated.
		long := strings.Repeat("p", 73)
		login(h, long).Fails(http.StatusBadRequest, "invalid_argument")
	})
}

// TestLoginRacingAPasswordChange: a login checked against the old password
// while an admin changes it must not yield a token that outlives the
// change (the token carries the version the password was checked under).
func TestLoginRacingAPasswordChange(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		// A real bcrypt cost: checking a password and hashing the new one
		// take long enough for the two to overlap.
		h := apitest.New(t, db, func(c *config.Config, o *app.Options) { c.StaffLoginRate, o.BcryptCost = 10000, 8 })
		st := mustStore(t, h, "店", 31.2, 121.4)
		clerk, _ := mustStaff(t, h, "clerk1", "clerk", &st.ID)
		password := "password-clerk1"
		for i := range 20 {
			next := fmt.Sprintf("password-%02d-x", i)
			var wg sync.WaitGroup
			var login rawResult
			wg.Add(2)
			go func() {
				defer wg.Done()
				login = post(h, "/admin/v1/login", "", map[string]string{"username": "clerk1", "password": password})
			}()
			go func() {
				defer wg.Done()
				send(h, "PATCH", apitest.Path("/admin/v1/staff/%d", clerk.ID), h.AdminToken, map[string]string{"password": next})
			}()
			wg.Wait()
			password = next
			if login.Status != http.StatusOK {
				continue
			}
			var out struct{ Token string }
			if err := json.Unmarshal(login.Body, &out); err != nil {
				t.Fatal(err)
			}
			if r := send(h, "GET", "/admin/v1/me", out.Token, nil); r.Status != http.StatusUnauthorized {
				t.Fatalf("round %d: a token from a login racing the password change still works after it (%d)", i, r.Status)
			}
		}
	})
}

// TestBootstrapAdminLiftsABackoff: someone guessing at the admin's password
// blocks its logins; restarting with WEMART_ADMIN_USER/_PASSWORD (the
// operator's way back in) lifts the block, as the README promises.
func TestBootstrapAdminLiftsABackoff(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		h := apitest.New(t, db)
		for range 6 {
			h.Do("POST", "/admin/v1/login", "", map[string]string{"username": apitest.AdminUser, "password": "guess-guess"})
		}
		h.Do("POST", "/admin/v1/login", "", map[string]string{"username": apitest.AdminUser, "password": apitest.AdminPassword}).
			Fails(http.StatusTooManyRequests, "rate_limited")
		restarted := apitest.New(t, db) // logs in as the admin itself
		restarted.Do("GET", "/admin/v1/me", restarted.AdminToken, nil).OK(http.StatusOK, nil)
	})
}
