package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"wemart/ent"
	"wemart/ent/coupon"
	"wemart/server/api"
	"wemart/server/apitest"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

// couponTemplate and couponView are what the API answers (their shapes
// are checked against openapi.yaml by the harness).
type (
	couponTemplate = api.CouponTemplate
	couponView     = api.Coupon
)

const templatesPath = "/admin/v1/coupon-templates"

func templatePath(id int, suffix string) string {
	return apitest.Path("%s/%d%s", templatesPath, id, suffix)
}

// templateBody is a valid new template (¥5 off from ¥50, 100 of them, one
// a shopper, 30 days), with over's fields set (a nil value drops one).
func templateBody(over map[string]any) map[string]any {
	b := map[string]any{"name": "满50减5", "discount_fen": 500, "min_spend_fen": 5000, "total": 100,
		"per_shopper": 1, "valid_days": 30}
	for k, v := range over {
		if v == nil {
			delete(b, k)
		} else {
			b[k] = v
		}
	}
	return b
}

func mustTemplate(t *testing.T, h *apitest.Harness, over map[string]any) couponTemplate {
	t.Helper()
	var tpl couponTemplate
	h.Do("POST", templatesPath, h.AdminToken, templateBody(over)).OK(http.StatusCreated, &tpl)
	return tpl
}

func claim(t *testing.T, h *apitest.Harness, token string, templateID int) *apitest.Response {
	t.Helper()
	return h.Do("POST", "/api/v1/coupons", token, map[string]any{"template_id": templateID})
}

// reasonOf is the details.reason of an error answer.
func reasonOf(body []byte) string {
	var e apitest.ErrorBody
	_ = json.Unmarshal(body, &e)
	r, _ := e.Error.Details["reason"].(string)
	return r
}

// TestCouponTemplates: staff define, list, read and change templates; the
// defaults (claimable, empty description and lists) and the derived
// remaining are in the answer; total cannot go below what was issued;
// ends_at is only for fixed dates.
func TestCouponTemplates(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		h := apitest.New(t, db)
		st := mustStore(t, h, "人民广场店", 31.2304, 121.4737)
		p := mustProduct(t, h, "光明鲜牛奶", 1200)
		var cat struct{ ID int }
		h.Do("POST", "/admin/v1/categories", h.AdminToken, map[string]any{"name": "乳品"}).OK(http.StatusCreated, &cat)

		fixed := mustTemplate(t, h, nil)
		if fixed.ID == 0 || !fixed.Claimable || fixed.Status != "active" || fixed.Description != "" || fixed.Remaining != 100 ||
			fixed.Issued != 0 || fixed.DiscountFen == nil || *fixed.DiscountFen != 500 || fixed.PercentOff != nil ||
			fixed.StoreIDs == nil || len(fixed.StoreIDs) != 0 || fixed.ValidDays == nil || *fixed.ValidDays != 30 || fixed.EndsAt != nil {
			t.Fatalf("created %+v", fixed)
		}
		ends := time.Now().UTC().Add(72 * time.Hour).Truncate(time.Second)
		pct := mustTemplate(t, h, map[string]any{"name": "乳品九折", "discount_fen": nil, "percent_off": 10, "max_discount_fen": 2000,
			"valid_days": nil, "ends_at": ends, "description": "乳品类九折，最多减 ¥20", "claimable": false, "per_shopper": 3,
			"store_ids": []int{st.ID}, "category_ids": []int{cat.ID}, "product_ids": []int{p.ID}})
		if pct.PercentOff == nil || *pct.PercentOff != 10 || *pct.MaxDiscountFen != 2000 || pct.DiscountFen != nil || pct.Claimable ||
			pct.EndsAt == nil || !pct.EndsAt.Equal(ends) || pct.ValidDays != nil || pct.StoreIDs[0] != st.ID ||
			pct.CategoryIDs[0] != cat.ID || pct.ProductIDs[0] != p.ID {
			t.Fatalf("created %+v", pct)
		}

		var list struct{ Items []couponTemplate }
		h.Do("GET", templatesPath, h.AdminToken, nil).OK(http.StatusOK, &list)
		if len(list.Items) != 2 || list.Items[0].ID != pct.ID || list.Items[1].ID != fixed.ID {
			t.Fatalf("list %+v", list.Items)
		}
		var got couponTemplate
		h.Do("GET", templatePath(pct.ID, ""), h.AdminToken, nil).OK(http.StatusOK, &got)
		if got.Name != "乳品九折" || got.Description != pct.Description {
			t.Fatalf("get %+v", got)
		}
		h.Do("GET", templatePath(999999, ""), h.AdminToken, nil).Fails(http.StatusNotFound, "not_found")
		h.Do("PATCH", templatePath(999999, ""), h.AdminToken, map[string]any{"status": "paused"}).Fails(http.StatusNotFound, "not_found")

		// Three issued; the total may come down to three, not below.
		shoppers := []int{}
		for i := range 3 {
			shoppers = append(shoppers, mustShopper(t, h, fmt.Sprintf("tpl-shopper-%d", i)).User.ID)
		}
		for _, id := range shoppers {
			h.Do("POST", templatePath(fixed.ID, "/issue"), h.AdminToken, map[string]any{"shopper_id": id}).OK(http.StatusCreated, nil)
		}
		e := h.Do("PATCH", templatePath(fixed.ID, ""), h.AdminToken, map[string]any{"total": 2}).Fails(http.StatusConflict, "conflict")
		if e.Error.Field != "total" || e.Error.Details["issued"] != float64(3) {
			t.Fatalf("total below issued: %+v", e.Error)
		}
		var changed couponTemplate
		h.Do("PATCH", templatePath(fixed.ID, ""), h.AdminToken, map[string]any{"total": 3, "name": "满50减5（限量）",
			"description": "先到先得", "status": "paused"}).OK(http.StatusOK, &changed)
		if changed.Total != 3 || changed.Issued != 3 || changed.Remaining != 0 || changed.Status != "paused" ||
			changed.Name != "满50减5（限量）" || changed.Description != "先到先得" {
			t.Fatalf("patched %+v", changed)
		}
		h.Do("PATCH", templatePath(fixed.ID, ""), h.AdminToken, map[string]any{"status": "gone"}).Fails(http.StatusBadRequest, "invalid_argument")
		e = h.Do("PATCH", templatePath(fixed.ID, ""), h.AdminToken, map[string]any{"ends_at": ends}).Fails(http.StatusBadRequest, "invalid_argument")
		if e.Error.Field != "ends_at" {
			t.Fatalf("ends_at on a valid_days template: %+v", e.Error)
		}
		e = h.Do("PATCH", templatePath(pct.ID, ""), h.AdminToken, map[string]any{"ends_at": time.Now().Add(-time.Hour)}).
			Fails(http.StatusBadRequest, "invalid_argument")
		if e.Error.Field != "ends_at" {
			t.Fatalf("ends_at in the past: %+v", e.Error)
		}
		later := ends.Add(24 * time.Hour)
		h.Do("PATCH", templatePath(pct.ID, ""), h.AdminToken, map[string]any{"ends_at": later}).OK(http.StatusOK, &changed)
		if !changed.EndsAt.Equal(later) {
			t.Fatalf("ends_at moved to %v", changed.EndsAt)
		}
	})
}

// TestCouponTemplateValidation: every bad template is 400 naming the
// field at fault, and none is created.
func TestCouponTemplateValidation(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		h := apitest.New(t, db)
		st := mustStore(t, h, "人民广场店", 31.2304, 121.4737)
		past := time.Now().UTC().Add(-time.Hour)
		soon := time.Now().UTC().Add(time.Hour)
		cases := []struct {
			field string
			over  map[string]any
		}{
			{"percent_off", map[string]any{"percent_off": 10}},
			{"discount_fen", map[string]any{"discount_fen": nil}},
			{"percent_off", map[string]any{"discount_fen": nil, "percent_off": 0}},
			{"percent_off", map[string]any{"discount_fen": nil, "percent_off": 100}},
			{"discount_fen", map[string]any{"discount_fen": -1}},
			{"discount_fen", map[string]any{"discount_fen": 0}},
			{"min_spend_fen", map[string]any{"min_spend_fen": -100}},
			{"min_spend_fen", map[string]any{"min_spend_fen": nil}},
			{"max_discount_fen", map[string]any{"max_discount_fen": 300}},
			{"max_discount_fen", map[string]any{"discount_fen": nil, "percent_off": 10, "max_discount_fen": -5}},
			{"valid_days", map[string]any{"ends_at": soon}},
			{"valid_days", map[string]any{"valid_days": nil}},
			{"valid_days", map[string]any{"valid_days": 0}},
			{"valid_days", map[string]any{"valid_days": 3651}},
			{"ends_at", map[string]any{"valid_days": nil, "ends_at": past}},
			{"ends_at", map[string]any{"valid_days": nil, "ends_at": soon, "starts_at": soon.Add(time.Minute)}},
			// Dates past any calendar the databases keep (year 10000, before year 1).
			{"starts_at", map[string]any{"starts_at": "0000-01-01T00:00:00+01:00"}},
			{"starts_at", map[string]any{"starts_at": "9999-12-31T23:59:59Z"}},
			{"ends_at", map[string]any{"valid_days": nil, "ends_at": "9999-12-31T23:59:59Z"}},
			{"total", map[string]any{"total": 0}},
			{"total", map[string]any{"total": -3}},
			{"total", map[string]any{"total": nil}},
			{"per_shopper", map[string]any{"per_shopper": 0}},
			{"per_shopper", map[string]any{"per_shopper": 101}},
			{"name", map[string]any{"name": " "}},
			{"name", map[string]any{"name": strings.Repeat("券", 41)}},
			{"description", map[string]any{"description": strings.Repeat("券", 201)}},
			{"store_ids[1]", map[string]any{"store_ids": []int{st.ID, 999999}}},
			{"store_ids[1]", map[string]any{"store_ids": []int{st.ID, st.ID}}},
			{"store_ids[0]", map[string]any{"store_ids": []int{0}}},
			{"category_ids[0]", map[string]any{"category_ids": []int{999999}}},
			{"product_ids[0]", map[string]any{"product_ids": []int{999999}}},
			{"claimable", map[string]any{"claimable": "yes"}},
			{"kind", map[string]any{"kind": "fixed"}},
		}
		for _, c := range cases {
			e := h.Do("POST", templatesPath, h.AdminToken, templateBody(c.over)).Fails(http.StatusBadRequest, "invalid_argument")
			if e.Error.Field != c.field {
				t.Errorf("%v: field %q (%s), want %q", c.over, e.Error.Field, e.Error.Message, c.field)
			}
		}
		if n := db.Client.CouponTemplate.Query().CountX(context.Background()); n != 0 {
			t.Fatalf("%d templates created by bad requests", n)
		}
	})
}

// TestCouponClaimsRace: 100 shoppers claim the last 10 coupons of a
// template at once: exactly 10 get one (201), 90 are refused (409
// conflict, sold_out), the template counts 10 issued and there are 10
// coupons. One shopper claiming 20 times at once gets exactly their limit
// of 2, and the refused claims leave no count behind.
func TestCouponClaimsRace(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		h := apitest.New(t, db)
		tpl := mustTemplate(t, h, map[string]any{"total": 10, "min_spend_fen": 0})
		var tokens []string
		for i := range 100 {
			tokens = append(tokens, mustShopper(t, h, fmt.Sprintf("racer-%d", i)).Token)
		}
		answers := raceAll([]*apitest.Harness{h}, 100, func(i int, h *apitest.Harness) rawResult {
			return post(h, "/api/v1/coupons", tokens[i], map[string]any{"template_id": tpl.ID})
		})
		counts := map[int]int{}
		for _, a := range answers {
			counts[a.Status]++
			if a.Status == http.StatusConflict && (a.Code != "conflict" || reasonOf(a.Body) != "sold_out") {
				t.Fatalf("refused claim: %s", a.Body)
			}
		}
		if counts[http.StatusCreated] != 10 || counts[http.StatusConflict] != 90 {
			t.Fatalf("100 racing claims of 10 coupons: %v", counts)
		}
		if got := db.Client.CouponTemplate.GetX(ctx, tpl.ID); got.Issued != 10 {
			t.Fatalf("issued %d, want 10", got.Issued)
		}
		if n := db.Client.Coupon.Query().Where(coupon.TemplateID(tpl.ID)).CountX(ctx); n != 10 {
			t.Fatalf("%d coupons, want 10", n)
		}

		two := mustTemplate(t, h, map[string]any{"name": "每人两张", "per_shopper": 2, "total": 100})
		me := tokens[0]
		answers = raceAll([]*apitest.Harness{h}, 20, func(int, *apitest.Harness) rawResult {
			return post(h, "/api/v1/coupons", me, map[string]any{"template_id": two.ID})
		})
		counts = map[int]int{}
		for _, a := range answers {
			counts[a.Status]++
			if a.Status == http.StatusConflict && reasonOf(a.Body) != "limit" {
				t.Fatalf("refused claim: %s", a.Body)
			}
		}
		if counts[http.StatusCreated] != 2 || counts[http.StatusConflict] != 18 {
			t.Fatalf("20 racing claims of one shopper, limit 2: %v", counts)
		}
		if got := db.Client.CouponTemplate.GetX(ctx, two.ID); got.Issued != 2 {
			t.Fatalf("issued %d after the limit refused 18, want 2", got.Issued)
		}
		var mine struct{ Items []couponView }
		h.Do("GET", "/api/v1/coupons?status=unused", me, nil).OK(http.StatusOK, &mine)
		n := 0
		for _, c := range mine.Items {
			if c.TemplateID == two.ID {
				n++
			}
		}
		if n != 2 {
			t.Fatalf("the shopper holds %d coupons of the template, want 2", n)
		}
	})
}

// TestCouponClaims: what shoppers see as claimable, claiming one (the
// coupon carries its template's terms), and every refusal: paused, not
// claimable, not started, ended (409 with the reason), unknown (404).
func TestCouponClaims(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		clock := apitest.NewClock(time.Now().UTC().Truncate(time.Second))
		h := apitest.New(t, db, apitest.WithClock(clock))
		st := mustStore(t, h, "人民广场店", 31.2304, 121.4737)
		other := mustStore(t, h, "徐家汇店", 31.19, 121.43)
		tok := mustShopper(t, h, "claimer").Token

		open := mustTemplate(t, h, map[string]any{"per_shopper": 2})
		here := mustTemplate(t, h, map[string]any{"name": "本店专享", "store_ids": []int{st.ID}})
		paused := mustTemplate(t, h, map[string]any{"name": "暂停"})
		h.Do("PATCH", templatePath(paused.ID, ""), h.AdminToken, map[string]any{"status": "paused"}).OK(http.StatusOK, nil)
		staffOnly := mustTemplate(t, h, map[string]any{"name": "员工发放", "claimable": false})
		later := mustTemplate(t, h, map[string]any{"name": "明天开抢", "starts_at": clock.Now().Add(24 * time.Hour)})
		ending := mustTemplate(t, h, map[string]any{"name": "限时", "valid_days": nil, "ends_at": clock.Now().Add(time.Hour)})
		gone := mustTemplate(t, h, map[string]any{"name": "一张", "total": 1})
		claim(t, h, mustShopper(t, h, "first").Token, gone.ID).OK(http.StatusCreated, nil)

		type shopTemplate struct {
			couponTemplate
			ClaimedByMe int  `json:"claimed_by_me"`
			CanClaim    bool `json:"can_claim"`
		}
		listed := func(query string) map[int]shopTemplate {
			var list struct{ Items []shopTemplate }
			h.Do("GET", "/api/v1/coupon-templates"+query, tok, nil).OK(http.StatusOK, &list)
			out := map[int]shopTemplate{}
			for _, it := range list.Items {
				out[it.ID] = it
			}
			return out
		}
		all := listed("")
		if len(all) != 3 || all[open.ID].Remaining != 100 || all[open.ID].ClaimedByMe != 0 || !all[open.ID].CanClaim ||
			all[here.ID].ID == 0 || all[ending.ID].ID == 0 {
			t.Fatalf("claimable: %+v", all)
		}
		if at := listed(apitest.Path("?store_id=%d", other.ID)); len(at) != 2 || at[here.ID].ID != 0 {
			t.Fatalf("claimable at another store: %+v", at)
		}

		var c couponView
		claim(t, h, tok, open.ID).OK(http.StatusCreated, &c)
		if c.ID == 0 || c.Status != "unused" || c.TemplateID != open.ID || c.Name != "满50减5" || *c.DiscountFen != 500 ||
			c.MinSpendFen != 5000 || c.Source != "claim" || c.OrderID != nil || !c.ValidFrom.Equal(clock.Now()) ||
			!c.ValidUntil.Equal(clock.Now().AddDate(0, 0, 30)) || c.StoreIDs == nil {
			t.Fatalf("claimed %+v", c)
		}
		claim(t, h, tok, open.ID).OK(http.StatusCreated, nil)
		if e := claim(t, h, tok, open.ID).Fails(http.StatusConflict, "conflict"); e.Error.Details["reason"] != "limit" {
			t.Fatalf("over the limit: %+v", e.Error)
		}
		if it := listed("")[open.ID]; it.ClaimedByMe != 2 || it.CanClaim || it.Remaining != 98 {
			t.Fatalf("after two claims: %+v", it)
		}

		for tpl, reason := range map[int]string{paused.ID: "paused", staffOnly.ID: "not_claimable", later.ID: "not_started", gone.ID: "sold_out"} {
			if e := claim(t, h, tok, tpl).Fails(http.StatusConflict, "conflict"); e.Error.Details["reason"] != reason {
				t.Fatalf("template %d: %+v, want %s", tpl, e.Error, reason)
			}
		}
		claim(t, h, tok, 999999).Fails(http.StatusNotFound, "not_found")
		e := h.Do("POST", "/api/v1/coupons", tok, map[string]any{}).Fails(http.StatusBadRequest, "invalid_argument")
		if e.Error.Field != "template_id" {
			t.Fatalf("no template: %+v", e.Error)
		}
		h.Do("POST", "/api/v1/coupons", "", map[string]any{"template_id": open.ID}).Fails(http.StatusUnauthorized, "unauthenticated")

		clock.Advance(2 * time.Hour)
		if e := claim(t, h, tok, ending.ID).Fails(http.StatusConflict, "conflict"); e.Error.Details["reason"] != "ended" {
			t.Fatalf("ended: %+v", e.Error)
		}
		clock.Advance(23 * time.Hour)
		claim(t, h, tok, later.ID).OK(http.StatusCreated, nil)
		if ls := listed(""); ls[later.ID].ClaimedByMe != 1 || ls[ending.ID].ID != 0 {
			t.Fatalf("a day later: %+v", ls)
		}
	})
}

// TestMyCoupons: the shopper's coupons by status; an unused coupon past
// its validity is listed, and shown, as expired; a bad status is 400.
func TestMyCoupons(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		clock := apitest.NewClock(time.Now().UTC().Truncate(time.Second))
		h := apitest.New(t, db, apitest.WithClock(clock))
		me := mustShopper(t, h, "holder")
		tok := me.Token
		short := mustTemplate(t, h, map[string]any{"name": "一天", "valid_days": 1})
		long := mustTemplate(t, h, map[string]any{"name": "一月", "per_shopper": 3})
		var expiring, a, b couponView
		claim(t, h, tok, short.ID).OK(http.StatusCreated, &expiring)
		claim(t, h, tok, long.ID).OK(http.StatusCreated, &a)
		claim(t, h, tok, long.ID).OK(http.StatusCreated, &b)
		claim(t, h, mustShopper(t, h, "someone-else").Token, long.ID).OK(http.StatusCreated, nil)
		// b is locked by an order (as checkout does).
		err := storage.WithTx(ctx, db.Client, func(tx *ent.Tx) error { return h.App.Coupons.Lock(ctx, tx, b.ID, me.User.ID, 77) })
		if err != nil {
			t.Fatal(err)
		}

		expiringStatus := "unused"
		ids := func(status string) []int {
			var list struct{ Items []couponView }
			h.Do("GET", "/api/v1/coupons"+status, tok, nil).OK(http.StatusOK, &list)
			out := []int{}
			for _, c := range list.Items {
				out = append(out, c.ID)
				if c.ID == b.ID && (c.Status != "locked" || c.OrderID == nil || *c.OrderID != 77) {
					t.Fatalf("locked coupon %+v", c)
				}
				if c.ID == expiring.ID && c.Status != expiringStatus {
					t.Fatalf("coupon %+v, want status %s", c, expiringStatus)
				}
			}
			return out
		}
		if got := ids("?status=unused"); fmt.Sprint(got) != fmt.Sprint([]int{expiring.ID, a.ID}) {
			t.Fatalf("unused %v", got)
		}
		if got := ids("?status=locked"); fmt.Sprint(got) != fmt.Sprint([]int{b.ID}) {
			t.Fatalf("locked %v", got)
		}
		if got := ids("?status=expired"); len(got) != 0 {
			t.Fatalf("expired %v", got)
		}
		clock.Advance(25 * time.Hour)
		expiringStatus = "expired"
		if got := ids("?status=expired"); fmt.Sprint(got) != fmt.Sprint([]int{expiring.ID}) {
			t.Fatalf("expired after a day %v", got)
		}
		if got := ids("?status=unused"); fmt.Sprint(got) != fmt.Sprint([]int{a.ID}) {
			t.Fatalf("unused after a day %v", got)
		}
		if got := ids(""); len(got) != 3 {
			t.Fatalf("every coupon %v", got)
		}
		if got := ids("?status=used"); len(got) != 0 {
			t.Fatalf("used %v", got)
		}
		e := h.Do("GET", "/api/v1/coupons?status=bogus", tok, nil).Fails(http.StatusBadRequest, "invalid_argument")
		if e.Error.Field != "status" {
			t.Fatalf("bad status: %+v", e.Error)
		}
	})
}

// TestCouponIssueByStaff: staff who manage promotions give a shopper a
// coupon (also of a template shoppers cannot claim); a clerk, a manager
// bound to a store, and a shopper token are refused; unknown shoppers
// and templates are 404; the limits of a claim hold.
func TestCouponIssueByStaff(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		h := apitest.New(t, db)
		st := mustStore(t, h, "人民广场店", 31.2304, 121.4737)
		_, clerk := mustStaff(t, h, "clerk-coupons", "clerk", &st.ID)
		_, storeMgr := mustStaff(t, h, "manager-store", "manager", &st.ID)
		_, chainMgr := mustStaff(t, h, "manager-all", "manager", nil)
		sh := mustShopper(t, h, "gifted")
		tpl := mustTemplate(t, h, map[string]any{"name": "会员礼券", "claimable": false, "per_shopper": 2})
		body := map[string]any{"shopper_id": sh.User.ID}

		var c couponView
		h.Do("POST", templatePath(tpl.ID, "/issue"), h.AdminToken, body).OK(http.StatusCreated, &c)
		if c.Status != "unused" || c.Source != "staff" || c.TemplateID != tpl.ID {
			t.Fatalf("issued %+v", c)
		}
		for _, tok := range []string{clerk, storeMgr} {
			h.Do("POST", templatePath(tpl.ID, "/issue"), tok, body).Fails(http.StatusForbidden, "permission_denied")
			h.Do("POST", templatesPath, tok, templateBody(nil)).Fails(http.StatusForbidden, "permission_denied")
			h.Do("GET", templatesPath, tok, nil).Fails(http.StatusForbidden, "permission_denied")
		}
		h.Do("POST", templatePath(tpl.ID, "/issue"), chainMgr, body).OK(http.StatusCreated, nil)
		if e := h.Do("POST", templatePath(tpl.ID, "/issue"), h.AdminToken, body).Fails(http.StatusConflict, "conflict"); e.Error.Details["reason"] != "limit" {
			t.Fatalf("third coupon: %+v", e.Error)
		}
		h.Do("POST", templatePath(tpl.ID, "/issue"), h.AdminToken, map[string]any{"shopper_id": 999999}).Fails(http.StatusNotFound, "not_found")
		h.Do("POST", templatePath(999999, "/issue"), h.AdminToken, body).Fails(http.StatusNotFound, "not_found")
		e := h.Do("POST", templatePath(tpl.ID, "/issue"), h.AdminToken, map[string]any{}).Fails(http.StatusBadRequest, "invalid_argument")
		if e.Error.Field != "shopper_id" {
			t.Fatalf("no shopper: %+v", e.Error)
		}
		// A shopper's token opens no staff route.
		for _, r := range []struct {
			method, path string
			body         any
		}{
			{"GET", templatesPath, nil}, {"POST", templatesPath, templateBody(nil)},
			{"GET", templatePath(tpl.ID, ""), nil}, {"PATCH", templatePath(tpl.ID, ""), map[string]any{"status": "paused"}},
			{"POST", templatePath(tpl.ID, "/issue"), body},
		} {
			h.Do(r.method, r.path, sh.Token, r.body).Fails(http.StatusUnauthorized, "unauthenticated")
		}
		if got := db.Client.CouponTemplate.GetX(context.Background(), tpl.ID); got.Issued != 2 || got.Status != "active" {
			t.Fatalf("template after refused calls: %+v", got)
		}
		if n := db.Client.CouponTemplate.Query().CountX(context.Background()); n != 1 {
			t.Fatalf("%d templates after refused creates", n)
		}
	})
}
