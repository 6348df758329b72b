package sandbox

// The rider service: a stand-in for Dada's open API (达达, 京东秒送) under
// /sandbox/dada/. It checks each request's signature as Dada does, quotes
// a fee from the distance, creates deliveries idempotently on origin_id,
// moves them on by itself on the sandbox's time scale (or one step at a
// time through POST /sandbox/logistics/advance), and posts every change
// as a signed Dada callback to the callback URL given at creation.

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"wemart/server/errs"
	"wemart/server/logistics"
)

// RiderPrefix is where the rider service is mounted: it stands for Dada's
// https://newopen.imdada.cn.
const RiderPrefix = "/sandbox/dada"

// OpRider makes the next calls of the rider service fail with an HTTP
// error (default 500), as a Dada outage would.
const OpRider = "rider"

// OpRiderLost makes the next deliveries the rider service takes
// (addAfterQuery) lose their answer: the delivery is taken and goes on as
// any other, but the caller hears an HTTP error (default 504), as when a
// request times out after Dada carried it out.
const OpRiderLost = "rider_lost"

// RiderKeys are the sandbox rider service's made-up Dada credentials.
type RiderKeys struct {
	AppKey, AppSecret, SourceID string
}

// RiderKeysFor derives the rider service's credentials from a sandbox
// identity's appid and APIv3 key, so a server that knows the identity
// (its own sandbox's, or a shared one's from /sandbox/identity) knows them.
func RiderKeysFor(appID, apiv3Key string) RiderKeys {
	h := func(what string) string {
		m := hmac.New(sha256.New, []byte(apiv3Key))
		m.Write([]byte(appID + "\x00dada\x00" + what))
		return hex.EncodeToString(m.Sum(nil))
	}
	src := h("source_id")
	digits := make([]byte, 8)
	for i := range digits {
		digits[i] = '0' + src[i]%10
	}
	return RiderKeys{AppKey: "dada" + h("app_key")[:16], AppSecret: h("app_secret")[:32], SourceID: string(digits)}
}

func (s *Sandbox) riderKeys() RiderKeys { return RiderKeysFor(s.id.AppID, s.id.APIv3Key) }

// Dada's order statuses, as the sandbox uses them.
const (
	dadaQuoted    = 0 // a quote not yet taken (not a Dada status)
	dadaWaiting   = 1
	dadaAccepted  = 2
	dadaDelivery  = 3
	dadaDone      = 4
	dadaCancelled = 5
	dadaReturning = 9
	dadaArrived   = 100
)

// riderNames maps Dada statuses to wemart's names of them, which is what
// POST /sandbox/logistics/advance answers.
var riderNames = map[int]string{
	dadaWaiting: "requested", dadaAccepted: "accepted", dadaArrived: "arrived", dadaDelivery: "picked_up",
	dadaDone: "delivered", dadaCancelled: "cancelled", dadaReturning: "failed",
}

// riderSteps is how a delivery moves on by itself: the next status and
// how long (in real time, before the time scale) after the current one.
var riderSteps = map[int]struct {
	next  int
	after time.Duration
}{
	dadaWaiting:  {dadaAccepted, time.Minute},
	dadaAccepted: {dadaArrived, 5 * time.Minute},
	dadaArrived:  {dadaDelivery, 2 * time.Minute},
	dadaDelivery: {dadaDone, 15 * time.Minute},
}

// riderDelivery is a delivery the rider service holds (journaled).
type riderDelivery struct {
	No        string  `json:"no"` // Dada's deliveryNo, the callbacks' client_id
	OriginID  string  `json:"origin_id"`
	Status    int     `json:"status"`
	StoreLat  float64 `json:"store_lat"`
	StoreLng  float64 `json:"store_lng"`
	RecvLat   float64 `json:"receiver_lat"`
	RecvLng   float64 `json:"receiver_lng"`
	Receiver  string  `json:"receiver"`
	DistanceM int     `json:"distance_m"`
	FeeFen    int64   `json:"fee_fen"`
	Callback  string  `json:"callback"`
	RiderID   int     `json:"rider_id,omitempty"`
	RiderName string  `json:"rider_name,omitempty"`
	RiderTel  string  `json:"rider_phone,omitempty"`
	Reason    string  `json:"reason,omitempty"`
	// CancelFrom is who cancelled (1 the rider, 2 the merchant, 3 Dada).
	CancelFrom int       `json:"cancel_from,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	AcceptedAt time.Time `json:"accepted_at,omitzero"`
	ArrivedAt  time.Time `json:"arrived_at,omitzero"`
	PickedAt   time.Time `json:"picked_at,omitzero"`
	FinishedAt time.Time `json:"finished_at,omitzero"`
	UpdatedAt  time.Time `json:"updated_at"`
	// Next is when it moves on by itself (zero: a quote, or final).
	Next time.Time `json:"next,omitzero"`
}

// RiderRecord is a delivery as GET /sandbox/records lists it.
type RiderRecord struct {
	TrackingNo string `json:"tracking_no"`
	OriginID   string `json:"origin_id"`
	Status     string `json:"status"`
	DadaStatus int    `json:"dada_status"`
	FeeFen     int64  `json:"fee_fen"`
	DistanceM  int    `json:"distance_m"`
	RiderName  string `json:"rider_name"`
	RiderPhone string `json:"rider_phone"`
	Reason     string `json:"reason"`
}

// riderRecords lists the deliveries taken (not mere quotes); call with
// s.mu held.
func (s *Sandbox) riderRecords() []RiderRecord {
	out := []RiderRecord{}
	for _, no := range keys(s.st.Riders) {
		d := s.st.Riders[no]
		if d.Status == dadaQuoted {
			continue
		}
		out = append(out, RiderRecord{TrackingNo: d.No, OriginID: d.OriginID, Status: riderNames[d.Status], DadaStatus: d.Status,
			FeeFen: d.FeeFen, DistanceM: d.DistanceM, RiderName: d.RiderName, RiderPhone: d.RiderTel, Reason: d.Reason})
	}
	return out
}

// mountRider adds the rider service's routes to e.
func (s *Sandbox) mountRider(e *echo.Echo) {
	g := e.Group(RiderPrefix, s.durable)
	g.POST("/api/order/queryDeliverFee", s.dada(s.dadaQuote))
	g.POST("/api/order/addAfterQuery", s.dada(s.dadaAdd))
	g.POST("/api/order/formalCancel", s.dada(s.dadaCancel))
	g.POST("/api/order/status/query", s.dada(s.dadaStatus))
	g.POST("/api/order/transporter/position", s.dada(s.dadaPosition))
}

// dadaReply is Dada's answer: HTTP 200 with status success or fail.
type dadaReply struct {
	Status string `json:"status"`
	Code   int    `json:"code"`
	Msg    string `json:"msg"`
	Result any    `json:"result,omitempty"`
}

// Dada's error codes, as the sandbox uses them.
const (
	dadaErrSign     = 2003 // 签名错误
	dadaErrParam    = 2005 // 参数错误
	dadaErrNoOrder  = 2061 // 订单不存在
	dadaErrNoCancel = 2076 // 订单状态不允许取消
	dadaErrSystem   = -1
)

func dadaFail(c echo.Context, code int, format string, args ...any) error {
	return c.JSON(http.StatusOK, dadaReply{Status: "fail", Code: code, Msg: fmt.Sprintf(format, args...)})
}

func dadaOK(c echo.Context, result any) error {
	return c.JSON(http.StatusOK, dadaReply{Status: "success", Code: 0, Msg: "成功", Result: result})
}

// dada checks a request as Dada does (the injected fault first, then the
// envelope and its signature) and hands the business parameters, the
// envelope's body, to next.
func (s *Sandbox) dada(next func(c echo.Context, body []byte) error) echo.HandlerFunc {
	return func(c echo.Context) error {
		s.mu.Lock()
		f := s.takeFault(OpRider)
		s.mu.Unlock()
		if f != nil {
			return c.JSON(f.Status, dadaReply{Status: "fail", Code: dadaErrSystem, Msg: "系统繁忙 (sandbox: injected failure of rider)"})
		}
		var env map[string]any
		if err := json.NewDecoder(c.Request().Body).Decode(&env); err != nil {
			return dadaFail(c, dadaErrParam, "请求体不是 JSON")
		}
		fields := map[string]string{}
		for _, k := range []string{"app_key", "timestamp", "format", "v", "source_id", "body", "signature"} {
			v, ok := env[k].(string)
			if !ok {
				return dadaFail(c, dadaErrParam, "缺少参数 %s", k)
			}
			fields[k] = v
		}
		keys := s.riderKeys()
		switch {
		case fields["app_key"] != keys.AppKey:
			return dadaFail(c, dadaErrSign, "app_key 无效")
		case fields["source_id"] != keys.SourceID:
			return dadaFail(c, dadaErrSign, "source_id 无效")
		case fields["format"] != "json" || fields["v"] != "1.0":
			return dadaFail(c, dadaErrParam, "format 须为 json，v 须为 1.0")
		case !hmac.Equal([]byte(fields["signature"]), []byte(logistics.DadaSign(keys.AppSecret, fields))):
			return dadaFail(c, dadaErrSign, "签名错误")
		}
		return next(c, []byte(fields["body"]))
	}
}

// riderFee is the sandbox's price: 5 yuan, and 1 yuan a started kilometre
// beyond 3 km.
func riderFee(distanceM int) int64 {
	fee := int64(500)
	if over := distanceM - 3000; over > 0 {
		fee += 100 * int64((over+999)/1000)
	}
	return fee
}

// haversineM is the great-circle distance between two points, in metres.
func haversineM(lat1, lng1, lat2, lng2 float64) float64 {
	const r = 6371000.0
	rad := math.Pi / 180
	dLat, dLng := (lat2-lat1)*rad, (lng2-lng1)*rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * r * math.Asin(math.Sqrt(a))
}

// dadaQuoteRequest is what the sandbox reads of queryDeliverFee's body.
type dadaQuoteRequest struct {
	OriginID        string  `json:"origin_id"`
	ReceiverName    string  `json:"receiver_name"`
	ReceiverAddress string  `json:"receiver_address"`
	ReceiverLat     float64 `json:"receiver_lat"`
	ReceiverLng     float64 `json:"receiver_lng"`
	Callback        string  `json:"callback"`
	SupplierLat     float64 `json:"supplier_lat"`
	SupplierLng     float64 `json:"supplier_lng"`
}

func validPoint(lat, lng float64) bool {
	return lat >= -90 && lat <= 90 && lng >= -180 && lng <= 180 && (lat != 0 || lng != 0)
}

func dadaFeeResult(d *riderDelivery) map[string]any {
	yuan := float64(d.FeeFen) / 100
	return map[string]any{"distance": d.DistanceM, "deliveryNo": d.No, "fee": yuan, "deliverFee": yuan}
}

// dadaQuote is queryDeliverFee: a price and a deliveryNo for origin_id.
// An origin_id already taken gets its delivery's number again.
func (s *Sandbox) dadaQuote(c echo.Context, body []byte) error {
	var q dadaQuoteRequest
	if err := json.Unmarshal(body, &q); err != nil {
		return dadaFail(c, dadaErrParam, "body 不是订单参数")
	}
	switch {
	case q.OriginID == "" || len(q.OriginID) > 64:
		return dadaFail(c, dadaErrParam, "origin_id 无效")
	case !validPoint(q.ReceiverLat, q.ReceiverLng) || !validPoint(q.SupplierLat, q.SupplierLng):
		return dadaFail(c, dadaErrParam, "收货人或门店坐标无效")
	case !strings.HasPrefix(q.Callback, "http://") && !strings.HasPrefix(q.Callback, "https://"):
		return dadaFail(c, dadaErrParam, "callback 须为 http(s) 地址")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.riderByOrigin(q.OriginID)
	if d == nil || d.Status == dadaQuoted { // a new quote replaces one not taken
		if d == nil {
			d = &riderDelivery{No: "DD" + randDigits(14), OriginID: q.OriginID}
		}
		dist := int(math.Round(haversineM(q.SupplierLat, q.SupplierLng, q.ReceiverLat, q.ReceiverLng)))
		*d = riderDelivery{No: d.No, OriginID: q.OriginID, StoreLat: q.SupplierLat, StoreLng: q.SupplierLng,
			RecvLat: q.ReceiverLat, RecvLng: q.ReceiverLng, Receiver: q.ReceiverName + " " + q.ReceiverAddress,
			DistanceM: dist, FeeFen: riderFee(dist), Callback: q.Callback, CreatedAt: s.now().UTC(), UpdatedAt: s.now().UTC()}
		s.st.Riders[d.No] = d
		s.put(recRider, d.No, d)
	}
	return dadaOK(c, dadaFeeResult(d))
}

// riderByOrigin is the delivery of origin_id; call with s.mu held.
func (s *Sandbox) riderByOrigin(origin string) *riderDelivery {
	for _, d := range s.st.Riders {
		if d.OriginID == origin {
			return d
		}
	}
	return nil
}

// dadaAdd is addAfterQuery: the quote becomes a delivery waiting for a
// rider (again: the same delivery). An OpRiderLost fault loses the answer
// after the delivery was taken.
func (s *Sandbox) dadaAdd(c echo.Context, body []byte) error {
	var q struct {
		DeliveryNo string `json:"deliveryNo"`
	}
	if err := json.Unmarshal(body, &q); err != nil || q.DeliveryNo == "" {
		return dadaFail(c, dadaErrParam, "deliveryNo 无效")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.st.Riders[q.DeliveryNo]
	if d == nil {
		return dadaFail(c, dadaErrNoOrder, "订单不存在")
	}
	if d.Status == dadaQuoted {
		s.moveRider(d, dadaWaiting, "", 0)
		s.start(func() { s.driveRider(d.No) })
	}
	if f := s.takeFault(OpRiderLost); f != nil {
		return c.JSON(f.Status, dadaReply{Status: "fail", Code: dadaErrSystem, Msg: "网关超时 (sandbox: the answer was lost)"})
	}
	return dadaOK(c, dadaFeeResult(d))
}

// dadaCancel is formalCancel: before pickup the delivery is cancelled
// (again: nothing more happens); after, Dada refuses.
func (s *Sandbox) dadaCancel(c echo.Context, body []byte) error {
	var q struct {
		OrderID        string `json:"order_id"`
		CancelReasonID int    `json:"cancel_reason_id"`
		CancelReason   string `json:"cancel_reason"`
	}
	if err := json.Unmarshal(body, &q); err != nil || q.OrderID == "" || q.CancelReasonID == 0 {
		return dadaFail(c, dadaErrParam, "order_id 和 cancel_reason_id 必填")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.riderByOrigin(q.OrderID)
	switch {
	case d == nil || d.Status == dadaQuoted:
		return dadaFail(c, dadaErrNoOrder, "订单不存在")
	case d.Status == dadaCancelled:
	case d.Status == dadaWaiting || d.Status == dadaAccepted || d.Status == dadaArrived:
		reason := q.CancelReason
		if reason == "" {
			reason = "商家取消"
		}
		s.moveRider(d, dadaCancelled, reason, 2)
	default:
		return dadaFail(c, dadaErrNoCancel, "订单状态(%d)不允许取消", d.Status)
	}
	return dadaOK(c, map[string]any{"deduct_fee": 0})
}

// dadaStatus is status/query: the delivery of order_id (wemart's out_no),
// with its deliveryNo; an order never taken (or only quoted) is Dada's
// fail code 2061, 订单不存在.
func (s *Sandbox) dadaStatus(c echo.Context, body []byte) error {
	var q struct {
		OrderID string `json:"order_id"`
	}
	if err := json.Unmarshal(body, &q); err != nil || q.OrderID == "" {
		return dadaFail(c, dadaErrParam, "order_id 必填")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.riderByOrigin(q.OrderID)
	if d == nil || d.Status == dadaQuoted {
		return dadaFail(c, dadaErrNoOrder, "订单不存在")
	}
	at := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(beijing).Format(time.DateTime)
	}
	lat, lng, _ := s.riderPosition(d)
	return dadaOK(c, map[string]any{
		"orderId": d.OriginID, "statusCode": d.Status, "statusMsg": riderNames[d.Status],
		"transporterName": d.RiderName, "transporterPhone": d.RiderTel,
		"transporterLat": strconv.FormatFloat(lat, 'f', 6, 64), "transporterLng": strconv.FormatFloat(lng, 'f', 6, 64),
		"deliveryFee": float64(d.FeeFen) / 100, "distance": d.DistanceM, "cancelReason": d.Reason,
		"createTime": at(d.CreatedAt), "acceptTime": at(d.AcceptedAt), "fetchTime": at(d.PickedAt),
		"finishTime": at(d.FinishedAt), "updateTime": at(d.UpdatedAt), "deliveryNo": d.No,
	})
}

// dadaPosition is transporter/position: where the riders of the orders
// are, for those that have one.
func (s *Sandbox) dadaPosition(c echo.Context, body []byte) error {
	var q struct {
		OrderIDs []string `json:"orderIds"`
	}
	if err := json.Unmarshal(body, &q); err != nil || len(q.OrderIDs) == 0 || len(q.OrderIDs) > 20 {
		return dadaFail(c, dadaErrParam, "orderIds 须有 1 至 20 个")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []map[string]any{}
	for _, id := range q.OrderIDs {
		d := s.riderByOrigin(id)
		if d == nil {
			continue
		}
		if lat, lng, ok := s.riderPosition(d); ok {
			out = append(out, map[string]any{"orderId": d.OriginID, "transporterName": d.RiderName, "transporterPhone": d.RiderTel,
				"transporterLat": strconv.FormatFloat(lat, 'f', 6, 64), "transporterLng": strconv.FormatFloat(lng, 'f', 6, 64)})
		}
	}
	return dadaOK(c, out)
}

// riderPosition is where a delivery's rider is now: coming to the store
// after accepting (from 0.01° north of it), at the store from arrival, on
// the straight line to the receiver by the time elapsed of the expected
// ride during delivery, at the receiver once delivered. ok is false when
// it has no rider; call with s.mu held.
func (s *Sandbox) riderPosition(d *riderDelivery) (lat, lng float64, ok bool) {
	along := func(fromLat, fromLng, toLat, toLng float64, since time.Time, ride time.Duration) (float64, float64) {
		f := 1.0
		if ride > 0 {
			f = min(max(float64(s.now().Sub(since))/float64(ride), 0), 1)
		}
		return fromLat + (toLat-fromLat)*f, fromLng + (toLng-fromLng)*f
	}
	switch d.Status {
	case dadaAccepted:
		lat, lng = along(d.StoreLat+0.01, d.StoreLng, d.StoreLat, d.StoreLng, d.AcceptedAt, s.scaled(riderSteps[dadaAccepted].after))
	case dadaArrived:
		lat, lng = d.StoreLat, d.StoreLng
	case dadaDelivery:
		lat, lng = along(d.StoreLat, d.StoreLng, d.RecvLat, d.RecvLng, d.PickedAt, s.scaled(riderSteps[dadaDelivery].after))
	case dadaDone:
		lat, lng = d.RecvLat, d.RecvLng
	default:
		return 0, 0, false
	}
	return lat, lng, true
}

// riderCrew are the sandbox's riders.
var riderCrew = []string{"张师傅", "李师傅", "王师傅", "赵师傅", "陈师傅"}

// moveRider moves a delivery to status, journals it, schedules its next
// step, and posts the signed callback; call with s.mu held.
func (s *Sandbox) moveRider(d *riderDelivery, status int, reason string, cancelFrom int) {
	now := s.now().UTC()
	d.Status, d.UpdatedAt, d.Next = status, now, time.Time{}
	switch status {
	case dadaWaiting:
		d.CreatedAt = now
	case dadaAccepted:
		d.AcceptedAt = now
		if d.RiderID == 0 {
			n, _ := strconv.Atoi(randDigits(6))
			d.RiderID = n + 1
			d.RiderName = riderCrew[n%len(riderCrew)]
			d.RiderTel = "13" + randDigits(9)
		}
	case dadaArrived:
		d.ArrivedAt = now
	case dadaDelivery:
		d.PickedAt = now
	case dadaDone, dadaCancelled, dadaReturning:
		d.FinishedAt = now
		d.Reason, d.CancelFrom = reason, cancelFrom
	}
	if step, ok := riderSteps[status]; ok {
		d.Next = now.Add(s.scaled(step.after))
	}
	s.put(recRider, d.No, d)
	if d.Callback == "" {
		return
	}
	ut := now.Unix()
	cb := map[string]any{
		"client_id": d.No, "order_id": d.OriginID, "order_status": d.Status, "cancel_reason": d.Reason,
		"cancel_from": d.CancelFrom, "update_time": ut,
		"signature": logistics.DadaCallbackSignature(d.No, d.OriginID, strconv.FormatInt(ut, 10)),
		"dm_id":     d.RiderID, "dm_name": d.RiderName, "dm_mobile": d.RiderTel,
	}
	body, _ := json.Marshal(cb)
	s.enqueueHook(d.Callback, body, webhook{ContentType: "application/json", Event: "dada." + riderNames[d.Status], Schedule: "quick"})
}

// driveRider moves a delivery on by itself at each step's time, until it
// is final (in the background; a manual step reschedules it).
func (s *Sandbox) driveRider(no string) {
	for {
		s.mu.Lock()
		d := s.st.Riders[no]
		var next time.Time
		if d != nil {
			next = d.Next
		}
		s.mu.Unlock()
		if next.IsZero() || !s.sleepUntil(next) {
			return
		}
		s.mu.Lock()
		if d = s.st.Riders[no]; d != nil && !d.Next.IsZero() && !s.now().Before(d.Next) {
			s.moveRider(d, riderSteps[d.Status].next, "", 0)
		}
		s.mu.Unlock()
	}
}

// resumeRiders restarts the deliveries a restart interrupted; call with
// s.mu held.
func (s *Sandbox) resumeRiders() {
	for _, no := range keys(s.st.Riders) {
		if !s.st.Riders[no].Next.IsZero() {
			s.start(func() { s.driveRider(no) })
		}
	}
}

// riderKnown reports whether a delivery taken has the deliveryNo no, and
// its status.
func (s *Sandbox) riderKnown(no string) (status string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.st.Riders[no]
	if d == nil || d.Status == dadaQuoted {
		return "", false
	}
	return riderNames[d.Status], true
}

// advanceRider moves the delivery no (its deliveryNo, wemart's
// tracking_no) one step: outcome "" to the next status, "fail" to failed
// (9, 妥投异常), "cancel" to cancelled by the rider service; and posts the
// callback. found is false for an unknown delivery; a final one is a
// conflict.
func (s *Sandbox) advanceRider(no, outcome string) (status string, found bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.st.Riders[no]
	if d == nil || d.Status == dadaQuoted {
		return "", false, nil
	}
	step, ok := riderSteps[d.Status]
	if !ok {
		return riderNames[d.Status], true, errs.E(errs.Conflict, "delivery %s is already %s", no, riderNames[d.Status]).
			With("status", riderNames[d.Status])
	}
	switch outcome {
	case "":
		s.moveRider(d, step.next, "", 0)
	case "fail":
		s.moveRider(d, dadaReturning, "收货人联系不上，物品返回中", 1)
	case "cancel":
		s.moveRider(d, dadaCancelled, "运力不足，达达取消", 3)
	default:
		return "", true, errs.InvalidField("outcome", "must be empty, fail or cancel")
	}
	return riderNames[d.Status], true, nil
}
