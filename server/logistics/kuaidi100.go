package logistics

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"wemart/ent/shipment"
	"wemart/server/errs"
)

// Kuaidi100LiveURL is Kuaidi100's API host (poll.kuaidi100.com): /poll
// subscribes, /poll/query.do queries.
const Kuaidi100LiveURL = "https://poll.kuaidi100.com"

// Kuaidi100Config is an account at Kuaidi100 and where to reach it.
type Kuaidi100Config struct {
	// BaseURL is Kuaidi100LiveURL, or the sandbox's imitation
	// (<sandbox>/sandbox/kuaidi100).
	BaseURL string
	// Customer and Key are the account's id and key (the sign of queries
	// and the key of subscriptions).
	Customer string
	Key      string
	// Salt is wemart's own secret that Kuaidi100 signs pushes with (given
	// with every subscription).
	Salt   string
	Client *http.Client
}

// Kuaidi100 is the Kuaidi100 tracking provider (快递100): subscriptions
// with pushes to wemart, and real-time queries.
type Kuaidi100 struct{ cfg Kuaidi100Config }

// NewKuaidi100 returns the provider for an account.
func NewKuaidi100(cfg Kuaidi100Config) *Kuaidi100 {
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 10 * time.Second}
	}
	return &Kuaidi100{cfg: cfg}
}

// Kuaidi100Sign is Kuaidi100's signature: upper(md5(the parts joined)).
// Queries are signed over param+key+customer, pushes over param+salt.
func Kuaidi100Sign(parts ...string) string {
	sum := md5.Sum([]byte(strings.Join(parts, "")))
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// Kuaidi100 subscription return codes.
const (
	k100OK        = "200"
	k100Duplicate = "501" // already polling that number
)

// k100Refusals are the return codes retrying cannot mend: 600 bad key,
// 601 key expired, 700 bad data or callback URL, 701 carrier refused, 702
// carrier not recognised.
var k100Refusals = map[string]bool{"600": true, "601": true, "700": true, "701": true, "702": true}

// k100Answer is Kuaidi100's answer to a subscription (and to a failed
// query).
type k100Answer struct {
	Result     bool   `json:"result"`
	ReturnCode string `json:"returnCode"`
	Message    string `json:"message"`
}

// Subscribe asks Kuaidi100 to push the parcel's updates to q.CallbackURL,
// signed with the salt. A parcel already subscribed (501) is nil.
func (k *Kuaidi100) Subscribe(ctx context.Context, q Query) (err error) {
	defer errs.Op(&err, "logistics.Kuaidi100.Subscribe")
	co, ok := CompanyByID(q.Carrier)
	if !ok {
		return fmt.Errorf("%w: unknown express company %q", ErrRefused, q.Carrier)
	}
	params := map[string]string{"callbackurl": q.CallbackURL, "salt": k.cfg.Salt, "resultv2": "1"}
	if q.Phone != "" {
		params["phone"] = q.Phone
	}
	param, err := json.Marshal(map[string]any{"company": co.Kuaidi100, "number": q.Number, "key": k.cfg.Key, "parameters": params})
	if err != nil {
		return err
	}
	var a k100Answer
	if err := k.post(ctx, "/poll", url.Values{"schema": {"json"}, "param": {string(param)}}, &a); err != nil {
		return err
	}
	switch {
	case a.ReturnCode == k100OK || a.ReturnCode == k100Duplicate:
		return nil
	case k100Refusals[a.ReturnCode]:
		return fmt.Errorf("%w: %s %s", ErrRefused, a.ReturnCode, a.Message)
	}
	return fmt.Errorf("kuaidi100 answered %s %s", a.ReturnCode, a.Message)
}

// Query asks Kuaidi100 for the parcel's track now.
func (k *Kuaidi100) Query(ctx context.Context, q Query) (_ Track, err error) {
	defer errs.Op(&err, "logistics.Kuaidi100.Query")
	co, ok := CompanyByID(q.Carrier)
	if !ok {
		return Track{}, fmt.Errorf("%w: unknown express company %q", ErrRefused, q.Carrier)
	}
	p := map[string]string{"com": co.Kuaidi100, "num": q.Number, "resultv2": "1"}
	if q.Phone != "" {
		p["phone"] = q.Phone
	}
	param, err := json.Marshal(p)
	if err != nil {
		return Track{}, err
	}
	form := url.Values{"customer": {k.cfg.Customer}, "param": {string(param)},
		"sign": {Kuaidi100Sign(string(param), k.cfg.Key, k.cfg.Customer)}}
	var raw json.RawMessage
	if err := k.post(ctx, "/poll/query.do", form, &raw); err != nil {
		return Track{}, err
	}
	var failed struct {
		Result     *bool  `json:"result"`
		ReturnCode string `json:"returnCode"`
		Message    string `json:"message"`
	}
	if json.Unmarshal(raw, &failed) == nil && failed.Result != nil && !*failed.Result {
		if k100Refusals[failed.ReturnCode] || failed.ReturnCode == "400" || failed.ReturnCode == "408" {
			return Track{}, fmt.Errorf("%w: %s %s", ErrRefused, failed.ReturnCode, failed.Message)
		}
		return Track{}, fmt.Errorf("kuaidi100 answered %s %s", failed.ReturnCode, failed.Message)
	}
	var r k100Result
	if err := json.Unmarshal(raw, &r); err != nil {
		return Track{}, fmt.Errorf("kuaidi100's answer: %w", err)
	}
	return r.track(), nil
}

// post sends a form to Kuaidi100 and decodes its JSON answer into out.
func (k *Kuaidi100) post(ctx context.Context, path string, form url.Values, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, k.cfg.BaseURL+path, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := k.cfg.Client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("kuaidi100 answered HTTP %d", res.StatusCode)
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("kuaidi100's answer: %w", err)
	}
	return nil
}

// Kuaidi100Ack is the answer Kuaidi100 expects to a push it may stop
// retrying.
var Kuaidi100Ack = []byte(`{"result":true,"returnCode":"200","message":"成功"}`)

// maxPush bounds a push's body (a parcel's whole history).
const maxPush = 1 << 20

// ParsePush reads a Kuaidi100 push (a form of param and sign): the sign
// must be upper(md5(param + salt)), checked before param is read. A forged
// push is unauthenticated; a malformed one invalid.
func (k *Kuaidi100) ParsePush(r *http.Request) (_ Track, ack []byte, err error) {
	defer errs.Op(&err, "logistics.Kuaidi100.ParsePush")
	r.Body = http.MaxBytesReader(nil, r.Body, maxPush)
	if err := r.ParseForm(); err != nil {
		return Track{}, nil, errs.E(errs.Invalid, "the push is not a form: %v", err)
	}
	param, sign := r.PostForm.Get("param"), r.PostForm.Get("sign")
	want := Kuaidi100Sign(param, k.cfg.Salt)
	if param == "" || subtle.ConstantTimeCompare([]byte(strings.ToUpper(sign)), []byte(want)) != 1 {
		return Track{}, nil, errs.Wrap(ErrForged, errs.Unauthenticated, "the push's sign does not match")
	}
	var p struct {
		Status     string     `json:"status"`
		Message    string     `json:"message"`
		LastResult k100Result `json:"lastResult"`
	}
	if err := json.Unmarshal([]byte(param), &p); err != nil {
		return Track{}, nil, errs.E(errs.Invalid, "the push's param is not JSON: %v", err)
	}
	t := p.LastResult.track()
	if t.Number == "" {
		return Track{}, nil, errs.E(errs.Invalid, "the push names no tracking number")
	}
	t.Ended = t.Ended || p.Status == "shutdown" || p.Status == "abort"
	return t, Kuaidi100Ack, nil
}

// k100Result is a parcel's track as Kuaidi100 writes it (a query's answer,
// a push's lastResult).
type k100Result struct {
	Com     string     `json:"com"`
	Nu      string     `json:"nu"`
	State   flexString `json:"state"`
	IsCheck flexString `json:"ischeck"`
	Data    []k100Item `json:"data"`
}

// k100Item is one event of a track. Status and StatusCode come with
// resultv2.
type k100Item struct {
	Time       string     `json:"time"`
	Ftime      string     `json:"ftime"`
	Context    string     `json:"context"`
	Status     string     `json:"status"`
	StatusCode flexString `json:"statusCode"`
	AreaName   string     `json:"areaName"`
}

// flexString is a JSON string or number, as a string (Kuaidi100 writes its
// codes as strings, but not everywhere).
type flexString string

// UnmarshalJSON accepts a string, a number or null.
func (f *flexString) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*f = flexString(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		if bytes.Equal(b, []byte("null")) {
			return nil
		}
		return err
	}
	*f = flexString(n.String())
	return nil
}

// beijing is the time zone Kuaidi100 writes its times in.
var beijing = time.FixedZone("CST", 8*3600)

// track is r as a Track.
func (r k100Result) track() Track {
	t := Track{Number: Normalize(r.Nu), Status: Kuaidi100State(string(r.State)), Ended: r.IsCheck == "1"}
	if co, ok := companyByKuaidi100(r.Com); ok {
		t.Carrier = co.ID
	}
	for i, it := range r.Data {
		st := Kuaidi100State(string(it.StatusCode))
		switch {
		case it.StatusCode != "":
		case kuaidi100Names[it.Status] != "":
			st = kuaidi100Names[it.Status]
		case i == 0:
			st = t.Status
		default:
			st = shipment.StatusInTransit
		}
		at := it.Ftime
		if at == "" {
			at = it.Time
		}
		when, err := time.ParseInLocation("2006-01-02 15:04:05", at, beijing)
		if err != nil {
			continue // an event without a time cannot be placed
		}
		t.Events = append(t.Events, Event{Status: st, Time: when.UTC(), Text: it.Context, Location: it.AreaName})
	}
	return t
}

// Kuaidi100State maps a Kuaidi100 state (0 在途, 1 揽收, 2 疑难, 3 签收,
// 4 退签, 5 派件, 6 退回, 7 转投, 8 清关, 10-13 清关 steps, 14 拒签, and
// resultv2's sub-states: 101-103 order/pickup, 1001+ transit, 2xx
// problems, 3xx signed, 4xx returned, 5xx delivery) to a shipment status.
// Anything unknown is in transit.
func Kuaidi100State(code string) shipment.Status {
	n, err := strconv.Atoi(code)
	if err != nil {
		return shipment.StatusInTransit
	}
	switch {
	case n == 101 || n == 102:
		return shipment.StatusCreated
	case n >= 1000 && n < 2000:
		return shipment.StatusInTransit
	case n >= 100 && n < 600:
		n /= 100
	}
	switch n {
	case 1:
		return shipment.StatusCollected
	case 2, 6, 13:
		return shipment.StatusProblem
	case 3:
		return shipment.StatusSigned
	case 4:
		return shipment.StatusReturned
	case 5:
		return shipment.StatusOutForDelivery
	case 14:
		return shipment.StatusRejected
	}
	return shipment.StatusInTransit
}

// kuaidi100Names are the state names resultv2 puts on each event.
var kuaidi100Names = map[string]shipment.Status{
	"在途": shipment.StatusInTransit, "揽收": shipment.StatusCollected, "疑难": shipment.StatusProblem,
	"签收": shipment.StatusSigned, "退签": shipment.StatusReturned, "派件": shipment.StatusOutForDelivery,
	"清关": shipment.StatusInTransit, "拒签": shipment.StatusRejected, "退回": shipment.StatusProblem,
	"转投": shipment.StatusInTransit, "待清关": shipment.StatusInTransit, "清关中": shipment.StatusInTransit,
	"已清关": shipment.StatusInTransit, "清关异常": shipment.StatusProblem,
}
