// Package sandbox is an in-process simulator of the parts of WeChat that
// wemart uses: the mini program server API (api.weixin.qq.com: access tokens,
// code2session, phone numbers, mini program codes, subscribe messages, the
// shipping-info API) and WeChat Pay API v3 (api.mch.weixin.qq.com: JSAPI
// prepay, query, close, refunds, signed and encrypted notifications with
// WeChat's retry schedule). It is mounted under /sandbox/ on wemart's own
// server in sandbox mode and reached by the real client code through its
// base URLs, so business code never knows which WeChat it talks to.
//
// It checks what WeChat checks and fails the way WeChat fails: stale tokens
// get errcode 40001/42001, bad codes 40029, unsigned or mis-signed pay
// requests 401 SIGN_ERROR, a second prepay with another amount 400
// OUT_TRADE_NO_USED, and so on. Its state (transactions, refunds, shipping)
// is kept in a file in the data dir so a restart loses nothing.
package sandbox

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
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
	// StatePath is the file the sandbox keeps its state in ("" keeps it in memory).
	StatePath string
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
}

// Sandbox is the simulator. Use New, then Mount it on an echo server.
type Sandbox struct {
	opt    Options
	id     *Identity
	signer wxpay.Signer
	now    func() time.Time

	mu      sync.Mutex
	st      state
	tokens  map[string]time.Time // access token → expiry
	classic map[string]bool      // tokens from cgi-bin/token (not stable_token)
	stable  struct {
		token  string
		expiry time.Time
	}
	subscribe []SubscribeRecord
	faults    map[string]*fault // op → injected failure

	dirty      bool          // the state changed since the file was written
	saveSignal chan struct{} // wakes the writer
	fileMu     sync.Mutex    // one writer of the state file at a time

	wg      sync.WaitGroup
	closing chan struct{}
	closed  sync.Once
}

// state is what survives a restart.
type state struct {
	Transactions map[string]*transaction `json:"transactions"` // by out_trade_no
	Prepays      map[string]string       `json:"prepays"`      // prepay_id → out_trade_no
	Refunds      map[string]*refund      `json:"refunds"`      // by out_refund_no
	Deliveries   []Delivery              `json:"deliveries"`
}

// New returns a Sandbox, loading its state from StatePath if present.
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
	s := &Sandbox{
		opt: opt, id: opt.Identity, now: opt.Now,
		signer:     wxpay.Signer{Key: opt.Identity.PlatformKey, Serial: opt.Identity.PlatformKeyID, Now: opt.Now},
		tokens:     map[string]time.Time{},
		classic:    map[string]bool{},
		faults:     map[string]*fault{},
		saveSignal: make(chan struct{}, 1),
		closing:    make(chan struct{}),
		st:         state{Transactions: map[string]*transaction{}, Prepays: map[string]string{}, Refunds: map[string]*refund{}},
	}
	if opt.StatePath != "" {
		b, err := os.ReadFile(opt.StatePath)
		switch {
		case err == nil:
			if err := json.Unmarshal(b, &s.st); err != nil {
				return nil, errors.New("sandbox: state file is corrupt: " + opt.StatePath)
			}
		case !errors.Is(err, os.ErrNotExist):
			return nil, err
		}
	}
	if opt.StatePath != "" {
		s.wg.Add(1)
		go s.writer()
	}
	s.resumeRefunds()
	return s, nil
}

// Identity is the simulated WeChat account.
func (s *Sandbox) Identity() *Identity { return s.id }

// Close stops background deliveries, waits for them and writes the state.
func (s *Sandbox) Close() {
	s.closed.Do(func() { close(s.closing) })
	s.wg.Wait()
	if s.opt.StatePath != "" {
		s.flush()
	}
}

// Mount adds the sandbox's routes under /sandbox/ to e.
func (s *Sandbox) Mount(e *echo.Echo) {
	api := e.Group(APIPrefix)
	api.GET("/cgi-bin/token", s.token)
	api.POST("/cgi-bin/stable_token", s.stableToken)
	api.GET("/sns/jscode2session", s.code2Session)
	api.POST("/wxa/business/getuserphonenumber", s.phoneNumber)
	api.POST("/wxa/getwxacodeunlimit", s.wxaCode)
	api.POST("/cgi-bin/message/subscribe/send", s.sendSubscribe)
	api.POST("/wxa/sec/order/upload_shipping_info", s.uploadShipping)
	api.POST("/wxa/sec/order/notify_confirm_receive", s.confirmReceive)
	api.POST("/wxa/sec/order/get_order", s.getShippingOrder)

	mch := e.Group(MchPrefix, s.verifyMerchant)
	mch.POST("/v3/pay/transactions/jsapi", s.faulty(OpPrepay, s.prepay))
	mch.GET("/v3/pay/transactions/out-trade-no/:no", s.faulty(OpQuery, s.queryTransaction))
	mch.POST("/v3/pay/transactions/out-trade-no/:no/close", s.faulty(OpClose, s.closeTransaction))
	mch.POST("/v3/refund/domestic/refunds", s.faulty(OpRefund, s.createRefund))
	mch.GET("/v3/refund/domestic/refunds/:no", s.queryRefund)

	e.POST("/sandbox/pay", s.cashier)
	e.GET("/sandbox/records", s.records)
	e.POST("/sandbox/faults", s.injectFaults)
}

// save asks for the state to be written; call with s.mu held. Writes are
// coalesced (the whole state is one JSON file, and a checkout benchmark
// makes thousands of changes a second): the writer flushes at most every
// saveDelay, and Close flushes what is left.
func (s *Sandbox) save() {
	if s.opt.StatePath == "" {
		return
	}
	s.dirty = true
	select {
	case s.saveSignal <- struct{}{}:
	default: // a flush is already due
	}
}

// saveDelay is how long changes gather before the state file is rewritten.
const saveDelay = 50 * time.Millisecond

// writer flushes the state file after changes, until the sandbox closes.
func (s *Sandbox) writer() {
	defer s.wg.Done()
	for {
		select {
		case <-s.saveSignal:
		case <-s.closing:
			s.flush()
			return
		}
		t := time.NewTimer(saveDelay)
		select {
		case <-t.C:
		case <-s.closing:
			t.Stop()
		}
		s.flush()
	}
}

// flush writes the state file if it changed.
func (s *Sandbox) flush() {
	s.mu.Lock()
	if !s.dirty {
		s.mu.Unlock()
		return
	}
	s.dirty = false
	b, err := json.Marshal(&s.st)
	s.mu.Unlock()
	if err == nil {
		s.fileMu.Lock()
		defer s.fileMu.Unlock()
		tmp := s.opt.StatePath + ".tmp"
		if err = os.MkdirAll(filepath.Dir(tmp), 0o700); err == nil {
			if err = os.WriteFile(tmp, b, 0o600); err == nil {
				err = os.Rename(tmp, s.opt.StatePath)
			}
		}
	}
	if err != nil {
		s.opt.Log.Error("sandbox: saving state", "error", err)
		s.mu.Lock()
		s.dirty = true // try again with the next change, or at Close
		s.mu.Unlock()
	}
}

// scaled is d compressed by the time scale.
func (s *Sandbox) scaled(d time.Duration) time.Duration {
	return time.Duration(float64(d) * s.opt.TimeScale)
}

// sleep waits d (scaled) unless the sandbox closes first.
func (s *Sandbox) sleep(d time.Duration) bool {
	t := time.NewTimer(s.scaled(d))
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.closing:
		return false
	}
}

// beijing is the time zone WeChat writes its times in.
var beijing = time.FixedZone("CST", 8*3600)

func wxTime(t time.Time) string { return t.In(beijing).Format(time.RFC3339) }
