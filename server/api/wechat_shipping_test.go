package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"wemart/ent"
	"wemart/ent/job"
	"wemart/ent/order"
	"wemart/ent/orderevent"
	"wemart/ent/shipment"
	"wemart/server/apitest"
	"wemart/server/jobs"
	"wemart/server/shipping"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
	"wemart/server/wechat/sandbox/sandboxtest"
)

// shippingRecord is what GET /sandbox/records lists under "shipping".
type shippingRecord struct {
	LogisticsType  int  `json:"logistics_type"`
	DeliveryMode   int  `json:"delivery_mode"`
	IsAllDelivered bool `json:"is_all_delivered"`
	ShippingList   []struct {
		TrackingNo     string `json:"tracking_no"`
		ExpressCompany string `json:"express_company"`
		ItemDesc       string `json:"item_desc"`
		Contact        *struct {
			ReceiverContact string `json:"receiver_contact"`
		} `json:"contact"`
	} `json:"shipping_list"`
	Uploads      int   `json:"uploads"`
	ReceivedTime int64 `json:"received_time"`
	RemindedTime int64 `json:"reminded_time"`
}

// shipped reads what the sandbox's shipping-info API holds by transaction id.
func (s *shop) shipped() map[string]shippingRecord {
	s.t.Helper()
	var rec struct {
		Shipping map[string]shippingRecord `json:"shipping"`
	}
	s.h.Do("GET", "/sandbox/records", "", nil).OK(http.StatusOK, &rec)
	return rec.Shipping
}

// runJobs runs the app's due jobs once, as its runner does on a tick.
func (s *shop) runJobs() int {
	s.t.Helper()
	n, err := s.h.App.Jobs.RunOnce(context.Background())
	if err != nil {
		s.t.Fatal(err)
	}
	return n
}

// job reads the job of a key.
func (s *shop) job(key string) *ent.Job {
	s.t.Helper()
	j, err := s.db.Client.Job.Query().Where(job.Key(key)).Only(context.Background())
	if err != nil {
		s.t.Fatalf("job %s: %v", key, err)
	}
	return j
}

// paidPickup places and pays a pickup order and returns it with its
// WeChat Pay transaction id.
func (s *shop) paidPickup(lines ...int) (orderView, string) {
	s.t.Helper()
	a := s.mustOrder(lines...)
	c := s.pay(a.Payment.prepayID(), true)
	return s.wantStatus(a.Order.ID, order.StatusPaid), c.TransactionID
}

// handOver hands a pickup order over at the counter.
func (s *shop) handOver(o orderView) {
	s.t.Helper()
	s.h.Do("POST", apitest.Path("/admin/v1/orders/%d/picked-up", o.ID), s.h.AdminToken,
		map[string]string{"pickup_code": *o.PickupCode}).OK(http.StatusOK, nil)
}

// withSandboxClock is a shop whose app and WeChat sandbox run on one clock.
func withSandboxClock(t *testing.T, db *storage.DB) (*shop, *apitest.Clock) {
	clock := apitest.NewClock(time.Now())
	return newShop(t, db, apitest.WithClock(clock), apitest.SandboxClock(clock)), clock
}

// TestShippingPickupUpload: a pickup order handed over is reported to
// WeChat as picked up by the shopper (logistics_type 4) with what was in
// it. Right after payment WeChat does not know the payment yet (10060001)
// and then WeChat is down: the upload waits and retries, and is made once.
func TestShippingPickupUpload(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s, clock := withSandboxClock(t, db)
		o, tx := s.paidPickup(s.milk, 2, s.bread, 1)
		key := fmt.Sprintf("upload_shipping:%s:1", tx)
		if n, _ := db.Client.Job.Query().Where(job.Kind(shipping.KindUpload)).Count(context.Background()); n != 0 {
			t.Fatalf("%d uploads due before the goods left", n)
		}
		s.handOver(o)
		s.wantStatus(o.ID, order.StatusCompleted)

		s.runJobs() // WeChat has not indexed the payment yet
		j := s.job(key)
		if j.State != job.StatePending || j.Attempts != 1 || !strings.Contains(j.LastError, "10060001") ||
			j.NextAt.Sub(clock.Now().Add(10*time.Second)).Abs() > time.Millisecond {
			t.Fatalf("after 10060001: %+v", j)
		}
		if _, ok := s.shipped()[tx]; ok {
			t.Fatal("uploaded before WeChat knew the payment")
		}

		s.h.Do("POST", "/sandbox/faults", "", map[string]any{"op": "shipping", "count": 1}).OK(http.StatusOK, nil)
		clock.Advance(10 * time.Second)
		s.runJobs() // WeChat is down
		if j = s.job(key); j.State != job.StatePending || j.Attempts != 2 || !strings.Contains(j.LastError, "-1") {
			t.Fatalf("after an outage: %+v", j)
		}
		if n := s.runJobs(); n != 0 || s.job(key).Attempts != 2 {
			t.Fatalf("a retry ran before it was due (%d ended)", n)
		}
		clock.Advance(30 * time.Second)
		s.runJobs()
		if j = s.job(key); j.State != job.StateDone {
			t.Fatalf("after WeChat came back: %+v", j)
		}
		s.runJobs()
		rec, ok := s.shipped()[tx]
		if !ok || rec.LogisticsType != 4 || rec.Uploads != 1 || rec.DeliveryMode != 1 || len(rec.ShippingList) != 1 ||
			rec.ShippingList[0].ItemDesc != "光明鲜牛奶 950ml*2;全麦吐司*1" {
			t.Fatalf("WeChat has %+v", rec)
		}

		// WeChat's push after the upload is taken and reconciled: get_order
		// says shipped, and our order (completed at the counter) stays.
		waitFor(t, func() bool { return s.jobCount(shipping.KindReconcile) == 1 })
		s.runJobs()
		if j, _ := db.Client.Job.Query().Where(job.Kind(shipping.KindReconcile)).Only(context.Background()); j.State != job.StateDone {
			t.Fatalf("reconcile job %+v", j)
		}
		s.wantStatus(o.ID, order.StatusCompleted)

		// The shopper confirms in WeChat too: get_order says so, another
		// push comes, and the completed order stays as it is.
		var confirmed struct {
			OrderState int `json:"order_state"`
		}
		clock.Advance(time.Minute) // a push of another time (pushes of one time are one)
		s.h.Do("POST", "/sandbox/shipping/confirm", "", map[string]string{"transaction_id": tx}).OK(http.StatusOK, &confirmed)
		if confirmed.OrderState != 3 {
			t.Fatalf("confirmed: order_state %d", confirmed.OrderState)
		}
		waitFor(t, func() bool { return s.jobCount(shipping.KindReconcile) == 2 })
		s.runJobs()
		s.wantStatus(o.ID, order.StatusCompleted)
	})
}

// waitFor waits (a few seconds at most) for background work to make ok true.
func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !ok(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting")
		}
	}
}

// jobCount is how many jobs of a kind there are.
func (s *shop) jobCount(kind string) int {
	n, err := s.db.Client.Job.Query().Where(job.Kind(kind)).Count(context.Background())
	if err != nil {
		s.t.Fatal(err)
	}
	return n
}

// TestShippingUploadsOnceAcrossRunners: three processes' job runners on
// one database, running at the same moment, make each upload once.
func TestShippingUploadsOnceAcrossRunners(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s, clock := withSandboxClock(t, db)
		var txs []string
		for range 3 {
			o, tx := s.paidPickup(s.milk, 1)
			s.handOver(o)
			txs = append(txs, tx)
		}
		clock.Advance(time.Minute) // WeChat has indexed the payments
		runners := make([]*jobs.Runner, 3)
		for i := range runners {
			runners[i] = jobs.New(db.Client, jobs.Options{Now: clock.Now})
			s.h.App.Shipping.Register(runners[i])
		}
		for range 2 {
			var wg sync.WaitGroup
			for _, r := range runners {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, err := r.RunOnce(context.Background()); err != nil && !storage.IsUnavailable(err) {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
		}
		recs := s.shipped()
		for _, tx := range txs {
			if r := recs[tx]; r.Uploads != 1 {
				t.Errorf("payment %s uploaded %d times", tx, r.Uploads)
			}
			if j := s.job(fmt.Sprintf("upload_shipping:%s:1", tx)); j.State != job.StateDone || j.Attempts != 1 {
				t.Errorf("upload job %+v", j)
			}
		}
	})
}

// TestShippingRiderReupload: a rider delivery is reported at pickup
// (logistics_type 2), not before; when it failed after pickup and the
// order was dispatched again, the second pickup is WeChat's one re-upload;
// a third is not sent, and the order's timeline says why. An upload WeChat
// refuses as re-shipped is reconciled with get_order: shipped there, so
// done.
func TestShippingRiderReupload(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		s := newRiderShop(t, db)
		ctx := context.Background()
		id, tx := s.paidDeliveryTx(s.address)
		s.clock.Advance(time.Minute) // WeChat has indexed the payment (10060001 before)

		// Dispatched, accepted, at the store: WeChat is told nothing yet.
		sh := s.dispatch(id)
		s.advance(sh.TrackingNo, "")
		s.advance(sh.TrackingNo, "")
		s.eventuallyShipment(sh.ID, shipment.StatusArrived)
		s.runJobs()
		if r, ok := s.shipped()[tx]; ok || s.jobCount(shipping.KindUpload) != 0 {
			t.Fatalf("reported before pickup: %+v", r)
		}
		s.advance(sh.TrackingNo, "")
		s.eventuallyShipment(sh.ID, shipment.StatusPickedUp)
		s.wantStatus(id, order.StatusShipped)
		s.runJobs()
		if r := s.shipped()[tx]; r.LogisticsType != 2 || r.Uploads != 1 || len(r.ShippingList) != 1 ||
			r.ShippingList[0].ItemDesc != "光明鲜牛奶 950ml*2" {
			t.Fatalf("first upload %+v", r)
		}
		if s.shipment(sh.ID).WechatUploadedAt == nil {
			t.Fatal("the shipment does not say WeChat has it")
		}

		// Failed after pickup, dispatched again: the one re-upload.
		s.failAfterPickup(id, sh)
		second := s.pickedUp(id)
		if r := s.shipped()[tx]; r.LogisticsType != 2 || r.Uploads != 2 {
			t.Fatalf("after the second pickup WeChat has %+v", r)
		}
		if s.shipment(second.ID).WechatUploadedAt == nil {
			t.Fatal("the re-uploaded shipment does not say WeChat has it")
		}
		// And again: nothing more is sent; the timeline says why.
		s.failAfterPickup(id, second)
		third := s.pickedUp(id)
		if r := s.shipped()[tx]; r.Uploads != 2 {
			t.Fatalf("uploads %+v, want the first and the one re-upload", r)
		}
		if n := s.jobCount(shipping.KindUpload); n != 2 {
			t.Fatalf("%d upload jobs, want 2", n)
		}
		note, err := db.Client.OrderEvent.Query().Where(orderevent.OrderID(id), orderevent.NoteContains("one re-upload")).Count(ctx)
		if err != nil || note != 1 {
			t.Fatalf("timeline entries about the third shipping: %d (%v)", note, err)
		}
		s.advance(third.TrackingNo, "")
		s.eventuallyShipment(third.ID, shipment.StatusDelivered)
		s.wantStatus(id, order.StatusDelivered)
		s.runJobs()
		if n := s.jobCount(shipping.KindConfirm); n != 0 {
			t.Fatalf("%d confirm reminders of a rider delivery (WeChat takes them for express only)", n)
		}
		var done orderView
		s.h.Do("POST", apitest.Path("/api/v1/orders/%d/receive", id), s.shopper.Token, nil).OK(http.StatusOK, &done)
		if done.Status != "completed" {
			t.Fatalf("received %+v", done)
		}

		// WeChat refuses a third upload (10060003): the first upload again,
		// as it was made, under another key. The job asks get_order, which
		// has the payment shipped: done, nothing sent.
		var up shipping.Upload
		if err := jobs.Decode(s.job(fmt.Sprintf("upload_shipping:%s:1", tx)), &up); err != nil {
			t.Fatal(err)
		}
		err = storage.WithTx(ctx, db.Client, func(etx *ent.Tx) error {
			return s.h.App.Jobs.Enqueue(ctx, etx, jobs.Job{Kind: shipping.KindUpload, Key: "upload_shipping:test:" + tx, Payload: up})
		})
		if err != nil {
			t.Fatal(err)
		}
		s.runJobs()
		if j := s.job("upload_shipping:test:" + tx); j.State != job.StateDone || j.Attempts != 1 {
			t.Fatalf("a refused re-upload: %+v", j)
		}
		if r := s.shipped()[tx]; r.Uploads != 2 {
			t.Fatalf("uploads %d after the refusal", r.Uploads)
		}
	})
}

// TestShippingExpressParcelsAndReceipt: express parcels shipped by staff
// are reported as one entry each (split, all delivered), the SF one with
// the receiver's masked phone, once WeChat has indexed the payment (it
// answers 10060001 until then, and the upload waits); when both parcels
// are signed the order is delivered and WeChat's confirm reminder is sent
// once; the shopper confirming in WeChat pushes to wemart, which asks
// get_order and completes the order, by WeChat.
func TestShippingExpressParcelsAndReceipt(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		clk := sandboxtest.NewClock(time.Now())
		s := newExpressShopOn(t, db, clk, onClock(clk))
		o, tx := s.paidDeliveryTx()
		const sfNo, ztoNo = "SF1234567890123", "78123456789012"
		s.ship(o.ID, map[string]any{"parcels": []map[string]string{
			{"carrier": "SF", "tracking_no": sfNo}, {"carrier": "ZTO", "tracking_no": ztoNo},
		}}).OK(http.StatusOK, nil)
		s.runJobs() // WeChat has not indexed the payment yet
		key := fmt.Sprintf("upload_shipping:%s:1", tx)
		if j := s.job(key); j.State != job.StatePending || j.Attempts != 1 || !strings.Contains(j.LastError, "10060001") {
			t.Fatalf("after 10060001: %+v", j)
		}
		if _, ok := s.shipped()[tx]; ok {
			t.Fatal("uploaded before WeChat knew the payment")
		}
		clk.Advance(time.Minute)
		s.settle()
		s.runJobs()
		r := s.shipped()[tx]
		if r.LogisticsType != 1 || r.DeliveryMode != 2 || !r.IsAllDelivered || len(r.ShippingList) != 2 || r.Uploads != 1 {
			t.Fatalf("express upload %+v", r)
		}
		sf, zto := r.ShippingList[0], r.ShippingList[1]
		if sf.ExpressCompany != "SF" || sf.TrackingNo != sfNo || sf.Contact == nil || sf.Contact.ReceiverContact != "138****0000" ||
			zto.ExpressCompany != "ZTO" || zto.TrackingNo != ztoNo || zto.Contact != nil && zto.Contact.ReceiverContact != "" {
			t.Fatalf("parcels %+v", r.ShippingList)
		}
		// WeChat's push after shipping is reconciled: shipped there, nothing to do.
		waitFor(t, func() bool { return s.jobCount(shipping.KindReconcile) == 1 })
		s.runJobs()
		s.wantStatus(o.ID, order.StatusShipped)

		// SF signed: the order waits for ZTO; then it is delivered and
		// WeChat's confirm reminder goes out.
		for range 4 {
			s.advance(sfNo, http.StatusOK)
		}
		s.runJobs()
		s.wantStatus(o.ID, order.StatusShipped)
		if n := s.jobCount(shipping.KindConfirm); n != 0 {
			t.Fatalf("%d confirm reminders with a parcel on its way", n)
		}
		for range 4 {
			s.advance(ztoNo, http.StatusOK)
		}
		s.wantStatus(o.ID, order.StatusDelivered)
		s.runJobs()
		if r := s.shipped()[tx]; r.RemindedTime == 0 || r.ReceivedTime != 0 || r.Uploads != 1 {
			t.Fatalf("after the confirm reminder: %+v", r)
		}
		if j := s.job("confirm_receive:" + tx); j.State != job.StateDone {
			t.Fatalf("confirm job %+v", j)
		}

		clk.Advance(time.Minute)
		s.h.Do("POST", "/sandbox/shipping/confirm", "", map[string]string{"transaction_id": tx}).OK(http.StatusOK, nil)
		waitFor(t, func() bool { return s.jobCount(shipping.KindReconcile) == 2 })
		s.h.Do("POST", "/sandbox/shipping/confirm", "", map[string]string{"transaction_id": tx}).OK(http.StatusOK, nil)
		s.runJobs()
		done := s.wantStatus(o.ID, order.StatusCompleted)
		last := done.Timeline[len(done.Timeline)-1]
		if last.Actor != "wechat" || last.Status != "completed" || done.statuses() != "pending_payment>paid>shipped>delivered>completed" {
			t.Fatalf("completed by %+v (%s)", last, done.statuses())
		}
		s.settle()
		time.Sleep(50 * time.Millisecond) // a second push would have arrived by now
		if n := s.jobCount(shipping.KindReconcile); n != 2 {
			t.Fatalf("%d reconcile jobs after confirming twice", n)
		}
		s.h.Do("POST", "/sandbox/shipping/confirm", "", map[string]string{"transaction_id": "4200000000nope"}).Fails(http.StatusNotFound, "not_found")
	})
}
