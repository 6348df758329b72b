package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"wemart/server/errs"
	"wemart/server/logistics"
)

func riderClient(t *testing.T, h *testServer, keys RiderKeys) *logistics.Dada {
	t.Helper()
	d, err := logistics.NewDada(logistics.DadaConfig{BaseURL: h.url + RiderPrefix, AppKey: keys.AppKey,
		AppSecret: keys.AppSecret, SourceID: keys.SourceID, CallbackURL: h.sink + "/ok"})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// riderRequest is a delivery of about 5.5 km (north).
func riderRequest(outNo string) logistics.Request {
	return logistics.Request{OutNo: outNo, StoreLat: 31.20, StoreLng: 121.47, ReceiverLat: 31.25, ReceiverLng: 121.47,
		ReceiverName: "李雷", ReceiverPhone: "13800000000", ReceiverAddress: "南京东路1号", CargoFen: 2580}
}

// TestRiderService: the sandbox's rider service checks Dada's signature,
// prices by distance, creates once per origin_id, refuses a cancel after
// pickup, and keeps its deliveries across a restart.
func TestRiderService(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	newTestSandbox(t, t.TempDir(), 0) // the shared test identity
	open := func() *Sandbox {         // on WeChat's real time scale: no rider moves by itself during the test
		sb, err := New(Options{Identity: testID, Dir: dir, TimeScale: 1})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(sb.Close)
		return sb
	}
	sb := open()
	h := newTestServer(t, sb)
	keys := sb.riderKeys()
	if keys != RiderKeysFor(sb.Identity().AppID, sb.Identity().Public().APIv3Key) || keys.AppSecret == "" {
		t.Fatal("the rider keys do not follow from the public identity")
	}

	bad := keys
	bad.AppSecret = strings.Repeat("0", 32)
	if _, err := riderClient(t, h, bad).Quote(ctx, riderRequest("R1-1-1")); errs.CodeOf(err) != errs.Unavailable ||
		!strings.Contains(err.Error(), "签名错误") {
		t.Fatalf("a wrong secret: %v", err)
	}

	d := riderClient(t, h, keys)
	q, err := d.Quote(ctx, riderRequest("R1-1-1"))
	if err != nil || q.DistanceM < 5400 || q.DistanceM > 5700 || q.FeeFen != 800 { // 5 yuan + 3 started km beyond 3 km
		t.Fatalf("quote %+v: %v", q, err)
	}
	ref, err := d.Create(ctx, riderRequest("R1-1-1"))
	if err != nil || ref.TrackingNo != q.Token || ref.FeeFen != 800 {
		t.Fatalf("create %+v: %v", ref, err)
	}
	again, err := d.Create(ctx, riderRequest("R1-1-1"))
	if err != nil || again.TrackingNo != ref.TrackingNo {
		t.Fatalf("create again %+v: %v", again, err)
	}
	if _, _, _, err := d.RiderPosition(ctx, ref); !errors.Is(err, logistics.ErrUnsupported) {
		t.Fatalf("a position before a rider: %v", err)
	}
	for range 3 {
		if _, found, err := sb.advanceRider(ref.TrackingNo, ""); !found || err != nil {
			t.Fatal(found, err)
		}
	}
	snap, err := d.Get(ctx, ref)
	if err != nil || snap.Status != logistics.RiderPickedUp || snap.Rider.Name == "" {
		t.Fatalf("status %+v: %v", snap, err)
	}
	if err := d.Cancel(ctx, ref, "太晚了"); errs.CodeOf(err) != errs.Conflict {
		t.Fatalf("cancel after pickup: %v", err)
	}

	other, err := d.Create(ctx, riderRequest("R2-1-1"))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Cancel(ctx, other, "不要了"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := sb.advanceRider(other.TrackingNo, ""); errs.CodeOf(err) != errs.Conflict {
		t.Fatalf("advancing a cancelled delivery: %v", err)
	}

	// Every change was posted as a signed callback.
	for deadline := time.Now().Add(10 * time.Second); sb.Pending() > 0 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	var posted int
	for _, dl := range sb.Deliveries() {
		if strings.HasPrefix(dl.EventType, "dada.") {
			posted++
		}
	}
	if posted < 6 { // R1: requested, accepted, arrived, picked_up; R2: requested, cancelled
		t.Fatalf("%d callbacks posted", posted)
	}

	sb.Close()
	sb = open()
	sb.mu.Lock()
	recs := sb.riderRecords()
	sb.mu.Unlock()
	js, _ := json.Marshal(recs)
	if len(recs) != 2 || !strings.Contains(string(js), `"status":"picked_up"`) || !strings.Contains(string(js), `"status":"cancelled"`) {
		t.Fatalf("after a restart: %s", js)
	}
}
