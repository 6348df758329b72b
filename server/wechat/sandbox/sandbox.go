// Package sandbox is a simulator of the parts of WeChat that wemart uses: the mini program server API (api.weixin.qq.com: access tokens,
// code2session, phone numbers, mini program codes, subscribe messages, the
// shipping-info API) and WeChat Pay API v3 (api.mch.weixin.qq.com: JSAPI
// prepay, query, close, refunds, signed and encrypted notifications with
// WeChat's retry schedule). It is mounted under /sandbox/ on wemart's own
// server in sandbox mode, or served alone by `wemart sandbox` for a fleet of
// servers to share, and reached by the real client code through its base
// URLs, so business code never knows which WeChat it talks to.
//
// It checks what WeChat checks and fails the way WeChat fails: stale tokens
// get errcode 40001/42001, bad codes 40029, unsigned or mis-signed pay
// requests 401 SIGN_ERROR, a second prepay with another amount or
// time_expire 403 OUT_TRADE_NO_USED, a subscribe message nobody accepted
// 43101, and so on.
//
// It is as durable as a payment provider must be: every change (a payment,
// a refund, a token, a notification not yet acknowledged and its place in
// the retry schedule) is appended to a journal in its directory and synced
// before the answer that reveals it leaves, so nothing it answered is
// forgotten, even after kill -9; pending notifications resume after a
// restart.
package sandbox

import (
	"errors"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"wemart/server/wechat/wxpay"
)

// Mount points of the two simulated WeChat hosts on wemart's server.
const (
	// APIPrefix stands for https://api.weixin.qq.com (the mini program base
	// URL is <server>/sandbox/api/).
	APIPrefix = "/sandbox/api"
	// MchPrefix stands for https://api.mch.weixin.qq.com.
	MchPrefix = "/sandbox/mch"
)

// RetrySchedule is WeChat Pay's notification retry schedule after a failed
// delivery (15s/15s/30s/3m/10m/20m/30m/30m/30m/60m/3h/3h/3h/6h/6h, 24h4m in all).
var RetrySchedule = []time.Duration{
	15 * time.Second, 15 * time.Second, 30 * time.Second, 3 * time.Minute, 10 * time.Minute,
	20 * time.Minute, 30 * time.Minute, 30 * time.Minute, 30 * time.Minute, 60 * time.Minute,
	3 * time.Hour, 3 * time.Hour, 3 * time.Hour, 6 * time.Hour, 6 * time.Hour,
}

// Options configure a Sandbox.
type Options struct {
	Identity *Identity
	// Dir is the directory the sandbox keeps its journal in ("" keeps its
	// state in memory only).
	Dir string
	// Pages are the mini program's pages, for getwxacodeunlimit's check_path.
	Pages []string
	// TimeScale compresses WeChat's delays (notification retries, refund
	// processing): 1 is real time, 0.001 turns 15 s into 15 ms.
	TimeScale float64
	// TokenTTL is how long an access token lives (7200 s at WeChat).
	TokenTTL time.Duration
	// Client delivers notifications (a short timeout, as WeChat has).
	Client *http.Client
	Log    *slog.Logger
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Sleep waits until Now shows at and reports true, or reports false
	// as soon as stop is closed (a timer when nil). Set with Now, it lets a
	// test move WeChat's delays (notification retries, refund processing)
	// by hand; see Tasks.
	Sleep func(at time.Time, stop <-chan struct{}) bool
	// CompactAfter is how many journal records at least trigger a
	// compaction (0: 4096); it also waits for twice the live state.
	CompactAfter int
}

// JournalFile is the name of the journal inside the sandbox's directory.
const JournalFile = "journal.jsonl"

// Sandbox is the simulator. Use New, then Mount it on an echo server.
type Sandbox struct {
	opt    Options
	id     *Identity
	signer wxpay.Signer
	now    func() time.Time

	mu     sync.Mutex
	st     state
	faults map[string]*fault // op → injected failure (not journaled: a test's setting, not WeChat's state)
	closed bool              // no new background work once set

	j         *journal // nil: in memory only
	compactAt int      // journal records that trigger the next compaction
	compact   chan struct{}

	wg      sync.WaitGroup
	tasks   atomic.Int64 // background tasks under way (see Tasks)
	closing chan struct{}
	once    sync.Once
}

// New returns a Sandbox, replaying its journal from Dir if there is one (or
// importing a state.json of an older sandbox once), and resumes what was in
// progress: notifications not yet acknowledged, refunds not yet settled.
func New(opt Options) (*Sandbox, error) {
	if opt.Identity == nil {
		return nil, errors.New("sandbox: an Identity is required")
	}
	if opt.TimeScale <= 0 {
		opt.TimeScale = 1
	}
	if opt.TokenTTL <= 0 {
		opt.TokenTTL = 7200 * time.Second
	}
	if opt.Client == nil {
		opt.Client = &http.Client{Timeout: 5 * time.Second}
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Sleep == nil {
		opt.Sleep = timerSleep(opt.Now)
	}
	if opt.CompactAfter <= 0 {
		opt.CompactAfter = 4096
	}
	if opt.Identity.PushToken == "" || opt.Identity.PushAESKey == "" {
		opt.Identity.fillPush()
	}
	s := &Sandbox{
		opt: opt, id: opt.Identity, now: opt.Now,
		signer:  wxpay.Signer{Key: opt.Identity.PlatformKey, Serial: opt.Identity.PlatformKeyID, Now: opt.Now},
		faults:  map[string]*fault{},
		closing: make(chan struct{}),
		compact: make(chan struct{}, 1),
		st:      newState(),
	}
	if opt.Dir != "" {
		if err := s.openJournal(); err != nil {
			return nil, err
		}
		s.wg.Add(1)
		go s.compactor()
	}
	s.mu.Lock()
	s.resume()
	s.mu.Unlock()
	return s, nil
}

// openJournal replays the journal into the state (importing an old
// state.json first when there is no journal yet).
func (s *Sandbox) openJournal() error {
	j, err := openJournal(filepath.Join(s.opt.Dir, JournalFile), s.st.apply)
	if err != nil {
		return err
	}
	s.j = j
	legacy := filepath.Join(s.opt.Dir, legacyStateFile)
	if j.records() == 0 { // a new journal (or one a crash left empty before the import)
		imported, err := importLegacy(legacy, &s.st)
		if err == nil && imported {
			if err = j.rewrite(s.st.snapshot()); err == nil {
				err = os.Rename(legacy, legacy+".imported")
				s.opt.Log.Info("sandbox: imported the old state file into the journal", "from", legacy)
			}
		}
		if err != nil {
			j.close()
			return err
		}
	}
	s.compactAt = max(s.opt.CompactAfter, 2*j.records())
	return nil
}

// Identity is the simulated WeChat account.
func (s *Sandbox) Identity() *Identity { return s.id }

// Close stops background work (deliveries, refund settlement), waits for
// it, and closes the journal with everything written.
func (s *Sandbox) Close() {
	s.once.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		close(s.closing)
		s.wg.Wait()
		if s.j != nil {
			if err := s.j.close(); err != nil {
				s.opt.Log.Error("sandbox: closing the journal", "error", err)
			}
		}
	})
}

// Mount adds the sandbox's routes under /sandbox/ to e.
func (s *Sandbox) Mount(e *echo.Echo) {
	api := e.Group(APIPrefix, s.durable)
	api.GET("/cgi-bin/token", s.token)
	api.POST("/cgi-bin/stable_token", s.stableToken)
	api.GET("/sns/jscode2session", s.code2Session)
	api.POST("/wxa/business/getuserphonenumber", s.phoneNumber)
	api.POST("/wxa/getwxacodeunlimit", s.faulty(OpWXACode, s.wxaCode))
	api.POST("/cgi-bin/message/subscribe/send", s.sendSubscribe)
	api.POST("/wxa/sec/order/upload_shipping_info", s.faulty(OpShipping, s.uploadShipping))
	api.POST("/wxa/sec/order/notify_confirm_receive", s.faulty(OpShipping, s.confirmReceive))
	api.POST("/wxa/sec/order/get_order", s.faulty(OpShipping, s.getShippingOrder))

	mch := e.Group(MchPrefix, s.durable, s.verifyMerchant)
	mch.POST("/v3/pay/transactions/jsapi", s.faulty(OpPrepay, s.prepay))
	mch.GET("/v3/pay/transactions/out-trade-no/:no", s.faulty(OpQuery, s.queryTransaction))
	mch.POST("/v3/pay/transactions/out-trade-no/:no/close", s.faulty(OpClose, s.closeTransaction))
	mch.POST("/v3/refund/domestic/refunds", s.faulty(OpRefund, s.createRefund))
	mch.GET("/v3/refund/domestic/refunds/:no", s.queryRefund)

	e.GET("/sandbox/openapi.yaml", func(c echo.Context) error { return c.Blob(http.StatusOK, "application/yaml", OpenAPI) })
	e.POST("/sandbox/pay", s.cashier, s.durable)
	e.GET("/sandbox/records", s.records, s.durable)
	e.POST("/sandbox/faults", s.injectFaults, s.durable)
	e.GET("/sandbox/identity", s.identity, s.durable)
	e.POST("/sandbox/subscribe/grants", s.grant, s.durable)
	e.POST(Kuaidi100Prefix+"/poll", s.kuaidi100Subscribe, s.durable)
	e.POST(Kuaidi100Prefix+"/poll/query.do", s.kuaidi100Query, s.durable)
	e.POST("/sandbox/logistics/advance", s.advance, s.durable)
	s.mountRider(e)
	e.POST("/sandbox/shipping/confirm", s.shopperConfirms, s.durable)
}

// durable holds every answer of the sandbox until the journal has on disk
// all it was told so far: whatever change the answer reveals (made by this
// request or seen by it) is then durable before anyone hears of it. If the
// journal cannot be written the answer becomes a 500 SYSTEM_ERROR (and the
// change is written with the next commit that succeeds).
func (s *Sandbox) durable(next echo.HandlerFunc) echo.HandlerFunc {
	if s.j == nil {
		return next
	}
	return func(c echo.Context) error {
		res := c.Response()
		res.Before(func() {
			if err := s.j.commitAll(); err != nil {
				s.opt.Log.Error("sandbox: journal write failed; answering 500", "error", err)
				for k := range res.Header() {
					if strings.HasPrefix(k, "Wechatpay-") { // the signature was over the other body
						delete(res.Header(), k)
					}
				}
				res.Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
				res.Status = http.StatusInternalServerError
				res.Writer = &replacedBody{ResponseWriter: res.Writer, body: journalFailure}
			}
		})
		return next(c)
	}
}

// journalFailure is the answer when the journal cannot be written, in both
// of WeChat's error shapes (pay's code/message and the mini program API's
// errcode/errmsg).
var journalFailure = []byte(`{"code":"SYSTEM_ERROR","message":"sandbox: its journal cannot be written","errcode":-1,"errmsg":"system error"}`)

// replacedBody sends body instead of whatever the handler writes.
type replacedBody struct {
	http.ResponseWriter
	body []byte
	sent bool
}

// Write writes the replacement body once and swallows the handler's.
func (w *replacedBody) Write(p []byte) (int, error) {
	if !w.sent {
		w.sent = true
		if _, err := w.ResponseWriter.Write(w.body); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// put journals the new value of one thing (nil: it is gone); call with s.mu
// held, right after changing it in memory.
func (s *Sandbox) put(kind, key string, v any) {
	if s.j == nil {
		return
	}
	s.j.add(encode(kind, key, v))
	if s.j.records() >= s.compactAt {
		select {
		case s.compact <- struct{}{}:
		default:
		}
	}
}

// compactor rewrites the journal as a snapshot when it has grown to twice
// the live state (and at least CompactAfter records): every change costs a
// constant append, and the file stays proportional to the state.
func (s *Sandbox) compactor() {
	defer s.wg.Done()
	for {
		select {
		case <-s.closing:
			return
		case <-s.compact:
		}
		s.mu.Lock()
		if s.j.records() >= s.compactAt {
			recs := s.st.snapshot()
			if err := s.j.rewrite(recs); err != nil {
				s.opt.Log.Error("sandbox: compacting the journal", "error", err)
			}
			s.compactAt = max(s.opt.CompactAfter, 2*len(recs))
		}
		s.mu.Unlock()
	}
}

// commit makes everything journaled so far durable (before a notification
// announces it, say). In memory only, there is nothing to do.
func (s *Sandbox) commit() error {
	if s.j == nil {
		return nil
	}
	return s.j.commitAll()
}

// start runs fn in the background unless the sandbox is closing; call with
// s.mu held.
func (s *Sandbox) start(fn func()) {
	if s.closed {
		return
	}
	s.wg.Add(1)
	s.tasks.Add(1)
	go func() {
		defer s.wg.Done()
		defer s.tasks.Add(-1)
		fn()
	}()
}

// Tasks is how many background tasks (deliveries of notifications not yet
// acknowledged, settlements of refunds) are under way, asleep or at work.
// With a clock of a test's own (Options.Sleep), the sandbox has done all it
// will do until the clock moves once all of them sleep on it.
func (s *Sandbox) Tasks() int { return int(s.tasks.Load()) }

// resume restarts what a restart interrupted: the delivery of every
// notification not yet acknowledged, at its place in the retry schedule, and
// the settlement of every refund still processing. Call with s.mu held.
func (s *Sandbox) resume() {
	for _, id := range keys(s.st.Pending) {
		s.start(func() { s.deliverPending(id) })
	}
	for _, no := range keys(s.st.Refunds) {
		if s.st.Refunds[no].Status == refundProcessing {
			s.start(func() { s.settle(no) })
		}
	}
	s.resumeParcels()
	s.resumeRiders()
}

// scaled is d compressed by the time scale.
func (s *Sandbox) scaled(d time.Duration) time.Duration {
	return time.Duration(float64(d) * s.opt.TimeScale)
}

// sleepUntil waits until the sandbox's clock shows at (at once if it is
// past), unless the sandbox closes first.
func (s *Sandbox) sleepUntil(at time.Time) bool { return s.opt.Sleep(at, s.closing) }

// timerSleep is Options.Sleep on a clock that moves by itself: a timer.
func timerSleep(now func() time.Time) func(time.Time, <-chan struct{}) bool {
	return func(at time.Time, stop <-chan struct{}) bool {
		d := at.Sub(now())
		if d <= 0 {
			select {
			case <-stop:
				return false
			default:
				return true
			}
		}
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return true
		case <-stop:
			return false
		}
	}
}

// beijing is the time zone WeChat writes its times in.
var beijing = time.FixedZone("CST", 8*3600)

func wxTime(t time.Time) string { return t.In(beijing).Format(time.RFC3339) }
