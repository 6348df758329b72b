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

// pending is a notification the merchant has not acknowledged yet: WeChat
// keeps delivering it on its schedule, across restarts.
type pending struct {
	URL  string `json:"url"`
	Body []byte `json:"body"`
	// Hook is set for a webhook of another simulated service (a parcel
	// tracking push, a rider callback, a WeChat message push): it is sent
	// as it is, already signed, instead of as a WeChat Pay notification.
	Hook *webhook `json:"hook,omitempty"`
	// Attempts is how many deliveries were made so far.
	Attempts int `json:"attempts"`
	// Next is when the next delivery is due.
	Next time.Time `json:"next"`
}

// webhook is how a non-pay callback is posted: its content type, extra
// headers, and the event it announces (for the delivery log).
type webhook struct {
	ContentType string            `json:"content_type"`
	Header      map[string]string `json:"header,omitempty"`
	Event       string            `json:"event"`
	// Schedule is the service's retry delays ("" is WeChat Pay's, see
	// hookSchedules).
	Schedule string `json:"schedule,omitempty"`
}

// hookSchedules are the retry schedules of the simulated services by name:
// Kuaidi100 retries a refused push after 30 minutes, up to 3 times; the
// rider service and WeChat's message push retry 3 times a few seconds apart.
var hookSchedules = map[string][]time.Duration{
	"kuaidi100": {30 * time.Minute, 30 * time.Minute, 30 * time.Minute},
	"quick":     {5 * time.Second, 10 * time.Second, 30 * time.Second},
}

// enqueueHook journals a webhook of a simulated service to post now, with
// retries on its schedule until it is answered 2xx; call with s.mu held, in
// the same critical section as the change it announces. It starts the
// delivery in the background and returns the delivery id.
func (s *Sandbox) enqueueHook(url string, body []byte, h webhook) string {
	id := "D" + randHex(12)
	p := &pending{URL: url, Body: body, Hook: &h, Next: s.now()}
	s.st.Pending[id] = p
	s.put(recPending, id, p)
	s.start(func() { s.deliverPending(id) })
	return id
}

// schedule is the retry schedule of a pending delivery.
func (p *pending) schedule() []time.Duration {
	if p.Hook != nil {
		if sch, ok := hookSchedules[p.Hook.Schedule]; ok {
			return sch
		}
	}
	return RetrySchedule
}

// notification builds the encrypted notification body for a resource.
func (s *Sandbox) notification(event, summary, kind, id string, resource any) []byte {
	body, err := wxpay.NewNotification(s.id.APIv3Key, id, event, summary, kind, resource, s.now())
	if err != nil {
		panic(err) // resources are maps of plain values; marshalling cannot fail
	}
	return body
}

// enqueue journals a notification to deliver now, and returns its delivery
// id; call with s.mu held, in the same critical section as the change it
// announces, so a restart finds both or neither.
func (s *Sandbox) enqueue(url string, body []byte) string {
	id := "D" + randHex(12)
	p := &pending{URL: url, Body: body, Next: s.now()}
	s.st.Pending[id] = p
	s.put(recPending, id, p)
	return id
}

// deliverPending delivers a pending notification until the merchant answers
// 2xx or WeChat's schedule is exhausted (in the background).
func (s *Sandbox) deliverPending(id string) {
	for {
		s.mu.Lock()
		p := s.st.Pending[id]
		var next time.Time
		if p != nil {
			next = p.Next
		}
		s.mu.Unlock()
		if p == nil || !s.sleepUntil(next) {
			return
		}
		if _, done := s.attempt(id); done {
			return
		}
	}
}

// attempt delivers a pending notification once and records the outcome:
// acknowledged (it is done), or its next delivery on WeChat's schedule, or,
// past the schedule, abandoned. done is false while it stays pending.
func (s *Sandbox) attempt(id string) (d Delivery, done bool) {
	s.mu.Lock()
	p := s.st.Pending[id]
	if p == nil {
		s.mu.Unlock()
		return Delivery{}, true
	}
	url, body, hook, attempt := p.URL, p.Body, p.Hook, p.Attempts+1
	lost := hook == nil && s.takeFault(OpNotify) != nil
	s.mu.Unlock()

	d = Delivery{NotificationID: id, URL: url, Attempt: attempt, At: s.now().UTC()}
	if hook == nil {
		var n wxpay.Notification
		_ = json.Unmarshal(body, &n)
		d.NotificationID, d.EventType = n.ID, n.EventType
	} else {
		d.EventType = hook.Event
	}
	// What the notification announces must be durable before it is announced.
	err := s.commit()
	switch {
	case err != nil:
		d.Error = "sandbox: " + err.Error()
	case lost:
		d.Error = "sandbox: injected failure of notify (the notification was lost)"
	case hook != nil:
		d.Status, d.Error = s.postHook(url, body, hook)
	default:
		d.Status, d.Error = s.post(url, body)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.logDelivery(d)
	s.put(recDelivery, "", d)
	p = s.st.Pending[id]
	switch {
	case p == nil:
		return d, true
	case delivered(d):
		delete(s.st.Pending, id)
		s.put(recPending, id, nil)
		return d, true
	case attempt > len(p.schedule()):
		delete(s.st.Pending, id)
		s.put(recPending, id, nil)
		s.opt.Log.Warn("sandbox: notification abandoned after its retry schedule", "url", url, "id", d.NotificationID)
		return d, true
	}
	p.Attempts = attempt
	p.Next = s.now().Add(s.scaled(p.schedule()[attempt-1]))
	s.put(recPending, id, p)
	return d, false
}

// post POSTs a notification, freshly signed, and returns the merchant's
// HTTP status (0 and an error when it did not answer).
func (s *Sandbox) post(url string, body []byte) (int, string) {
	h, err := s.signer.Headers(body)
	if err != nil {
		return 0, err.Error()
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err.Error()
	}
	req.Header = h
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Mozilla/4.0 (wemart WeChat Pay sandbox)")
	res, err := s.opt.Client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	res.Body.Close()
	return res.StatusCode, ""
}

// postHook POSTs a webhook of a simulated service as it was built.
func (s *Sandbox) postHook(url string, body []byte, h *webhook) (int, string) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err.Error()
	}
	req.Header.Set("Content-Type", h.ContentType)
	for k, v := range h.Header {
		req.Header.Set(k, v)
	}
	req.Header.Set("User-Agent", "Mozilla/4.0 (wemart sandbox)")
	res, err := s.opt.Client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	res.Body.Close()
	return res.StatusCode, ""
}

func delivered(d Delivery) bool { return d.Status >= 200 && d.Status < 300 }

// deliverNow makes the first delivery of a pending notification while the
// caller waits (the cashier reports what the notify URL answered), then
// leaves the retries to the background.
func (s *Sandbox) deliverNow(id string) Delivery {
	d, done := s.attempt(id)
	if !done {
		s.mu.Lock()
		s.start(func() { s.deliverPending(id) })
		s.mu.Unlock()
	}
	return d
}

// Deliveries returns the delivery attempts so far, oldest first.
func (s *Sandbox) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.st.Deliveries...)
}

// Pending is how many notifications await acknowledgement.
func (s *Sandbox) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.st.Pending)
}
