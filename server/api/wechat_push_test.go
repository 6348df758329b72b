package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"wemart/server/apitest"
	"wemart/server/shipping"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
	"wemart/server/wechat/wxpush"
)

// pushTo sends a message push as WeChat does and returns the answer.
func pushTo(s *shop, q url.Values, body []byte, contentType string) *apitest.Response {
	return s.h.Do("POST", "/wechat/push?"+q.Encode(), "", body, "Content-Type", contentType)
}

// TestWeChatPush: the message push endpoint takes WeChat's pushes in plain
// and safe mode, as XML and JSON, verified by the push token (and the
// appid in safe mode); a shipping-info event about a payment of ours is
// enqueued once however often it is repeated; a bad signature is refused
// and enqueues nothing; other events are acknowledged and ignored. WeChat's
// URL check echoes echostr.
func TestWeChatPush(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s := newShop(t, db)
		_, tx := s.paidPickup(s.milk, 1)
		id := s.h.App.WeChat.Sandbox.Identity()
		codec, err := wxpush.New(id.PushToken, id.PushAESKey, id.AppID)
		if err != nil {
			t.Fatal(err)
		}
		msg := func(event string, at int) map[string]any {
			return map[string]any{"ToUserName": "gh_x", "FromUserName": "o_x", "CreateTime": at, "MsgType": "event",
				"Event": event, "transaction_id": tx, "merchant_trade_no": "x", "pay_time": 1700000000}
		}
		xmlOf := func(m map[string]any) []byte {
			return fmt.Appendf(nil, "<xml><ToUserName><![CDATA[gh_x]]></ToUserName><CreateTime>%d</CreateTime><MsgType><![CDATA[event]]></MsgType>"+
				"<Event><![CDATA[%s]]></Event><transaction_id><![CDATA[%s]]></transaction_id></xml>", m["CreateTime"], m["Event"], tx)
		}
		plain := codec.Query("1700000000", "n1", "")
		reconciles := func() int { return s.jobCount(shipping.KindReconcile) }

		// Plain JSON, plain XML, safe JSON, safe XML: four pushes, four jobs.
		js, _ := json.Marshal(msg("trade_manage_remind_shipping", 1))
		if res := pushTo(s, plain, js, "application/json").OK(http.StatusOK, nil); string(res.Body) != "success" {
			t.Fatalf("answer %q", res.Body)
		}
		pushTo(s, plain, xmlOf(msg("trade_manage_order_settlement", 2)), "text/xml").OK(http.StatusOK, nil)
		js, _ = json.Marshal(msg("trade_manage_order_settlement", 3))
		body, q, err := codec.SealJSON("gh_x", js, "1700000001", "n2")
		if err != nil {
			t.Fatal(err)
		}
		pushTo(s, q, body, "application/json").OK(http.StatusOK, nil)
		body, q, _ = codec.SealXML("gh_x", xmlOf(msg("trade_manage_remind_access_api", 4)), "1700000002", "n3")
		pushTo(s, q, body, "text/xml").OK(http.StatusOK, nil)
		if n := reconciles(); n != 4 {
			t.Fatalf("%d reconcile jobs, want 4", n)
		}
		// WeChat repeating a push: the same job.
		pushTo(s, q, body, "text/xml").OK(http.StatusOK, nil)
		if n := reconciles(); n != 4 {
			t.Fatalf("%d reconcile jobs after a repeat", n)
		}

		// Refused, nothing enqueued: a wrong signature, a wrong msg_signature,
		// a message sealed for another mini program, a body that is not a push.
		js, _ = json.Marshal(msg("trade_manage_order_settlement", 5))
		bad := codec.Query("1700000000", "n1", "")
		sig := []byte(bad.Get("signature"))
		if sig[0] == '0' { // the token is random per sandbox: change the digit, whatever it was
			sig[0] = '1'
		} else {
			sig[0] = '0'
		}
		bad.Set("signature", string(sig))
		pushTo(s, bad, js, "application/json").Fails(http.StatusUnauthorized, "unauthenticated")
		pushTo(s, url.Values{"timestamp": {"1"}, "nonce": {"n"}, "signature": {""}}, js, "application/json").
			Fails(http.StatusUnauthorized, "unauthenticated")
		body, q, _ = codec.SealJSON("gh_x", js, "1700000003", "n4")
		q.Set("msg_signature", wxpush.Signature("another-token", "1700000003", "n4"))
		pushTo(s, q, body, "application/json").Fails(http.StatusUnauthorized, "unauthenticated")
		other, _ := wxpush.New(id.PushToken, id.PushAESKey, "wx0000000000000000")
		body, q, _ = other.SealJSON("gh_x", js, "1700000004", "n5")
		pushTo(s, q, body, "application/json").Fails(http.StatusBadRequest, "invalid_argument")
		pushTo(s, plain, []byte("not a push"), "text/plain").Fails(http.StatusBadRequest, "invalid_argument")
		if n := reconciles(); n != 4 {
			t.Fatalf("%d reconcile jobs after refusals", n)
		}

		// Acknowledged, ignored: another event; an event about a payment
		// that is not ours.
		js, _ = json.Marshal(map[string]any{"ToUserName": "gh_x", "MsgType": "event", "Event": "user_enter_tempsession", "CreateTime": 6})
		pushTo(s, plain, js, "application/json").OK(http.StatusOK, nil)
		m := msg("trade_manage_remind_shipping", 7)
		m["transaction_id"] = "4200000000000000000000000000"
		js, _ = json.Marshal(m)
		pushTo(s, plain, js, "application/json").OK(http.StatusOK, nil)
		if n := reconciles(); n != 4 {
			t.Fatalf("%d reconcile jobs after ignored pushes", n)
		}

		// WeChat's URL check.
		q = codec.Query("1700000000", "n1", "")
		q.Set("echostr", "echo-123")
		if res := s.h.Do("GET", "/wechat/push?"+q.Encode(), "", nil).OK(http.StatusOK, nil); string(res.Body) != "echo-123" {
			t.Fatalf("echoed %q", res.Body)
		}
		q.Set("nonce", "n2")
		s.h.Do("GET", "/wechat/push?"+q.Encode(), "", nil).Fails(http.StatusUnauthorized, "unauthenticated")
	})
}
