package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"wemart/ent/countersale"
	"wemart/ent/pointentry"
	"wemart/server/api"
	"wemart/server/apitest"
	"wemart/server/members"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

// The answers of the membership API (their shapes are checked against
// openapi.yaml by the harness).
type (
	points      = api.Points
	membership  = api.Membership
	memberCode  = api.MemberCode
	memberScan  = api.MemberScan
	counterSale = api.CounterSale
	memberLevel = api.MemberLevel
)

func myPoints(t *testing.T, h *apitest.Harness, token, query string) points {
	t.Helper()
	var p points
	h.Do("GET", "/api/v1/me/points"+query, token, nil).OK(http.StatusOK, &p)
	return p
}

func myMembership(t *testing.T, h *apitest.Harness, token string) membership {
	t.Helper()
	var m membership
	h.Do("GET", "/api/v1/me/member", token, nil).OK(http.StatusOK, &m)
	return m
}

func newCode(t *testing.T, h *apitest.Harness, token string) memberCode {
	t.Helper()
	var c memberCode
	h.Do("GET", "/api/v1/me/member-code", token, nil).OK(http.StatusOK, &c)
	return c
}

func scan(h *apitest.Harness, token, code string, storeID int) *apitest.Response {
	return h.Do("POST", "/admin/v1/members/scan", token, map[string]any{"code": code, "store_id": storeID})
}

func mustScan(t *testing.T, h *apitest.Harness, token, code string, storeID int) memberScan {
	t.Helper()
	var s memberScan
	scan(h, token, code, storeID).OK(http.StatusOK, &s)
	return s
}

func salePath(storeID int) string { return apitest.Path("/admin/v1/stores/%d/counter-sales", storeID) }

func sale(scanID int, amount int64, receipt string) map[string]any {
	return map[string]any{"scan_id": scanID, "amount_fen": amount, "receipt_no": receipt}
}

// wantReason fails unless the error's details.reason is reason.
func wantReason(t *testing.T, e apitest.ErrorBody, reason string) {
	t.Helper()
	if e.Error.Details["reason"] != reason {
		t.Fatalf("error %+v, want reason %q", e.Error, reason)
	}
}

// counter is two stores, a clerk of each, and a logged-in shopper with a
// nickname, on a clock the test moves.
type counter struct {
	h              *apitest.Harness
	clock          *apitest.Clock
	a, b           store
	clerkA, clerkB string
	me             login
}

func newCounter(t *testing.T, db *storage.DB) counter {
	t.Helper()
	c := counter{clock: apitest.NewClock(time.Now())}
	c.h = apitest.New(t, db, apitest.WithClock(c.clock))
	c.a = mustStore(t, c.h, "A店", 31.23, 121.47)
	c.b = mustStore(t, c.h, "B店", 31.30, 121.50)
	_, c.clerkA = mustStaff(t, c.h, "clerk-a", "clerk", &c.a.ID)
	_, c.clerkB = mustStaff(t, c.h, "clerk-b", "clerk", &c.b.ID)
	c.me = mustShopper(t, c.h, "member-"+t.Name())
	c.h.Do("PATCH", "/api/v1/me", c.me.Token, map[string]any{"nickname": "小明"}).OK(http.StatusOK, nil)
	return c
}

// TestMyPoints: paying an order earns its points pending, with the order
// named; check-ins add available points; the ledger pages newest first by
// before/limit, and bad paging is 400.
func TestMyPoints(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		clock := apitest.NewClock(time.Now())
		s := newShop(t, db, apitest.WithClock(clock))
		h, me := s.h, s.shopper.Token
		if p := myPoints(t, h, me, ""); p.Available != 0 || p.Pending != 0 || len(p.Items) != 0 || p.NextBefore != nil {
			t.Fatalf("a new shopper's points %+v", p)
		}
		a := s.mustOrder(s.milk, 2) // ¥25.80: 25 points
		s.pay(a.Payment.prepayID(), true)
		s.eventuallyStatus(a.Order.ID, "paid")
		p := myPoints(t, h, me, "")
		if p.Pending != 25 || p.Available != 0 || len(p.Items) != 1 || p.Items[0].Kind != "earn" ||
			p.Items[0].OrderID == nil || *p.Items[0].OrderID != a.Order.ID || p.Items[0].PendingDelta != 25 || p.Items[0].Note == "" {
			t.Fatalf("points after paying: %+v", p)
		}
		for range 4 {
			h.Do("POST", "/api/v1/me/checkins", me, nil).OK(http.StatusCreated, nil)
			clock.Advance(24 * time.Hour)
		}
		all := myPoints(t, h, me, "")
		if all.Available != 40 || all.Pending != 25 || len(all.Items) != 5 || all.NextBefore != nil {
			t.Fatalf("points after 4 check-ins: %+v", all)
		}
		var ids []int
		before := ""
		for page := 0; ; page++ {
			p := myPoints(t, h, me, "?limit=2"+before)
			for _, e := range p.Items {
				ids = append(ids, e.ID)
			}
			if p.NextBefore == nil {
				break
			}
			if len(p.Items) != 2 || page > 3 {
				t.Fatalf("page %d: %+v", page, p)
			}
			before = apitest.Path("&before=%d", *p.NextBefore)
		}
		if len(ids) != 5 {
			t.Fatalf("paged ids %v, want all 5", ids)
		}
		for i, e := range all.Items {
			if ids[i] != e.ID || (i > 0 && e.ID >= all.Items[i-1].ID) {
				t.Fatalf("pages %v, not the ledger newest first %+v", ids, all.Items)
			}
		}
		if all.Items[4].Kind != "earn" || all.Items[0].Kind != "checkin" || all.Items[0].OrderID != nil {
			t.Fatalf("ledger %+v", all.Items)
		}
		for _, q := range []string{"?limit=0", "?limit=101", "?before=0", "?before=x"} {
			h.Do("GET", "/api/v1/me/points"+q, me, nil).Fails(http.StatusBadRequest, "invalid_argument")
		}
		h.Do("GET", "/api/v1/me/points", "", nil).Fails(http.StatusUnauthorized, "unauthenticated")
	})
}

// TestCheckIns: once a Beijing day: the second the same day is 409, and
// of 20 racing check-ins exactly one is 201; the next day (from midnight
// in Beijing, 16:00 UTC) may check in again.
func TestCheckIns(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		day := time.Now().UTC().Truncate(24 * time.Hour)
		clock := apitest.NewClock(day.Add(15*time.Hour + 59*time.Minute)) // 23:59 in Beijing
		h := apitest.New(t, db, apitest.WithClock(clock))
		me := mustShopper(t, h, "checkin-shopper").Token
		if m := myMembership(t, h, me); m.CheckedInToday || m.CheckinPoints != 10 {
			t.Fatalf("membership before checking in %+v", m)
		}
		var c api.CheckinResult
		h.Do("POST", "/api/v1/me/checkins", me, nil).OK(http.StatusCreated, &c)
		if c.Day != members.Day(clock.Now()) || c.Points != 10 || c.Available != 10 || c.Day != day.Format(time.DateOnly) {
			t.Fatalf("check-in %+v", c)
		}
		if m := myMembership(t, h, me); !m.CheckedInToday || m.Points.Available != 10 {
			t.Fatalf("membership after checking in %+v", m)
		}
		e := h.Do("POST", "/api/v1/me/checkins", me, nil).Fails(http.StatusConflict, "conflict")
		wantReason(t, e, "checked_in")

		clock.Advance(time.Minute) // midnight in Beijing
		if m := myMembership(t, h, me); m.CheckedInToday {
			t.Fatal("checked in today at midnight")
		}
		h.Do("POST", "/api/v1/me/checkins", me, nil).OK(http.StatusCreated, &c)
		if c.Available != 20 || c.Day != day.Add(24*time.Hour).Format(time.DateOnly) {
			t.Fatalf("the next day's check-in %+v", c)
		}

		racer := mustShopper(t, h, "checkin-racer").Token
		// Two processes, as behind a load balancer.
		hs := []*apitest.Harness{h, apitest.New(t, db, apitest.WithClock(clock))}
		counts := race(hs, 20, func(_ int, h *apitest.Harness) rawResult { return post(h, "/api/v1/me/checkins", racer, nil) })
		if p := myPoints(t, h, racer, ""); counts[http.StatusCreated] != 1 || counts[http.StatusConflict] != 19 ||
			p.Available != 10 || len(p.Items) != 1 {
			t.Fatalf("20 racing check-ins answered %v; points %+v", counts, p)
		}
	})
}

// TestMemberCodeScan: staff of the store scan a shopper's member code and
// see the member; an altered code is 400, an expired one 409 (expired),
// one scanned before 409 (used); a clerk of another store is 403.
func TestMemberCodeScan(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		c := newCounter(t, db)
		h, clock, a, b, clerkA, clerkB, me := c.h, c.clock, c.a, c.b, c.clerkA, c.clerkB, c.me
		h.Do("POST", "/api/v1/me/checkins", me.Token, nil).OK(http.StatusCreated, nil)

		code := newCode(t, h, me.Token)
		if len(code.Code) > 128 || code.RefreshAfterS != 30 || !code.ExpiresAt.After(clock.Now()) ||
			code.ExpiresAt.After(clock.Now().Add(time.Minute)) || strings.IndexFunc(code.Code, func(r rune) bool { return r < '!' || r > '~' }) >= 0 {
			t.Fatalf("member code %+v", code)
		}
		if again := newCode(t, h, me.Token); again.Code == code.Code {
			t.Fatal("two calls gave the same code")
		}
		sc := mustScan(t, h, clerkA, code.Code, a.ID)
		if sc.ScanID == 0 || sc.Member.ShopperID != me.User.ID || sc.Member.Nickname != "小明" ||
			sc.Member.Level.Name != "普通会员" || sc.Member.PointsAvailable != 10 || !sc.ExpiresAt.After(clock.Now().Add(9*time.Minute)) {
			t.Fatalf("scan %+v", sc)
		}
		wantReason(t, scan(h, clerkA, code.Code, a.ID).Fails(http.StatusConflict, "conflict"), "used")

		// Altered: another shopper's id under the same signature, a
		// flipped signature character, junk.
		fresh := newCode(t, h, me.Token).Code
		parts := strings.Split(fresh, ".")
		other := strings.Join(append([]string{parts[0], "999"}, parts[2:]...), ".")
		sig := []byte(fresh)
		if sig[len(sig)-2] == 'A' {
			sig[len(sig)-2] = 'B'
		} else {
			sig[len(sig)-2] = 'A'
		}
		for _, bad := range []string{other, string(sig), "", "wm1.1.2.3.4", strings.Repeat("x", 200)} {
			e := scan(h, clerkA, bad, a.ID).Fails(http.StatusBadRequest, "invalid_argument")
			if e.Error.Field != "code" {
				t.Fatalf("altered code: %+v", e.Error)
			}
		}
		// A clerk of store B may not scan for store A, nor without a store.
		scan(h, clerkB, fresh, a.ID).Fails(http.StatusForbidden, "permission_denied")
		h.Do("POST", "/admin/v1/members/scan", clerkB, map[string]any{"code": fresh}).Fails(http.StatusBadRequest, "invalid_argument")
		h.Do("POST", "/admin/v1/members/scan", clerkB, `{"code": "x", "store_id": "1"}`).Fails(http.StatusBadRequest, "invalid_argument")
		h.Do("POST", "/admin/v1/members/scan", clerkB, `[]`).Fails(http.StatusBadRequest, "invalid_argument")
		scan(h, "", fresh, a.ID).Fails(http.StatusUnauthorized, "unauthenticated")
		scan(h, h.AdminToken, fresh, 99999).Fails(http.StatusBadRequest, "invalid_argument")
		// The refused scans left the code unused: store B's clerk scans it at B.
		mustScan(t, h, clerkB, fresh, b.ID)

		late := newCode(t, h, me.Token).Code
		clock.Advance(61 * time.Second)
		wantReason(t, scan(h, clerkA, late, a.ID).Fails(http.StatusConflict, "conflict"), "expired")
	})
}

// TestCounterSales: a scanned member's purchase at the counter gives her
// points at once and counts for her level; the same receipt again is the
// same sale (200), with another body 409; bad amounts are 400 and change
// nothing; a scan expired, used or of another store is 409.
func TestCounterSales(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		c := newCounter(t, db)
		h, clock, a, b, clerkA, clerkB, me := c.h, c.clock, c.a, c.b, c.clerkA, c.clerkB, c.me
		sc := mustScan(t, h, clerkA, newCode(t, h, me.Token).Code, a.ID)

		countSales := func() int { return db.Client.CounterSale.Query().CountX(t.Context()) }
		for _, bad := range []map[string]any{
			sale(sc.ScanID, 0, "R1"), sale(sc.ScanID, -100, "R1"), sale(sc.ScanID, 10_000_001, "R1"),
			sale(sc.ScanID, 100, ""), sale(sc.ScanID, 100, "R 1"), sale(sc.ScanID, 100, "小票1"),
			sale(sc.ScanID, 100, strings.Repeat("R", 33)), sale(0, 100, "R1"),
			{"scan_id": sc.ScanID, "amount_fen": 1.5, "receipt_no": "R1"},
		} {
			h.Do("POST", salePath(a.ID), clerkA, bad).Fails(http.StatusBadRequest, "invalid_argument")
		}
		if n := countSales(); n != 0 || myPoints(t, h, me.Token, "").Available != 0 {
			t.Fatalf("refused sales changed something: %d sales", n)
		}
		// A clerk of store B may not record at A; the scan is A's.
		h.Do("POST", salePath(a.ID), clerkB, sale(sc.ScanID, 66_600, "R1")).Fails(http.StatusForbidden, "permission_denied")
		wantReason(t, h.Do("POST", salePath(b.ID), clerkB, sale(sc.ScanID, 66_600, "R1")).Fails(http.StatusConflict, "conflict"), "store")
		h.Do("POST", salePath(a.ID), clerkA, sale(99999, 66_600, "R1")).Fails(http.StatusNotFound, "not_found")
		h.Do("POST", salePath(999999), h.AdminToken, sale(sc.ScanID, 66_600, "R1")).Fails(http.StatusNotFound, "not_found") // no such store

		var s1 counterSale
		h.Do("POST", salePath(a.ID), clerkA, sale(sc.ScanID, 66_650, "R1")).OK(http.StatusCreated, &s1)
		if s1.Points != 666 || s1.Available != 666 || s1.ShopperID != me.User.ID || s1.StoreID != a.ID || s1.ReceiptNo != "R1" {
			t.Fatalf("sale %+v", s1)
		}
		p := myPoints(t, h, me.Token, "")
		if p.Available != 666 || p.Pending != 0 || p.Items[0].Kind != "counter_sale" {
			t.Fatalf("points after the sale %+v", p)
		}
		m := myMembership(t, h, me.Token)
		if m.Level.Name != "银卡" || m.SpendFen != 66_650 || m.Next == nil || m.Next.Name != "金卡" || m.Next.MissingFen != 200_000-66_650 {
			t.Fatalf("membership after the sale %+v", m)
		}
		// Retried: the same sale; another body: 409.
		var again counterSale
		h.Do("POST", salePath(a.ID), clerkA, sale(sc.ScanID, 66_650, "R1")).OK(http.StatusOK, &again)
		if again.ID != s1.ID || again.Points != 666 || again.Available != 666 {
			t.Fatalf("retried sale %+v, first %+v", again, s1)
		}
		wantReason(t, h.Do("POST", salePath(a.ID), clerkA, sale(sc.ScanID, 100, "R1")).Fails(http.StatusConflict, "conflict"), "receipt")
		// The scan is used: a new receipt needs a new scan.
		wantReason(t, h.Do("POST", salePath(a.ID), clerkA, sale(sc.ScanID, 100, "R2")).Fails(http.StatusConflict, "conflict"), "used")
		// The same receipt number at another store is another sale.
		scB := mustScan(t, h, clerkB, newCode(t, h, me.Token).Code, b.ID)
		h.Do("POST", salePath(b.ID), clerkB, sale(scB.ScanID, 99, "R1")).OK(http.StatusCreated, &again)
		if again.Points != 0 || again.Available != 666 {
			t.Fatalf("a sale under ¥1: %+v", again)
		}
		// A scan past its 10 minutes.
		old := mustScan(t, h, clerkA, newCode(t, h, me.Token).Code, a.ID)
		clock.Advance(members.ScanTTL + time.Second)
		wantReason(t, h.Do("POST", salePath(a.ID), clerkA, sale(old.ScanID, 5_000, "R3")).Fails(http.StatusConflict, "conflict"), "expired")
		if n := countSales(); n != 2 || myPoints(t, h, me.Token, "").Available != 666 {
			t.Fatalf("%d sales after the refusals", n)
		}
		if n := db.Client.PointEntry.Query().Where(pointentry.KindEQ(pointentry.KindCounterSale)).CountX(t.Context()); n != 1 {
			t.Fatalf("%d counter sale entries, want 1 (the ¥0.99 sale earns none)", n)
		}
		if db.Client.CounterSale.Query().Where(countersale.ReceiptNo("R1"), countersale.StoreID(a.ID)).OnlyX(t.Context()).StaffID == 0 {
			t.Fatal("the sale does not say who recorded it")
		}
	})
}

// TestRacingCounterSale: the same counter sale sent many times at once is
// recorded once; every answer is that sale.
func TestRacingCounterSale(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		c := newCounter(t, db)
		h := c.h
		sc := mustScan(t, h, c.clerkA, newCode(t, h, c.me.Token).Code, c.a.ID)
		hs := []*apitest.Harness{h, apitest.New(t, db, apitest.WithClock(c.clock))}
		counts := race(hs, 8, func(_ int, h *apitest.Harness) rawResult {
			return post(h, salePath(c.a.ID), c.clerkA, sale(sc.ScanID, 1_000, "RACE"))
		})
		if p := myPoints(t, h, c.me.Token, ""); counts[http.StatusCreated] != 1 || counts[http.StatusOK] != 7 || p.Available != 10 {
			t.Fatalf("8 racing sales answered %v; points %+v", counts, p)
		}
	})
}

// TestMemberLevels: staff read and replace the levels (admins and
// chain-wide managers; a clerk or a store's manager is 403); the rules of
// a level list are 400 naming the field and change nothing; a shopper's
// level follows at once.
func TestMemberLevels(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		h := apitest.New(t, db)
		st := mustStore(t, h, "A店", 31.23, 121.47)
		_, clerk := mustStaff(t, h, "clerk-a", "clerk", &st.ID)
		_, storeMgr := mustStaff(t, h, "manager-a", "manager", &st.ID)
		_, chainMgr := mustStaff(t, h, "manager-chain", "manager", nil)
		levels := func(token string) []memberLevel {
			t.Helper()
			var l struct{ Items []memberLevel }
			h.Do("GET", "/admin/v1/member-levels", token, nil).OK(http.StatusOK, &l)
			return l.Items
		}
		seeded := levels(h.AdminToken)
		if len(seeded) != 4 || seeded[0].Name != "普通会员" || seeded[0].MinSpendFen != 0 || seeded[1].MinSpendFen != 50_000 ||
			seeded[2].PercentOff != 5 || !seeded[2].FreeDelivery || seeded[3].Name != "黑金" || seeded[3].PercentOff != 8 {
			t.Fatalf("seeded levels %+v", seeded)
		}
		for _, who := range []string{clerk, storeMgr} {
			h.Do("GET", "/admin/v1/member-levels", who, nil).Fails(http.StatusForbidden, "permission_denied")
			h.Do("PUT", "/admin/v1/member-levels", who, map[string]any{"items": []map[string]any{{"name": "x", "min_spend_fen": 0}}}).
				Fails(http.StatusForbidden, "permission_denied")
		}
		lv := func(name string, minSpend int64, pct int, free bool) map[string]any {
			return map[string]any{"name": name, "min_spend_fen": minSpend, "percent_off": pct, "free_delivery": free}
		}
		for field, items := range map[string][]map[string]any{
			"items":                  {},
			"items[0].min_spend_fen": {lv("新人", 100, 0, false)},
			"items[1].min_spend_fen": {lv("新人", 0, 0, false), lv("熟客", 0, 1, false)},
			"items[1].name":          {lv("新人", 0, 0, false), lv("新人", 100, 1, false)},
			"items[0].name":          {lv(" ", 0, 0, false)},
			"items[2].percent_off":   {lv("a", 0, 0, false), lv("b", 100, 50, false), lv("c", 200, 51, false)},
			"items[2].min_spend_fen": {lv("a", 0, 0, false), lv("b", 300, 0, false), lv("c", 200, 1, false)},
		} {
			e := h.Do("PUT", "/admin/v1/member-levels", chainMgr, map[string]any{"items": items}).Fails(http.StatusBadRequest, "invalid_argument")
			if e.Error.Field != field {
				t.Fatalf("%v: error %+v, want field %s", items, e.Error, field)
			}
		}
		h.Do("PUT", "/admin/v1/member-levels", chainMgr, map[string]any{"items": []map[string]any{lv(strings.Repeat("名", 21), 0, 0, false)}}).
			Fails(http.StatusBadRequest, "invalid_argument")
		// Names are trimmed before they are compared: "金卡 " repeats "金卡".
		e := h.Do("PUT", "/admin/v1/member-levels", chainMgr, map[string]any{"items": []map[string]any{lv("金卡", 0, 0, false), lv("金卡 ", 100, 1, false)}}).
			Fails(http.StatusBadRequest, "invalid_argument")
		if e.Error.Field != "items[1].name" {
			t.Fatalf("a name repeated with a space: field %q", e.Error.Field)
		}
		h.Do("PUT", "/admin/v1/member-levels", chainMgr, map[string]any{"items": []map[string]any{{"name": "a", "min_spend_fen": 0, "gift": true}}}).
			Fails(http.StatusBadRequest, "invalid_argument")
		if got := levels(chainMgr); len(got) != 4 || got[0].ID != seeded[0].ID {
			t.Fatalf("refused replacements changed the levels: %+v", got)
		}

		me := mustShopper(t, h, "level-member")
		sc := mustScan(t, h, h.AdminToken, newCode(t, h, me.Token).Code, st.ID)
		h.Do("POST", salePath(st.ID), h.AdminToken, sale(sc.ScanID, 30_000, "L1")).OK(http.StatusCreated, nil)
		if m := myMembership(t, h, me.Token); m.Level.Name != "普通会员" || m.Next.Name != "银卡" || m.Next.MissingFen != 20_000 {
			t.Fatalf("membership %+v", m)
		}
		var out struct{ Items []memberLevel }
		h.Do("PUT", "/admin/v1/member-levels", chainMgr, map[string]any{"items": []map[string]any{
			lv("新人", 0, 0, false), lv("常客", 30_000, 3, true), lv("至尊", 5_000_000, 50, true),
		}}).OK(http.StatusOK, &out)
		if len(out.Items) != 3 || out.Items[1].Name != "常客" || out.Items[1].MinSpendFen != 30_000 || !out.Items[1].FreeDelivery ||
			out.Items[2].PercentOff != 50 {
			t.Fatalf("replaced levels %+v", out.Items)
		}
		m := myMembership(t, h, me.Token)
		if m.Level.Name != "常客" || m.Level.PercentOff != 3 || !m.Level.FreeDelivery || m.Next.Name != "至尊" || m.Next.MissingFen != 4_970_000 {
			t.Fatalf("membership after the change %+v", m)
		}
		h.Do("PUT", "/admin/v1/member-levels", h.AdminToken, map[string]any{"items": []map[string]any{lv("唯一", 0, 1, false)}}).OK(http.StatusOK, nil)
		if m := myMembership(t, h, me.Token); m.Level.Name != "唯一" || m.Next != nil {
			t.Fatalf("membership at the only level %+v", m)
		}
	})
}
