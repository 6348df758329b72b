package sandbox

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"wemart/server/errs"
)

// Kuaidi100Prefix stands for https://poll.kuaidi100.com: the sandbox's
// imitation of Kuaidi100's parcel tracking (POST <prefix>/poll subscribes,
// POST <prefix>/poll/query.do queries).
const Kuaidi100Prefix = "/sandbox/kuaidi100"

// Kuaidi100 is the sandbox's made-up Kuaidi100 account (customer id and
// key), derived from the identity so that it survives restarts and a
// shared sandbox can hand it out (PublicIdentity).
func (id *Identity) Kuaidi100() (customer, key string) {
	derive := func(what string) string {
		m := hmac.New(sha256.New, []byte(id.APIv3Key))
		m.Write([]byte("kuaidi100 " + what))
		return strings.ToUpper(hex.EncodeToString(m.Sum(nil))[:32])
	}
	return derive("customer"), derive("key")
}

// parcelSteps are the states a sandbox parcel goes through, with Kuaidi100's
// state code and name, what the carrier writes, and how long after the
// previous step each comes (at Kuaidi100's real pace, before the time
// scale).
var parcelSteps = []struct {
	Status, State, Name, Text, Area string
	After                           time.Duration
}{
	{"collected", "1", "揽收", "【上海市】快递员已揽收", "上海市", 10 * time.Minute},
	{"in_transit", "0", "在途", "【上海市】快件已发往 上海转运中心", "上海市", 2 * time.Hour},
	{"out_for_delivery", "5", "派件", "【上海市】快递员正在派件，请保持电话畅通", "上海市,黄浦区", 12 * time.Hour},
	{"signed", "3", "签收", "【上海市】已签收，签收人凭取货码签收", "上海市,黄浦区", 2 * time.Hour},
}

// parcelEnds are the ways POST /sandbox/logistics/advance can end a parcel
// short of its signature (outcome "return" or "reject"): the status it ends
// in, Kuaidi100's state code and name, and what the carrier writes.
var parcelEnds = map[string]struct{ Status, State, Name, Text string }{
	"return": {"returned", "4", "退签", "【上海市】收件人地址无法投递，快件已退回寄件人"},
	"reject": {"rejected", "14", "拒签", "【上海市】收件人拒收，快件将退回寄件人"},
}

// parcel is a tracking number Kuaidi100 polls for a subscriber.
type parcel struct {
	Com      string `json:"com"`
	Number   string `json:"number"`
	Phone    string `json:"phone,omitempty"`
	Callback string `json:"callback"`
	Salt     string `json:"salt,omitempty"`
	// Step is how many of parcelSteps it has gone through.
	Step   int          `json:"step"`
	Events []parcelItem `json:"events"` // newest first
	// Next is when it moves on by itself.
	Next time.Time `json:"next"`
	// Ended is the status a parcel was ended in short of its signature
	// (returned, rejected), with State its Kuaidi100 state; it moves no
	// more.
	Ended string `json:"ended,omitempty"`
	State string `json:"state,omitempty"`
}

// done reports whether the parcel moves no more (signed, or ended).
func (pc *parcel) done() bool { return pc.Step >= len(parcelSteps) || pc.Ended != "" }

// parcelItem is one event of a parcel as Kuaidi100 writes it.
type parcelItem struct {
	Time     string `json:"time"`
	Ftime    string `json:"ftime"`
	Context  string `json:"context"`
	Status   string `json:"status"`
	AreaName string `json:"areaName"`
}

// kuaidi100Coms are the carrier codes the imitation recognises (702
// otherwise), and whether a subscription must carry the receiver's phone.
var kuaidi100Coms = map[string]bool{
	"shunfeng": true, "zhongtong": false, "yuantong": false, "yunda": false, "shentong": false,
	"jd": false, "ems": false, "jtexpress": false, "debangkuaidi": false, "youzhengguonei": false,
}

// k100Answer is Kuaidi100's answer shape for subscriptions and failures.
func k100Answer(c echo.Context, ok bool, code, msg string) error {
	return c.JSON(http.StatusOK, map[string]any{"result": ok, "returnCode": code, "message": msg})
}

// kuaidi100Sign is upper(md5(parts joined)), as Kuaidi100 signs.
func kuaidi100Sign(parts ...string) string {
	sum := md5.Sum([]byte(strings.Join(parts, "")))
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// kuaidi100Subscribe is POST /sandbox/kuaidi100/poll: a form of schema=json
// and param={company, number, key, parameters{callbackurl, salt, resultv2,
// phone}}. It answers as Kuaidi100: 200, 501 for a number already polled,
// 600 for a wrong key, 700 for bad data, 702 for an unknown carrier.
func (s *Sandbox) kuaidi100Subscribe(c echo.Context) error {
	if c.FormValue("schema") != "json" {
		return k100Answer(c, false, "400", "schema must be json")
	}
	var p struct {
		Company    string `json:"company"`
		Number     string `json:"number"`
		Key        string `json:"key"`
		Parameters struct {
			CallbackURL string `json:"callbackurl"`
			Salt        string `json:"salt"`
			Phone       string `json:"phone"`
		} `json:"parameters"`
	}
	if err := json.Unmarshal([]byte(c.FormValue("param")), &p); err != nil {
		return k100Answer(c, false, "400", "param is not JSON")
	}
	_, key := s.id.Kuaidi100()
	needsPhone, known := kuaidi100Coms[p.Company]
	cb, err := url.Parse(p.Parameters.CallbackURL)
	switch {
	case subtle.ConstantTimeCompare([]byte(p.Key), []byte(key)) != 1:
		return k100Answer(c, false, "600", "您不是合法的订阅者（即授权Key出错）")
	case !known:
		return k100Answer(c, false, "702", "POLL:识别不到该单号对应的快递公司")
	case p.Number == "" || len(p.Number) > 32:
		return k100Answer(c, false, "700", "订阅方的订阅数据存在错误（如不支持的快递公司、单号为空、单号超长等）")
	case err != nil || (cb.Scheme != "http" && cb.Scheme != "https") || cb.Host == "":
		return k100Answer(c, false, "700", "回调地址错误")
	case needsPhone && p.Parameters.Phone == "":
		return k100Answer(c, false, "700", "顺丰单号需要填写收、寄件人的电话号码")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.st.Parcels[p.Number]; dup {
		return k100Answer(c, false, "501", "重复订阅")
	}
	pc := &parcel{Com: p.Company, Number: p.Number, Phone: p.Parameters.Phone, Callback: p.Parameters.CallbackURL,
		Salt: p.Parameters.Salt, Next: s.now().Add(s.scaled(parcelSteps[0].After))}
	s.st.Parcels[p.Number] = pc
	s.put(recParcel, p.Number, pc)
	s.start(func() { s.moveParcel(p.Number) })
	return k100Answer(c, true, "200", "提交成功")
}

// kuaidi100Query is POST /sandbox/kuaidi100/poll/query.do: a form of
// customer, param={com, num, phone?} and sign=upper(md5(param+key+customer)).
func (s *Sandbox) kuaidi100Query(c echo.Context) error {
	customer, key := s.id.Kuaidi100()
	param, sign := c.FormValue("param"), c.FormValue("sign")
	if c.FormValue("customer") != customer || subtle.ConstantTimeCompare([]byte(sign), []byte(kuaidi100Sign(param, key, customer))) != 1 {
		return k100Answer(c, false, "503", "验证签名失败")
	}
	var p struct {
		Com string `json:"com"`
		Num string `json:"num"`
	}
	if err := json.Unmarshal([]byte(param), &p); err != nil || p.Num == "" {
		return k100Answer(c, false, "400", "找不到对应公司或参数错误")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	pc := s.st.Parcels[p.Num]
	if pc == nil || pc.Com != p.Com || len(pc.Events) == 0 {
		return k100Answer(c, false, "500", "查询无结果，请隔段时间再查")
	}
	return c.JSON(http.StatusOK, pc.lastResult())
}

// lastResult is the parcel as Kuaidi100 describes it (a query's answer, a
// push's lastResult).
func (pc *parcel) lastResult() map[string]any {
	state, check := "0", "0"
	if pc.Step > 0 {
		state = parcelSteps[pc.Step-1].State
	}
	if pc.Ended != "" {
		state = pc.State
	}
	if pc.Step == len(parcelSteps) {
		check = "1"
	}
	return map[string]any{"message": "ok", "nu": pc.Number, "ischeck": check, "condition": "F00", "com": pc.Com,
		"status": "200", "state": state, "data": pc.Events}
}

// moveParcel moves a parcel on by itself, step by step on the sandbox's
// clock, until it is signed (in the background).
func (s *Sandbox) moveParcel(no string) {
	for {
		s.mu.Lock()
		pc := s.st.Parcels[no]
		if pc == nil || pc.done() {
			s.mu.Unlock()
			return
		}
		next := pc.Next
		s.mu.Unlock()
		if !s.sleepUntil(next) {
			return
		}
		s.mu.Lock()
		if pc := s.st.Parcels[no]; pc != nil && !pc.done() && !s.now().Before(pc.Next) {
			s.stepParcel(pc)
		}
		s.mu.Unlock()
	}
}

// stepParcel moves a parcel one step on and pushes its track to the
// subscriber, signed with its salt; call with s.mu held. It returns the
// new status.
func (s *Sandbox) stepParcel(pc *parcel) string {
	step := parcelSteps[pc.Step]
	now := s.now()
	at := now.In(beijing).Format("2006-01-02 15:04:05")
	pc.Events = append([]parcelItem{{Time: at, Ftime: at, Context: step.Text, Status: step.Name, AreaName: step.Area}}, pc.Events...)
	pc.Step++
	status := "polling"
	if pc.Step < len(parcelSteps) {
		pc.Next = now.Add(s.scaled(parcelSteps[pc.Step].After))
	} else {
		status = "shutdown" // signed: Kuaidi100 stops polling
	}
	s.put(recParcel, pc.Number, pc)
	s.pushParcel(pc, status, step.Status)
	return step.Status
}

// endParcel ends a parcel short of its signature, as outcome ("return" or
// "reject") says, and pushes its track (Kuaidi100 state 4 or 14, polling
// stopped); call with s.mu held. It returns the new status.
func (s *Sandbox) endParcel(pc *parcel, outcome string) string {
	end := parcelEnds[outcome]
	at := s.now().In(beijing).Format("2006-01-02 15:04:05")
	area := "上海市"
	if len(pc.Events) > 0 {
		area = pc.Events[0].AreaName
	}
	pc.Events = append([]parcelItem{{Time: at, Ftime: at, Context: end.Text, Status: end.Name, AreaName: area}}, pc.Events...)
	pc.Ended, pc.State, pc.Next = end.Status, end.State, time.Time{}
	s.put(recParcel, pc.Number, pc)
	s.pushParcel(pc, "shutdown", end.Status)
	return end.Status
}

// pushParcel posts the parcel's track to its subscriber as Kuaidi100
// pushes it (status polling or shutdown), signed with its salt; call with
// s.mu held.
func (s *Sandbox) pushParcel(pc *parcel, status, event string) {
	param, err := json.Marshal(map[string]any{"status": status, "billstatus": "got", "message": "", "autoCheck": "0",
		"comOld": "", "comNew": "", "lastResult": pc.lastResult()})
	if err != nil {
		panic(err) // plain values
	}
	form := url.Values{"param": {string(param)}}
	if pc.Salt != "" {
		form.Set("sign", kuaidi100Sign(string(param), pc.Salt))
	}
	s.enqueueHook(pc.Callback, []byte(form.Encode()), webhook{ContentType: "application/x-www-form-urlencoded",
		Event: "kuaidi100." + event, Schedule: "kuaidi100"})
}

// advanceParcel moves the parcel with tracking number no one step on, as
// POST /sandbox/logistics/advance does for parcels, or ends it returned
// (outcome "return") or rejected ("reject"): found is false when no parcel
// has that number; a parcel already signed or ended is a conflict, a rider
// outcome a refusal.
func (s *Sandbox) advanceParcel(no, outcome string) (status string, found bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	pc := s.st.Parcels[no]
	if pc == nil {
		return "", false, nil
	}
	_, ends := parcelEnds[outcome]
	switch {
	case outcome != "" && !ends:
		return "", true, errs.InvalidField("outcome", "%s is a parcel: its outcome is return or reject, or left out", no)
	case pc.Ended != "":
		return "", true, errs.E(errs.Conflict, "parcel %s is already %s", no, pc.Ended)
	case pc.Step >= len(parcelSteps):
		return "", true, errs.E(errs.Conflict, "parcel %s is already signed", no)
	case ends:
		return s.endParcel(pc, outcome), true, nil
	}
	return s.stepParcel(pc), true, nil
}

// advance is POST /sandbox/logistics/advance {"tracking_no", "outcome"?}:
// the parcel or rider delivery with that tracking number moves one step on,
// and its callback goes out as Kuaidi100 or the rider service would send
// it. outcome "fail" or "cancel" ends a rider delivery that way instead,
// "return" or "reject" a parcel (Kuaidi100 state 4 退签 or 14 拒签).
func (s *Sandbox) advance(c echo.Context) error {
	var req struct {
		TrackingNo string `json:"tracking_no"`
		Outcome    string `json:"outcome"`
	}
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil || req.TrackingNo == "" {
		return errs.InvalidField("tracking_no", `is required: the body is {"tracking_no", "outcome"?}`)
	}
	switch req.Outcome {
	case "", "fail", "cancel", "return", "reject":
	default:
		return errs.InvalidField("outcome", "must be fail or cancel (a rider delivery), return or reject (a parcel), or left out")
	}
	status, found, err := s.advanceParcel(req.TrackingNo, req.Outcome)
	if !found {
		if req.Outcome == "return" || req.Outcome == "reject" {
			if _, rider := s.riderKnown(req.TrackingNo); rider {
				return errs.InvalidField("outcome", "%s is a rider delivery: its outcome is fail or cancel, or left out", req.TrackingNo)
			}
		} else {
			status, found, err = s.advanceRider(req.TrackingNo, req.Outcome)
		}
	}
	if err != nil {
		return err
	}
	if !found {
		return errs.E(errs.NotFound, "no parcel or rider delivery has tracking number %s", req.TrackingNo)
	}
	return c.JSON(http.StatusOK, map[string]string{"status": status})
}

// ParcelRecord is a parcel as GET /sandbox/records lists it.
type ParcelRecord struct {
	Com      string `json:"com"`
	Number   string `json:"number"`
	Phone    string `json:"phone"`
	Callback string `json:"callback"`
	// Status is the last step it went through ("" before it is collected;
	// returned or rejected when it was ended so).
	Status string `json:"status"`
	Events int    `json:"events"`
}

// parcelRecords lists the parcels by tracking number; call with s.mu held.
func (s *Sandbox) parcelRecords() []ParcelRecord {
	out := make([]ParcelRecord, 0, len(s.st.Parcels))
	for _, no := range keys(s.st.Parcels) {
		pc := s.st.Parcels[no]
		r := ParcelRecord{Com: pc.Com, Number: pc.Number, Phone: pc.Phone, Callback: pc.Callback, Events: len(pc.Events)}
		if pc.Step > 0 {
			r.Status = parcelSteps[pc.Step-1].Status
		}
		if pc.Ended != "" {
			r.Status = pc.Ended
		}
		out = append(out, r)
	}
	return out
}

// resumeParcels starts moving again every parcel not yet signed (after a
// restart); call with s.mu held.
func (s *Sandbox) resumeParcels() {
	for _, no := range keys(s.st.Parcels) {
		if !s.st.Parcels[no].done() {
			s.start(func() { s.moveParcel(no) })
		}
	}
}
