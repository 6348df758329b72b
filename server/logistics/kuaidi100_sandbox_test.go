package logistics_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"wemart/ent/shipment"
	"wemart/server/logistics"
	"wemart/server/wechat/sandbox"
	"wemart/server/wechat/sandbox/sandboxtest"
)

// TestKuaidi100AgainstTheSandbox runs the real client against the
// sandbox's Kuaidi100: subscriptions are idempotent, a wrong key is
// refused for good, and a query shows the parcel's progress.
func TestKuaidi100AgainstTheSandbox(t *testing.T) {
	clk := sandboxtest.NewClock(time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC))
	sb, url, _ := sandboxtest.Serve(t, clk.Options(sandbox.Options{}))
	customer, key := sb.Identity().Kuaidi100()
	client := func(key string) *logistics.Kuaidi100 {
		return logistics.NewKuaidi100(logistics.Kuaidi100Config{BaseURL: url + sandbox.Kuaidi100Prefix,
			Customer: customer, Key: key, Salt: "s"})
	}
	k := client(key)
	ctx := context.Background()
	q := logistics.Query{Carrier: "SF", Number: "SF1234567890123", Phone: "13800138000", CallbackURL: "http://127.0.0.1:1/notify"}
	for range 2 {
		if err := k.Subscribe(ctx, q); err != nil {
			t.Fatalf("subscribe: %v", err)
		}
	}
	if err := client("wrong").Subscribe(ctx, q); !errors.Is(err, logistics.ErrRefused) {
		t.Fatalf("a wrong key: %v", err)
	}
	noPhone := q
	noPhone.Number, noPhone.Phone = "SF1234567890124", ""
	if err := k.Subscribe(ctx, noPhone); !errors.Is(err, logistics.ErrRefused) {
		t.Fatalf("SF without the receiver's phone: %v", err)
	}
	if _, err := k.Query(ctx, q); err == nil {
		t.Fatal("a query before the parcel is collected found a track")
	}
	if _, err := client("wrong").Query(ctx, q); err == nil {
		t.Fatal("a query signed with a wrong key was answered")
	}
	res, err := http.Post(url+"/sandbox/logistics/advance", "application/json", strings.NewReader(`{"tracking_no":"SF1234567890123"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	tr, err := k.Query(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if tr.Carrier != "SF" || tr.Number != q.Number || tr.Status != shipment.StatusCollected || len(tr.Events) != 1 ||
		tr.Events[0].Status != shipment.StatusCollected || !tr.Events[0].Time.Equal(clk.Now()) {
		t.Fatalf("track %+v", tr)
	}
}
