package sandbox

import (
	"bytes"
	"encoding/json"
	"net/http"
	"time"

	"wemart/server/wechat/wxpay"
)

// Delivery is one attempt to deliver a notification to the merchant.
type Delivery struct {
	NotificationID string    `json:"notification_id"`
	EventType      string    `json:"event_type"`
	URL            string    `json:"url"`
	Attempt        int       `json:"attempt"`
	Status         int       `json:"status"` // 0: no HTTP answer
	Error          string    `json:"error,omitempty"`
	At             time.Time `json:"at"`
}

// notification builds the encrypted notification body for a resource.
func (s *Sandbox) notification(event, summary, kind, id string, resource any) []byte {
	body, err := wxpay.NewNotification(s.id.APIv3Key, id, event, summary, kind, resource, s.now())
	if err != nil {
		panic(err) // resources are maps of plain values; marshalling cannot fail
	}
	return body
}

// deliver POSTs a notification once, freshly signed, and records the attempt.
func (s *Sandbox) deliver(url string, body []byte, attempt int) Delivery {
	var n wxpay.Notification
	_ = json.Unmarshal(body, &n)
	d := Delivery{NotificationID: n.ID, EventType: n.EventType, URL: url, Attempt: attempt, At: s.now().UTC()}
	h, err := s.signer.Headers(body)
	if err == nil {
		var req *http.Request
		if req, err = http.NewRequest(http.MethodPost, url, bytes.NewReader(body)); err == nil {
			req.Header = h
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("User-Agent", "Mozilla/4.0 (wemart WeChat Pay sandbox)")
			var res *http.Response
			if res, err = s.opt.Client.Do(req); err == nil {
				d.Status = res.StatusCode
				res.Body.Close()
			}
		}
	}
	if err != nil {
		d.Error = err.Error()
	}
	s.mu.Lock()
	s.st.Deliveries = append(s.st.Deliveries, d)
	if len(s.st.Deliveries) > 500 {
		s.st.Deliveries = s.st.Deliveries[len(s.st.Deliveries)-500:]
	}
	s.save()
	s.mu.Unlock()
	return d
}

func delivered(d Delivery) bool { return d.Status >= 200 && d.Status < 300 }

// deliverWithRetries delivers now and, until the merchant answers 2xx,
// again on WeChat's schedule in the background.
func (s *Sandbox) deliverWithRetries(url string, body []byte) Delivery {
	first := s.deliver(url, body, 1)
	if !delivered(first) {
		s.retry(url, body)
	}
	return first
}

func (s *Sandbox) retry(url string, body []byte) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for i, wait := range RetrySchedule {
			if !s.sleep(wait) {
				return
			}
			if d := s.deliver(url, body, i+2); delivered(d) {
				return
			}
		}
		s.opt.Log.Warn("sandbox: notification abandoned after WeChat's retry schedule", "url", url)
	}()
}

// Deliveries returns the delivery attempts so far, oldest first.
func (s *Sandbox) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.st.Deliveries...)
}
