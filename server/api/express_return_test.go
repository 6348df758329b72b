package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"wemart/ent/order"
	"wemart/server/apitest"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

// TestExpressParcelTurnedBack: a parcel the carrier returns to the sender
// (Kuaidi100 state 4) or the receiver rejects (14) leaves its order
// shipped, with its automatic receipt stopped and a note on the timeline
// for staff; the sweeper never completes it, however late.
func TestExpressParcelTurnedBack(t *testing.T) {
	for _, c := range []struct{ outcome, status, words string }{
		{"reject", "rejected", "rejected by the receiver"},
		{"return", "returned", "returned to the sender"},
	} {
		t.Run(c.outcome, func(t *testing.T) {
			storagetest.Each(t, func(t *testing.T, db *storage.DB) {
				clock := apitest.NewClock(time.Now())
				s := newExpressShop(t, db, apitest.WithClock(clock))
				o := s.paidDelivery()
				const no = "JDVA12345678901"
				s.ship(o.ID, map[string]string{"carrier": "JD", "tracking_no": no}).OK(http.StatusOK, nil)
				s.runJobs()
				s.settle()
				s.advance(no, http.StatusOK)
				if got := s.advance(no, http.StatusOK); got != "in_transit" {
					t.Fatalf("advance answered %s", got)
				}
				adv := func(outcome string) *apitest.Response {
					return s.h.Do("POST", "/sandbox/logistics/advance", "", map[string]string{"tracking_no": no, "outcome": outcome})
				}
				adv("fail").Fails(http.StatusBadRequest, "invalid_argument") // a rider's outcome
				var out struct{ Status string }
				adv(c.outcome).OK(http.StatusOK, &out)
				if out.Status != c.status {
					t.Fatalf("advance %s answered %s", c.outcome, out.Status)
				}
				s.settle()
				adv(c.outcome).Fails(http.StatusConflict, "conflict")
				s.advance(no, http.StatusConflict)

				if got := s.tracking(o.ID).statuses(); !strings.HasPrefix(got, c.status+"/") {
					t.Fatalf("tracking %s", got)
				}
				v := s.wantStatus(o.ID, order.StatusShipped)
				last := v.Timeline[len(v.Timeline)-1]
				if last.Status != "shipped" || last.FromStatus == nil || *last.FromStatus != "shipped" ||
					!strings.Contains(last.Note, c.words) || !strings.Contains(last.Note, no) {
					t.Fatalf("timeline %+v", v.Timeline)
				}
				if row := db.Client.Order.GetX(context.Background(), o.ID); row.ReceiveDueAt != nil {
					t.Fatalf("receive_due_at is still %s", row.ReceiveDueAt)
				}
				clock.Advance(1000 * time.Hour)
				s.sweep()
				if got := s.order(o.ID).statuses(); got != "pending_payment>paid>shipped>shipped" {
					t.Fatalf("timeline %s", got)
				}
			})
		})
	}
}
