package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"wemart/ent/job"
	"wemart/ent/order"
	"wemart/ent/shipment"
	"wemart/ent/subscribegrant"
	"wemart/server/apitest"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
	"wemart/server/subscribe"
)

// subscribeRecord is a sent message as GET /sandbox/records lists it.
type subscribeRecord struct {
	ToUser     string                       `json:"touser"`
	TemplateID string                       `json:"template_id"`
	Page       string                       `json:"page"`
	Data       map[string]map[string]string `json:"data"`
}

func (s *shop) sentMessages() []subscribeRecord {
	s.t.Helper()
	var rec struct {
		Subscribe []subscribeRecord `json:"subscribe"`
	}
	s.h.Do("GET", "/sandbox/records", "", nil).OK(http.StatusOK, &rec)
	return rec.Subscribe
}

// grants are the shopper's grants on our side, by template id.
func (s *shop) grants() map[string]string {
	s.t.Helper()
	out := map[string]string{}
	for _, g := range s.db.Client.SubscribeGrant.Query().Where(subscribegrant.ShopperID(s.shopper.User.ID)).AllX(context.Background()) {
		out[g.TemplateID] = fmt.Sprintf("%d/%s", g.Remaining, g.LastResult)
	}
	return out
}

// TestSubscribeMessages: the mini program learns the templates to ask for
// and reports the answers; an order event with a grant sends its message
// once (the grant used, at WeChat too), one without sends nothing; a grant
// recorded here but not at WeChat ends the job failed with 43101 and takes
// nothing more.
func TestSubscribeMessages(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s := newShop(t, db)
		var tpl struct {
			Items []subscribe.TemplateInfo `json:"items"`
		}
		s.h.Do("GET", "/api/v1/subscriptions/templates", s.shopper.Token, nil).OK(http.StatusOK, &tpl)
		byEvent := map[string]string{}
		for _, it := range tpl.Items {
			byEvent[it.Event] = it.TemplateID
		}
		if len(tpl.Items) != 5 || tpl.Items[0].Event != "paid" || tpl.Items[0].Title != "支付成功" || byEvent["ready_for_pickup"] == "" {
			t.Fatalf("templates %+v", tpl.Items)
		}
		paidTpl, readyTpl := byEvent["paid"], byEvent["ready_for_pickup"]

		var got struct {
			Grants map[string]int `json:"grants"`
		}
		s.h.Do("POST", "/api/v1/subscriptions", s.shopper.Token, map[string]any{"results": map[string]string{
			paidTpl: "accept", readyTpl: "reject"}}).OK(http.StatusOK, &got)
		if got.Grants[paidTpl] != 1 || got.Grants[readyTpl] != 0 || len(got.Grants) != 2 {
			t.Fatalf("grants %+v", got.Grants)
		}
		openid := s.h.App.WeChat.Sandbox.OpenID("shopper-" + t.Name())
		s.h.Do("POST", "/sandbox/subscribe/grants", "", map[string]any{"openid": openid, "template_id": paidTpl}).OK(http.StatusOK, nil)

		o, _ := s.paidPickup(s.milk, 2, s.bread, 1)
		s.runJobs()
		msgs := s.sentMessages()
		if len(msgs) != 1 {
			t.Fatalf("sent %+v", msgs)
		}
		m := msgs[0]
		if m.ToUser != openid || m.TemplateID != paidTpl || m.Page != fmt.Sprintf("pages/order/index?id=%d", o.ID) ||
			m.Data["character_string1"]["value"] != o.OrderNo || m.Data["amount2"]["value"] != fmt.Sprintf("¥%d.%02d", o.PayableFen/100, o.PayableFen%100) ||
			m.Data["thing3"]["value"] != "光明鲜牛奶 950ml等3件" || m.Data["thing4"]["value"] != "人民广场店" {
			t.Fatalf("message %+v", m)
		}
		if g := s.grants(); g[paidTpl] != "0/accept" || g[readyTpl] != "0/reject" {
			t.Fatalf("grants after sending %v", g)
		}

		// Ready for pickup: the shopper rejected that template, nothing is sent.
		s.h.Do("POST", apitest.Path("/admin/v1/orders/%d/ready", o.ID), s.h.AdminToken, nil).OK(http.StatusOK, nil)
		s.runJobs()
		if n := len(s.sentMessages()); n != 1 {
			t.Fatalf("%d messages after a move without a grant", n)
		}
		// Another order paid: no grant left, nothing sent.
		o2, _ := s.paidPickup(s.milk, 1)
		s.runJobs()
		if n, _ := db.Client.Job.Query().Where(job.Kind(subscribe.KindSend)).Count(context.Background()); n != 1 || len(s.sentMessages()) != 1 {
			t.Fatalf("%d subscribe jobs, %d sent, after a payment without a grant", n, len(s.sentMessages()))
		}

		// A grant here that WeChat does not have: 43101, failed, nothing more taken.
		s.h.Do("POST", "/api/v1/subscriptions", s.shopper.Token, map[string]any{"results": map[string]string{
			readyTpl: "accept"}}).OK(http.StatusOK, &got)
		s.h.Do("POST", "/api/v1/subscriptions", s.shopper.Token, map[string]any{"results": map[string]string{
			readyTpl: "accept"}}).OK(http.StatusOK, &got)
		s.h.Do("POST", apitest.Path("/admin/v1/orders/%d/ready", o2.ID), s.h.AdminToken, nil).OK(http.StatusOK, nil)
		s.runJobs()
		j := s.job(fmt.Sprintf("subscribe:%d:ready_for_pickup", o2.ID))
		if j.State != job.StateFailed || !strings.Contains(j.LastError, "43101") || j.Attempts != 1 {
			t.Fatalf("a message WeChat has no grant for: %+v", j)
		}
		if g := s.grants(); g[readyTpl] != "1/accept" || len(s.sentMessages()) != 1 {
			t.Fatalf("grants %v after 43101", g)
		}
	})
}

// TestSubscriptionsRefused: bad answers are 400 naming the field and
// record nothing; accepts count up to 50.
func TestSubscriptionsRefused(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s := newShop(t, db)
		six := map[string]string{}
		for i := range 6 {
			six[fmt.Sprintf("tpl%d", i)] = "accept"
		}
		for _, c := range []struct {
			name  string
			body  any
			field string
		}{
			{"no results", map[string]any{}, "results"},
			{"empty results", map[string]any{"results": map[string]string{}}, "results"},
			{"six templates", map[string]any{"results": six}, "results"},
			{"a bad template id", map[string]any{"results": map[string]string{"ok-id": "accept", "bad id!": "accept"}}, "results"},
			{"another answer", map[string]any{"results": map[string]string{"ok-id": "accept", "tpl-2": "maybe"}}, "results.tpl-2"},
			{"a number", map[string]any{"results": map[string]any{"ok-id": 1}}, ""},
			{"an unknown field", map[string]any{"results": map[string]string{"ok-id": "accept"}, "extra": true}, ""},
		} {
			e := s.h.Do("POST", "/api/v1/subscriptions", s.shopper.Token, c.body).Fails(http.StatusBadRequest, "invalid_argument")
			if c.field != "" && e.Error.Field != c.field {
				t.Errorf("%s: field %q, want %q", c.name, e.Error.Field, c.field)
			}
		}
		if g := s.grants(); len(g) != 0 {
			t.Fatalf("refused answers recorded %v", g)
		}
		s.h.Do("POST", "/api/v1/subscriptions", "", map[string]any{"results": map[string]string{"ok-id": "accept"}}).
			Fails(http.StatusUnauthorized, "unauthenticated")

		var got struct {
			Grants map[string]int `json:"grants"`
		}
		// A template wemart does not send is answered, and not stored.
		s.h.Do("POST", "/api/v1/subscriptions", s.shopper.Token, map[string]any{"results": map[string]string{"not-ours": "accept"}}).
			OK(http.StatusOK, &got)
		if g := s.grants(); len(g) != 0 || len(got.Grants) != 0 {
			t.Fatalf("an unknown template recorded: %v %v", got.Grants, g)
		}
		var tpls struct {
			Items []struct {
				TemplateID string `json:"template_id"`
			} `json:"items"`
		}
		s.h.Do("GET", "/api/v1/subscriptions/templates", s.shopper.Token, nil).OK(http.StatusOK, &tpls)
		ours := tpls.Items[0].TemplateID
		for range subscribe.MaxGrants + 2 {
			s.h.Do("POST", "/api/v1/subscriptions", s.shopper.Token, map[string]any{"results": map[string]string{ours: "accept"}}).
				OK(http.StatusOK, &got)
		}
		if got.Grants[ours] != subscribe.MaxGrants {
			t.Fatalf("grants %v, want capped at %d", got.Grants, subscribe.MaxGrants)
		}
		s.h.Do("POST", "/api/v1/subscriptions", s.shopper.Token, map[string]any{"results": map[string]string{ours: "ban"}}).
			OK(http.StatusOK, &got)
		if g := s.grants(); got.Grants[ours] != subscribe.MaxGrants || g[ours] != "50/ban" {
			t.Fatalf("after a ban: %v %v", got.Grants, g)
		}
	})
}

// TestSubscribeDeliveryMessages: with the shipped and delivered templates
// accepted (twice for shipped), a rider delivery sends one message when
// the goods leave and one when they arrive, using a grant each, here and
// at WeChat; shipped again after a failed delivery, the order sends no
// second shipped message and takes no second grant.
func TestSubscribeDeliveryMessages(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s := newRiderShop(t, db)
		var tpl struct {
			Items []subscribe.TemplateInfo `json:"items"`
		}
		s.h.Do("GET", "/api/v1/subscriptions/templates", s.shopper.Token, nil).OK(http.StatusOK, &tpl)
		byEvent := map[string]string{}
		for _, it := range tpl.Items {
			byEvent[it.Event] = it.TemplateID
		}
		shippedTpl, deliveredTpl := byEvent["shipped"], byEvent["delivered"]
		code := "shopper-" + t.Name() // the shopper's wx.login code
		var openid string
		for tplID, n := range map[string]int{shippedTpl: 2, deliveredTpl: 1} {
			for range n {
				s.h.Do("POST", "/api/v1/subscriptions", s.shopper.Token, map[string]any{"results": map[string]string{
					tplID: "accept"}}).OK(http.StatusOK, nil)
			}
			var g struct {
				OpenID    string `json:"openid"`
				Remaining int    `json:"remaining"`
			}
			s.h.Do("POST", "/sandbox/subscribe/grants", "", map[string]any{"code": code, "template_id": tplID, "count": n}).OK(http.StatusOK, &g)
			if g.Remaining != n {
				t.Fatalf("WeChat has %d grants of %s, want %d", g.Remaining, tplID, n)
			}
			openid = g.OpenID
		}

		id := s.paidDeliveryTo(s.address)
		s.runJobs()
		if msgs := s.sentMessages(); len(msgs) != 0 {
			t.Fatalf("sent without a grant: %+v", msgs)
		}
		sh := s.pickedUp(id)
		msgs := s.sentMessages()
		if len(msgs) != 1 || msgs[0].ToUser != openid || msgs[0].TemplateID != shippedTpl ||
			msgs[0].Data["phrase2"]["value"] != "已发货" || msgs[0].Data["thing3"]["value"] != "同城配送 "+sh.RiderName ||
			msgs[0].Data["character_string4"]["value"] != sh.TrackingNo {
			t.Fatalf("after pickup: %+v", msgs)
		}

		// Failed, dispatched again, picked up again: no second message.
		s.failAfterPickup(id, sh)
		sh = s.pickedUp(id)
		if n := len(s.sentMessages()); n != 1 {
			t.Fatalf("%d messages after shipping twice", n)
		}
		s.advance(sh.TrackingNo, "")
		s.eventuallyShipment(sh.ID, shipment.StatusDelivered)
		o := s.wantStatus(id, order.StatusDelivered)
		s.runJobs()
		msgs = s.sentMessages()
		if len(msgs) != 2 || msgs[1].TemplateID != deliveredTpl || msgs[1].ToUser != openid ||
			msgs[1].Data["character_string1"]["value"] != o.OrderNo || msgs[1].Data["phrase2"]["value"] != "已送达" {
			t.Fatalf("after delivery: %+v", msgs)
		}
		if g := s.grants(); g[shippedTpl] != "1/accept" || g[deliveredTpl] != "0/accept" {
			t.Fatalf("grants after sending %v", g)
		}
		// At WeChat too: one more accept of each leaves 2 and 1.
		for tplID, want := range map[string]int{shippedTpl: 2, deliveredTpl: 1} {
			var g struct{ Remaining int }
			s.h.Do("POST", "/sandbox/subscribe/grants", "", map[string]any{"code": code, "template_id": tplID}).OK(http.StatusOK, &g)
			if g.Remaining != want {
				t.Fatalf("WeChat has %d grants of %s left, want %d", g.Remaining, tplID, want)
			}
		}
	})
}
