package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"wemart/ent/order"
	"wemart/ent/shipment"
	"wemart/server/api"
	"wemart/server/apitest"
	"wemart/server/app"
	"wemart/server/config"
	"wemart/server/logistics"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
	"wemart/server/wechat/sandbox"
	"wemart/server/wechat/sandbox/sandboxtest"
)

// expressShop is the shop on a sandbox of its own whose clock stands still
// until the test moves it (so parcels move on by themselves only when the
// test says), shared with the app as `wemart sandbox` is.
type expressShop struct {
	*shop
	sb  *sandbox.Sandbox
	clk *sandboxtest.Clock
	// address is the shopper's address (with a phone: SF needs it).
	address int
}

func newExpressShop(t *testing.T, db *storage.DB, opts ...apitest.Options) *expressShop {
	t.Helper()
	return newExpressShopOn(t, db, sandboxtest.NewClock(time.Now()), opts...)
}

// newExpressShopOn is newExpressShop with the sandbox on clk (pass
// onClock(clk) in opts to run the app on it too).
func newExpressShopOn(t *testing.T, db *storage.DB, clk *sandboxtest.Clock, opts ...apitest.Options) *expressShop {
	t.Helper()
	sb, err := sandbox.New(clk.Options(sandbox.Options{Identity: apitest.SandboxIdentity(t), Dir: t.TempDir()}))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.NewSandbox(slog.New(slog.NewTextHandler(io.Discard, nil)), sb))
	t.Cleanup(func() { srv.Close(); sb.Close() })
	s := &expressShop{shop: newShop(t, db, append(opts, apitest.SharedSandbox(srv.URL))...), sb: sb, clk: clk}
	var a struct{ ID int }
	s.h.Do("POST", "/api/v1/addresses", s.shopper.Token, map[string]any{"contact": "李雷", "phone": "13800000000",
		"detail": "南京东路100号", "lat": 31.2360, "lng": 121.4800}).OK(http.StatusCreated, &a)
	s.address = a.ID
	return s
}

// onClock runs the app on clk (the sandbox's clock, so WeChat's time and
// the app's move together).
func onClock(clk *sandboxtest.Clock) apitest.Options {
	return func(_ *config.Config, o *app.Options) { o.Now = clk.Now }
}

// paidDelivery places a delivery order and pays it.
func (s *expressShop) paidDelivery() orderView {
	s.t.Helper()
	o, _ := s.paidDeliveryTx()
	return o
}

// paidDeliveryTx is paidDelivery, with the payment's WeChat Pay
// transaction id.
func (s *expressShop) paidDeliveryTx() (orderView, string) {
	s.t.Helper()
	var a checkoutAnswer
	s.checkout(s.shopper.Token, map[string]any{"store_id": s.store.ID, "fulfilment": "delivery", "address_id": s.address,
		"items": []map[string]int{{"sku_id": s.milk, "quantity": 2}}}).OK(http.StatusCreated, &a)
	c := s.pay(a.Payment.prepayID(), true)
	return s.eventuallyStatus(a.Order.ID, order.StatusPaid), c.TransactionID
}

// ship ships an order as the admin.
func (s *expressShop) ship(id int, body any) *apitest.Response {
	s.t.Helper()
	return s.h.Do("POST", apitest.Path("/admin/v1/orders/%d/ship", id), s.h.AdminToken, body)
}

// runJobs runs the due jobs (the tracking subscriptions) as a process's
// runner does.
func (s *expressShop) runJobs() {
	s.t.Helper()
	if _, err := s.h.App.Jobs.RunOnce(context.Background()); err != nil {
		s.t.Fatal(err)
	}
}

// settle waits until the sandbox has pushed all it will push until its
// clock moves.
func (s *expressShop) settle() { s.clk.Settle(s.t, s.sb) }

func (s *expressShop) advance(no string, want int) string {
	s.t.Helper()
	var out struct{ Status string }
	res := s.h.Do("POST", "/sandbox/logistics/advance", "", map[string]string{"tracking_no": no})
	if want != http.StatusOK {
		res.Fails(want, map[int]string{404: "not_found", 409: "conflict"}[want])
		return ""
	}
	res.OK(http.StatusOK, &out)
	s.settle()
	return out.Status
}

// trackingView is GET .../tracking.
type trackingView api.Tracking

func (s *expressShop) tracking(id int) trackingView {
	s.t.Helper()
	var v trackingView
	s.h.Do("GET", apitest.Path("/api/v1/orders/%d/tracking", id), s.shopper.Token, nil).OK(http.StatusOK, &v)
	return v
}

// statuses is the shipments' statuses and event counts, "signed/4 ...".
func (v trackingView) statuses() string {
	var parts []string
	for _, sh := range v.Shipments {
		parts = append(parts, sh.Status+"/"+string(rune('0'+len(sh.Events))))
	}
	return strings.Join(parts, " ")
}

// orderTimes is what an order says about its delivery.
type orderTimes struct {
	Status       string     `json:"status"`
	ShippedAt    *time.Time `json:"shipped_at"`
	DeliveredAt  *time.Time `json:"delivered_at"`
	ReceiveDueAt *time.Time `json:"receive_due_at"`
}

func (s *expressShop) times(id int) orderTimes {
	s.t.Helper()
	var o orderTimes
	s.h.Do("GET", apitest.Path("/api/v1/orders/%d", id), s.shopper.Token, nil).OK(http.StatusOK, &o)
	return o
}

// push posts a Kuaidi100 push of lastResult (raw JSON) signed with salt.
func (s *expressShop) push(status string, lastResult json.RawMessage, salt string) *apitest.Response {
	s.t.Helper()
	param, _ := json.Marshal(map[string]any{"status": status, "message": "", "lastResult": lastResult})
	form := url.Values{"param": {string(param)}}
	if salt != "" {
		form.Set("sign", logistics.Kuaidi100Sign(string(param), salt))
	}
	return s.h.Do("POST", "/logistics/kuaidi100/notify", "", form.Encode(), "Content-Type", "application/x-www-form-urlencoded")
}

// lastResult asks the sandbox's Kuaidi100 for a parcel's track, as it
// pushes it (lastResult).
func (s *expressShop) lastResult(com, no string) map[string]any {
	s.t.Helper()
	customer, key := s.sb.Identity().Kuaidi100()
	param := `{"com":"` + com + `","num":"` + no + `"}`
	var out map[string]any
	s.h.Do("POST", sandbox.Kuaidi100Prefix+"/poll/query.do", "", url.Values{"customer": {customer}, "param": {param},
		"sign": {logistics.Kuaidi100Sign(param, key, customer)}}.Encode(),
		"Content-Type", "application/x-www-form-urlencoded").OK(http.StatusOK, &out)
	if out["nu"] != no {
		s.t.Fatalf("query %s: %v", no, out)
	}
	return out
}

// salt is the salt this server subscribes parcels with.
func (s *expressShop) salt() string {
	return app.SandboxKuaidi100(s.sb.Identity().Public(), "").Salt
}

// shipments counts the order's shipments.
func (s *expressShop) shipments(id int) int {
	return s.db.Client.Shipment.Query().Where(shipment.OrderID(id)).CountX(context.Background())
}

// TestExpressJourney: a paid delivery order is shipped by SF, its parcel
// subscribed at (the sandbox's) Kuaidi100 with the receiver's phone, moved
// on step by step by the sandbox, each step pushed signed and stored
// (events newest first), the order delivered when the parcel is signed,
// and completed when the shopper confirms. Replayed, out-of-order and
// forged pushes change nothing.
func TestExpressJourney(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s := newExpressShop(t, db)
		h := s.h
		var companies struct {
			Items []struct{ ID, Name string }
		}
		h.Do("GET", "/admin/v1/express-companies", h.AdminToken, nil).OK(http.StatusOK, &companies)
		if len(companies.Items) < 9 || companies.Items[0].ID != "SF" || companies.Items[0].Name != "顺丰速运" {
			t.Fatalf("companies %+v", companies.Items)
		}
		o, tx := s.paidDeliveryTx()
		s.clk.Advance(time.Minute) // WeChat has indexed the payment (10060001 before)
		if v := s.tracking(o.ID); len(v.Shipments) != 0 {
			t.Fatalf("an unshipped order has shipments: %+v", v)
		}
		const no = "SF1234567890123"
		var shipped orderView
		s.ship(o.ID, map[string]string{"carrier": "SF", "tracking_no": " sf1234567890123 "}).OK(http.StatusOK, &shipped)
		if shipped.Status != "shipped" || !strings.Contains(shipped.Timeline[len(shipped.Timeline)-1].Note, "SF "+no) {
			t.Fatalf("shipped %+v", shipped)
		}
		if tm := s.times(o.ID); tm.ShippedAt == nil || tm.ReceiveDueAt == nil || tm.DeliveredAt != nil ||
			tm.ReceiveDueAt.Sub(*tm.ShippedAt) != 168*time.Hour {
			t.Fatalf("times %+v", tm)
		}
		v := s.tracking(o.ID)
		if v.statuses() != "created/0" || v.Shipments[0].Kind != "express" || v.Shipments[0].Carrier != "SF" ||
			v.Shipments[0].CarrierName != "顺丰速运" || v.Shipments[0].TrackingNo != no || v.Shipments[0].FeeFen != nil {
			t.Fatalf("tracking %+v", v)
		}
		// The subscription: the job, once, with the address's phone. And
		// WeChat is told the goods left with SF.
		if _, ok := s.shipped()[tx]; ok {
			t.Fatal("WeChat was told before the jobs ran")
		}
		s.runJobs()
		s.runJobs()
		if r := s.shipped()[tx]; r.LogisticsType != 1 || r.Uploads != 1 || len(r.ShippingList) != 1 ||
			r.ShippingList[0].ExpressCompany != "SF" || r.ShippingList[0].TrackingNo != no {
			t.Fatalf("WeChat's shipping info %+v", r)
		}
		var rec struct {
			Parcels []sandbox.ParcelRecord `json:"parcels"`
		}
		h.Do("GET", "/sandbox/records", "", nil).OK(http.StatusOK, &rec)
		if len(rec.Parcels) != 1 || rec.Parcels[0].Number != no || rec.Parcels[0].Com != "shunfeng" ||
			rec.Parcels[0].Phone != "13800000000" || rec.Parcels[0].Callback != h.URL+"/logistics/kuaidi100/notify" {
			t.Fatalf("the sandbox's parcels: %+v", rec.Parcels)
		}
		if sh := db.Client.Shipment.Query().OnlyX(context.Background()); sh.SubscribedAt == nil {
			t.Fatal("subscribed_at is not set")
		}

		for i, want := range []string{"collected", "in_transit", "out_for_delivery", "signed"} {
			if got := s.advance(no, http.StatusOK); got != want {
				t.Fatalf("advance %d: %s, want %s", i, got, want)
			}
			v := s.tracking(o.ID)
			if sh := v.Shipments[0]; sh.Status != want || len(sh.Events) != i+1 || sh.Events[0].Status != want {
				t.Fatalf("after %s: %+v", want, sh)
			}
			if st := s.order(o.ID).Status; (want == "signed") != (st == "delivered") {
				t.Fatalf("after %s the order is %s", want, st)
			}
		}
		v = s.tracking(o.ID)
		ev := v.Shipments[0].Events
		if ev[0].Status != "signed" || ev[3].Status != "collected" || ev[0].Location == "" || ev[0].Description == "" ||
			ev[0].OccurredAt.Before(ev[3].OccurredAt) {
			t.Fatalf("events are not newest first: %+v", ev)
		}
		if v.Shipments[0].DeliveredAt == nil {
			t.Fatal("the signed parcel has no delivered_at")
		}
		if tm := s.times(o.ID); tm.Status != "delivered" || tm.DeliveredAt == nil || tm.ReceiveDueAt.Sub(*tm.DeliveredAt) != 168*time.Hour {
			t.Fatalf("delivered %+v", tm)
		}
		s.advance(no, http.StatusConflict)
		s.advance("SF9999999999999", http.StatusNotFound)
		var staffView trackingView
		h.Do("GET", apitest.Path("/admin/v1/orders/%d/tracking", o.ID), h.AdminToken, nil).OK(http.StatusOK, &staffView)
		if staffView.statuses() != "signed/4" || staffView.Shipments[0].FeeFen == nil {
			t.Fatalf("staff tracking %+v", staffView)
		}

		// What Kuaidi100 pushed, again: nothing changes.
		last := s.lastResult("shunfeng", no)
		full, _ := json.Marshal(last)
		wantSame := func(what string) {
			t.Helper()
			if got := s.tracking(o.ID).statuses(); got != "signed/4" {
				t.Fatalf("%s: tracking %s", what, got)
			}
			if st := s.order(o.ID).Status; st != "delivered" {
				t.Fatalf("%s: the order is %s", what, st)
			}
		}
		ack := func(r *apitest.Response) {
			t.Helper()
			r.OK(http.StatusOK, nil)
			if string(r.Body) != `{"result":true,"returnCode":"200","message":"成功"}` {
				t.Fatalf("the answer to a push: %s", r.Body)
			}
		}
		ack(s.push("shutdown", full, s.salt()))
		ack(s.push("shutdown", full, s.salt()))
		wantSame("a replayed push")
		// An older state, after signed: in transit with the first two events.
		older := map[string]any{}
		for k, v := range last {
			older[k] = v
		}
		older["state"], older["ischeck"], older["data"] = "0", "0", last["data"].([]any)[2:]
		old, _ := json.Marshal(older)
		ack(s.push("polling", old, s.salt()))
		wantSame("an out-of-order push")

		// Forged pushes: refused with 401, and nothing changes.
		forged := map[string]any{}
		for k, v := range last {
			forged[k] = v
		}
		forged["state"], forged["data"] = "14", append([]any{map[string]any{"time": "2030-01-01 00:00:00",
			"ftime": "2030-01-01 00:00:00", "context": "拒签", "status": "拒签"}}, last["data"].([]any)...)
		fake, _ := json.Marshal(forged)
		for name, r := range map[string]*apitest.Response{
			"unsigned":           s.push("polling", fake, ""),
			"signed, other salt": s.push("polling", fake, "not-our-salt"),
		} {
			e := r.Fails(http.StatusUnauthorized, "unauthenticated")
			if !strings.Contains(string(r.Body), `"result":false`) {
				t.Fatalf("%s: %s (%+v)", name, r.Body, e)
			}
		}
		param, _ := json.Marshal(map[string]any{"status": "polling", "lastResult": json.RawMessage(fake)})
		h.Do("POST", "/logistics/kuaidi100/notify", "", url.Values{"param": {string(param)}, "sign": {"0123456789ABCDEF0123456789ABCDEF"}}.Encode(),
			"Content-Type", "application/x-www-form-urlencoded").Fails(http.StatusUnauthorized, "unauthenticated")
		wantSame("forged pushes")

		// Receipt: another shopper cannot; the shopper can, once.
		other := mustShopper(t, h, "other-"+t.Name())
		h.Do("POST", apitest.Path("/api/v1/orders/%d/receive", o.ID), other.Token, nil).Fails(http.StatusNotFound, "not_found")
		h.Do("GET", apitest.Path("/api/v1/orders/%d/tracking", o.ID), other.Token, nil).Fails(http.StatusNotFound, "not_found")
		var done orderView
		h.Do("POST", apitest.Path("/api/v1/orders/%d/receive", o.ID), s.shopper.Token, nil).OK(http.StatusOK, &done)
		if done.Status != "completed" || done.statuses() != "pending_payment>paid>shipped>delivered>completed" {
			t.Fatalf("received %+v", done)
		}
		h.Do("POST", apitest.Path("/api/v1/orders/%d/receive", o.ID), s.shopper.Token, nil).Fails(http.StatusConflict, "conflict")
		if tm := s.times(o.ID); tm.ReceiveDueAt != nil {
			t.Fatalf("a completed order is still due: %+v", tm)
		}
	})
}

// TestExpressParcelsMoveByThemselves: without calls, parcels move on by
// the sandbox's clock (10 min, 2 h, 12 h, 2 h), and an order of two
// parcels is delivered only once both are signed.
func TestExpressParcelsMoveByThemselves(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s := newExpressShop(t, db)
		o := s.paidDelivery()
		s.ship(o.ID, map[string]any{"parcels": []map[string]string{
			{"carrier": "YTO", "tracking_no": "YT1234567890123"}, {"carrier": "ZTO", "tracking_no": "78123456789012"},
		}}).OK(http.StatusOK, nil)
		s.runJobs()
		s.settle()
		step := func(d time.Duration, want, orderStatus string) {
			t.Helper()
			s.clk.Advance(d)
			s.settle()
			if got := s.tracking(o.ID).statuses(); got != want {
				t.Fatalf("after %s more: %s, want %s", d, got, want)
			}
			if st := s.order(o.ID).Status; st != orderStatus {
				t.Fatalf("after %s more: the order is %s, want %s", d, st, orderStatus)
			}
		}
		step(9*time.Minute, "created/0 created/0", "shipped")
		step(time.Minute, "collected/1 collected/1", "shipped")
		// One parcel goes ahead by hand; the order waits for the other.
		for range 3 {
			s.advance("YT1234567890123", http.StatusOK)
		}
		step(0, "signed/4 collected/1", "shipped")
		step(2*time.Hour, "signed/4 in_transit/2", "shipped")
		step(12*time.Hour, "signed/4 out_for_delivery/3", "shipped")
		step(2*time.Hour, "signed/4 signed/4", "delivered")
		step(24*time.Hour, "signed/4 signed/4", "delivered")
	})
}

// TestExpressAutoReceive: a shipped order nobody confirms completes by
// itself WEMART_AUTO_RECEIVE_AFTER after shipping (the sweeper, on the
// app's clock).
func TestExpressAutoReceive(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		clock := apitest.NewClock(time.Now())
		s := newExpressShop(t, db, apitest.WithClock(clock))
		o := s.paidDelivery()
		s.ship(o.ID, map[string]string{"carrier": "JD", "tracking_no": "JDVA12345678901"}).OK(http.StatusOK, nil)
		clock.Advance(167 * time.Hour)
		s.sweep()
		s.wantStatus(o.ID, order.StatusShipped)
		clock.Advance(2 * time.Hour)
		s.sweep()
		if got := s.wantStatus(o.ID, order.StatusCompleted).statuses(); got != "pending_payment>paid>shipped>completed" {
			t.Fatalf("timeline %s", got)
		}
	})
}

// TestShipRefusals: what cannot be shipped is a 4xx envelope, and nothing
// changes (the order's status, its shipments).
func TestShipRefusals(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s := newExpressShop(t, db)
		h := s.h
		paid := s.paidDelivery()
		var unpaid checkoutAnswer
		s.checkout(s.shopper.Token, map[string]any{"store_id": s.store.ID, "fulfilment": "delivery", "address_id": s.address,
			"items": []map[string]int{{"sku_id": s.milk, "quantity": 2}}}).OK(http.StatusCreated, &unpaid)
		pickup := s.mustOrder(s.milk, 1)
		s.pay(pickup.Payment.prepayID(), true)
		s.eventuallyStatus(pickup.Order.ID, order.StatusPaid)
		b := mustStore(t, h, "B店", 31.3, 121.5)
		_, clerkB := mustStaff(t, h, "clerk-b", "clerk", &b.ID)
		sf := map[string]string{"carrier": "SF", "tracking_no": "SF1234567890123"}
		many := make([]map[string]string, 11)
		for i := range many {
			many[i] = map[string]string{"carrier": "STO", "tracking_no": "7731234567890" + string(rune('0'+i%10)) + string(rune('0'+i/10))}
		}
		rows := []struct {
			name   string
			id     int
			token  string
			body   any
			status int
			code   string
			field  string
		}{
			{"unknown carrier", paid.ID, "", map[string]string{"carrier": "UPS", "tracking_no": "1Z999"}, 400, "invalid_argument", "carrier"},
			{"lower-case carrier", paid.ID, "", map[string]string{"carrier": "sf", "tracking_no": "SF1234567890123"}, 400, "invalid_argument", "carrier"},
			{"wrong-shaped number", paid.ID, "", map[string]string{"carrier": "SF", "tracking_no": "YT1234567890123"}, 400, "invalid_argument", "tracking_no"},
			{"no number", paid.ID, "", map[string]string{"carrier": "SF"}, 400, "invalid_argument", "tracking_no"},
			{"a parcel's bad number", paid.ID, "", map[string]any{"parcels": []map[string]string{sf, {"carrier": "JD", "tracking_no": "12"}}}, 400, "invalid_argument", "parcels[1].tracking_no"},
			{"one parcel twice", paid.ID, "", map[string]any{"parcels": []map[string]string{sf, sf}}, 400, "invalid_argument", "parcels[1].tracking_no"},
			{"both forms", paid.ID, "", map[string]any{"carrier": "SF", "tracking_no": "SF1234567890123", "parcels": []map[string]string{sf}}, 400, "invalid_argument", "parcels"},
			{"empty parcels", paid.ID, "", map[string]any{"parcels": []map[string]string{}}, 400, "invalid_argument", "parcels"},
			{"11 parcels", paid.ID, "", map[string]any{"parcels": many}, 400, "invalid_argument", "parcels"},
			{"nothing", paid.ID, "", map[string]any{}, 400, "invalid_argument", "carrier"},
			{"another store's clerk", paid.ID, clerkB, sf, 403, "permission_denied", ""},
			{"a pickup order", pickup.Order.ID, "", sf, 409, "conflict", ""},
			{"an unpaid order", unpaid.Order.ID, "", sf, 409, "conflict", ""},
		}
		check := func(name string, id int, token string, body any, status int, code, field string) {
			t.Helper()
			before := s.order(id).Status
			if token == "" {
				token = h.AdminToken
			}
			e := h.Do("POST", apitest.Path("/admin/v1/orders/%d/ship", id), token, body).Fails(status, code)
			if e.Error.Field != field {
				t.Errorf("%s: field %q, want %q", name, e.Error.Field, field)
			}
			if after := s.order(id).Status; after != before || s.shipments(id) != 0 && id != paid.ID {
				t.Fatalf("%s changed the order: %s → %s", name, before, after)
			}
		}
		for _, r := range rows {
			check(r.name, r.id, r.token, r.body, r.status, r.code, r.field)
			if n := s.shipments(paid.ID); n != 0 {
				t.Fatalf("%s: the order has %d shipments", r.name, n)
			}
		}
		s.ship(paid.ID, sf).OK(http.StatusOK, nil)
		check("shipping twice", paid.ID, "", map[string]string{"carrier": "ZTO", "tracking_no": "78123456789012"}, 409, "conflict", "")
		if n := s.shipments(paid.ID); n != 1 {
			t.Fatalf("shipping twice: %d shipments", n)
		}
		// Receipt of what is not on its way: 409.
		for _, id := range []int{pickup.Order.ID, unpaid.Order.ID} {
			h.Do("POST", apitest.Path("/api/v1/orders/%d/receive", id), s.shopper.Token, nil).Fails(http.StatusConflict, "conflict")
		}
		s.wantStatus(pickup.Order.ID, order.StatusPaid)
	})
}

// TestExpressInProcessSandbox: with the sandbox in the server's own
// process (the laptop default), a parcel is subscribed there and pushed
// back to the same server until the order is delivered.
func TestExpressInProcessSandbox(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s := &expressShop{shop: newShop(t, db)}
		h := s.h
		var a struct{ ID int }
		h.Do("POST", "/api/v1/addresses", s.shopper.Token, map[string]any{"contact": "李雷", "phone": "13800000000",
			"detail": "南京东路100号", "lat": 31.2360, "lng": 121.4800}).OK(http.StatusCreated, &a)
		s.address = a.ID
		o := s.paidDelivery()
		s.ship(o.ID, map[string]string{"carrier": "JTSD", "tracking_no": "JT1234567890123"}).OK(http.StatusOK, nil)
		s.runJobs()
		// Parcels also move by themselves here (on real time, compressed):
		// each call moves it one step further, until it is signed.
		for range 4 {
			var out struct{ Status string }
			res := h.Do("POST", "/sandbox/logistics/advance", "", map[string]string{"tracking_no": "JT1234567890123"})
			if res.Status == http.StatusConflict {
				break
			}
			res.OK(http.StatusOK, &out)
		}
		s.eventuallyStatus(o.ID, order.StatusDelivered)
		customer, key := h.App.WeChat.Sandbox.Identity().Kuaidi100()
		param := `{"com":"jtexpress","num":"JT1234567890123"}`
		var last struct{ State, Ischeck string }
		h.Do("POST", sandbox.Kuaidi100Prefix+"/poll/query.do", "", url.Values{"customer": {customer}, "param": {param},
			"sign": {logistics.Kuaidi100Sign(param, key, customer)}}.Encode(),
			"Content-Type", "application/x-www-form-urlencoded").OK(http.StatusOK, &last)
		if last.State != "3" || last.Ischeck != "1" {
			t.Fatalf("the sandbox's track: %+v", last)
		}
		if got := s.tracking(o.ID).statuses(); got != "signed/4" {
			t.Fatalf("tracking %s", got)
		}
	})
}
