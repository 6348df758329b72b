// Dada (达达, now 京东秒送): a Carrier speaking Dada's open API protocol,
// against Dada itself (live) or the sandbox's rider service.

package logistics

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"wemart/server/errs"
)

// DadaCode is the carrier code of Dada deliveries.
const DadaCode = "dada"

// DadaConfig is how to reach a Dada-protocol rider service.
type DadaConfig struct {
	// BaseURL is the service's origin (https://newopen.imdada.cn, or the
	// sandbox's <server>/sandbox/dada); paths such as /api/order/addAfterQuery
	// are appended.
	BaseURL   string
	AppKey    string
	AppSecret string
	// SourceID is the merchant's id at Dada (商户编号).
	SourceID string
	// CallbackURL is where Dada posts status changes, unless a Request
	// names another.
	CallbackURL string
	// Client makes the calls (a 10 s timeout when nil).
	Client *http.Client
	// Now is the clock of request timestamps (time.Now when nil).
	Now func() time.Time
}

// Dada is the Dada-protocol client.
type Dada struct {
	cfg DadaConfig
}

// NewDada returns a Dada client for cfg.
func NewDada(cfg DadaConfig) (*Dada, error) {
	if cfg.BaseURL == "" || cfg.AppKey == "" || cfg.AppSecret == "" || cfg.SourceID == "" {
		return nil, errors.New("logistics: Dada needs a base URL, app key, app secret and source id")
	}
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Dada{cfg: cfg}, nil
}

// Code is DadaCode.
func (d *Dada) Code() string { return DadaCode }

// DadaSign is the signature of a Dada request: the upper-case hex MD5 of
// app_secret, each other field's name and value in name order, and
// app_secret again.
func DadaSign(appSecret string, fields map[string]string) string {
	names := make([]string, 0, len(fields))
	for k := range fields {
		if k != "signature" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(appSecret)
	for _, k := range names {
		b.WriteString(k)
		b.WriteString(fields[k])
	}
	b.WriteString(appSecret)
	sum := md5.Sum([]byte(b.String()))
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// DadaCallbackSignature is the signature of a Dada status callback: the
// lower-case hex MD5 of the values of client_id, order_id and update_time,
// sorted as strings and concatenated.
func DadaCallbackSignature(clientID, orderID, updateTime string) string {
	v := []string{clientID, orderID, updateTime}
	sort.Strings(v)
	sum := md5.Sum([]byte(strings.Join(v, "")))
	return hex.EncodeToString(sum[:])
}

// DadaStatus maps a Dada order status to wemart's rider status ("" for
// one that moves nothing, such as 8, a delivery assigned to a rider).
func DadaStatus(code int) string {
	switch code {
	case 1:
		return RiderRequested
	case 2:
		return RiderAccepted
	case 100:
		return RiderArrived
	case 3:
		return RiderPickedUp
	case 4:
		return RiderDelivered
	case 5:
		return RiderCancelled
	case 7, 9, 10, 1000: // expired, returning after a failed hand-over, returned, creation failed
		return RiderFailed
	}
	return ""
}

// dadaStatusText are Dada's names of its statuses, for event descriptions.
var dadaStatusText = map[int]string{
	1: "待接单", 2: "待取货", 3: "配送中", 4: "已完成", 5: "已取消", 7: "已过期", 8: "指派单",
	9: "妥投异常之物品返回中", 10: "妥投异常之物品返回完成", 100: "骑士到店", 1000: "创建达达运单失败",
}

// dadaAnswer is every Dada answer.
type dadaAnswer struct {
	Status string          `json:"status"`
	Code   int             `json:"code"`
	Msg    string          `json:"msg"`
	Result json.RawMessage `json:"result"`
}

// DadaError is a request Dada answered with status "fail".
type DadaError struct {
	Path string
	Code int
	Msg  string
}

// Error implements error.
func (e *DadaError) Error() string {
	return fmt.Sprintf("dada %s: code %d: %s", e.Path, e.Code, e.Msg)
}

// call posts business parameters to path in Dada's envelope and decodes
// the answer's result into out. A failure to reach Dada, or an answer
// that is not Dada's, is unavailable; a "fail" answer is a *DadaError
// wrapped as unavailable too (callers that expect refusals look inside).
func (d *Dada) call(ctx context.Context, path string, params, out any) error {
	body, err := json.Marshal(params)
	if err != nil {
		return err
	}
	fields := map[string]string{
		"app_key": d.cfg.AppKey, "timestamp": strconv.FormatInt(d.cfg.Now().Unix(), 10), "format": "json",
		"v": "1.0", "source_id": d.cfg.SourceID, "body": string(body),
	}
	fields["signature"] = DadaSign(d.cfg.AppSecret, fields)
	env, _ := json.Marshal(fields)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.cfg.BaseURL+path, bytes.NewReader(env))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := d.cfg.Client.Do(req)
	if err != nil {
		return errs.Wrap(err, errs.Unavailable, "the rider service cannot be reached")
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return errs.Wrap(err, errs.Unavailable, "the rider service's answer was cut off")
	}
	var a dadaAnswer
	if jerr := json.Unmarshal(raw, &a); jerr != nil || a.Status == "" || res.StatusCode != http.StatusOK {
		return errs.Wrap(fmt.Errorf("%s: HTTP %d: %.200s", path, res.StatusCode, raw), errs.Unavailable,
			"the rider service is not answering properly (HTTP %d)", res.StatusCode)
	}
	if a.Status != "success" {
		de := &DadaError{Path: path, Code: a.Code, Msg: a.Msg}
		return errs.Wrap(de, errs.Unavailable, "the rider service refused: %s", a.Msg)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(a.Result, out); err != nil {
		return errs.Wrap(err, errs.Unavailable, "the rider service's answer to %s has an unknown shape", path)
	}
	return nil
}

// dadaOrder are the business parameters of queryDeliverFee (and addOrder).
// supplier_* name the pickup point: Dada takes it from the shop registered
// as shop_no; the sandbox, which has no shops, reads it from here.
type dadaOrder struct {
	ShopNo          string  `json:"shop_no"`
	OriginID        string  `json:"origin_id"`
	CityCode        string  `json:"city_code"`
	CargoPrice      float64 `json:"cargo_price"`
	IsPrepay        int     `json:"is_prepay"`
	ReceiverName    string  `json:"receiver_name"`
	ReceiverAddress string  `json:"receiver_address"`
	ReceiverLat     float64 `json:"receiver_lat"`
	ReceiverLng     float64 `json:"receiver_lng"`
	ReceiverPhone   string  `json:"receiver_phone"`
	Callback        string  `json:"callback"`
	Info            string  `json:"info,omitempty"`
	SupplierName    string  `json:"supplier_name,omitempty"`
	SupplierAddress string  `json:"supplier_address,omitempty"`
	SupplierPhone   string  `json:"supplier_phone,omitempty"`
	SupplierLat     float64 `json:"supplier_lat,omitempty"`
	SupplierLng     float64 `json:"supplier_lng,omitempty"`
}

// dadaFee is the result of queryDeliverFee: fees in yuan.
type dadaFee struct {
	Distance   float64 `json:"distance"`
	DeliveryNo string  `json:"deliveryNo"`
	Fee        float64 `json:"fee"`
	DeliverFee float64 `json:"deliverFee"`
}

func (d *Dada) order(r Request) dadaOrder {
	cb := r.CallbackURL
	if cb == "" {
		cb = d.cfg.CallbackURL
	}
	return dadaOrder{
		ShopNo: r.ShopNo, OriginID: r.OutNo, CityCode: r.CityCode, CargoPrice: float64(r.CargoFen) / 100,
		IsPrepay: 0, ReceiverName: r.ReceiverName, ReceiverAddress: r.ReceiverAddress,
		ReceiverLat: r.ReceiverLat, ReceiverLng: r.ReceiverLng, ReceiverPhone: r.ReceiverPhone,
		Callback: cb, Info: r.Info, SupplierName: r.StoreName, SupplierAddress: r.StoreAddress,
		SupplierPhone: r.StorePhone, SupplierLat: r.StoreLat, SupplierLng: r.StoreLng,
	}
}

// fen turns yuan into fen.
func fen(yuan float64) int64 { return int64(math.Round(yuan * 100)) }

// Quote asks Dada's queryDeliverFee.
func (d *Dada) Quote(ctx context.Context, r Request) (_ Quote, err error) {
	defer errs.Op(&err, "logistics.Dada.Quote")
	var f dadaFee
	if err := d.call(ctx, "/api/order/queryDeliverFee", d.order(r), &f); err != nil {
		return Quote{}, err
	}
	if f.DeliveryNo == "" {
		return Quote{}, errs.E(errs.Unavailable, "the rider service quoted without a delivery number")
	}
	// Dada quotes no time; its riders promise about an hour in town.
	return Quote{FeeFen: fen(f.Fee), DistanceM: int(math.Round(f.Distance)), ETA: time.Hour, Token: f.DeliveryNo}, nil
}

// Create quotes the delivery and takes the quote (addAfterQuery). Dada
// quotes one origin_id once: asking again for a delivery already made
// gives the same deliveryNo, so a repeated Create is the same delivery.
func (d *Dada) Create(ctx context.Context, r Request) (_ Ref, err error) {
	defer errs.Op(&err, "logistics.Dada.Create")
	q, err := d.Quote(ctx, r)
	if err != nil {
		return Ref{}, err
	}
	if err := d.call(ctx, "/api/order/addAfterQuery", map[string]string{"deliveryNo": q.Token}, nil); err != nil {
		return Ref{}, err
	}
	return Ref{OutNo: r.OutNo, TrackingNo: q.Token, FeeFen: q.FeeFen, DistanceM: q.DistanceM}, nil
}

// dadaOtherReason is Dada's cancel reason id "other" (the text says why).
const dadaOtherReason = 10000

// Cancel asks Dada's formalCancel. Dada refusing (the rider has the
// goods) is a conflict.
func (d *Dada) Cancel(ctx context.Context, ref Ref, reason string) (err error) {
	defer errs.Op(&err, "logistics.Dada.Cancel")
	err = d.call(ctx, "/api/order/formalCancel",
		map[string]any{"order_id": ref.OutNo, "cancel_reason_id": dadaOtherReason, "cancel_reason": reason}, nil)
	if nf := dadaNotFound(err, ref); nf != nil {
		return nf
	}
	if de := (*DadaError)(nil); errors.As(err, &de) {
		return errs.Wrap(err, errs.Conflict, "the rider service refused to cancel: %s", de.Msg)
	}
	return err
}

// DadaErrNoOrder is Dada's error code for an order it does not have
// (订单不存在).
const DadaErrNoOrder = 2061

// dadaNotFound is err as a not_found wrapping ErrNotFound when it is Dada
// saying it has no order ref.OutNo; nil for any other error.
func dadaNotFound(err error, ref Ref) error {
	if de := (*DadaError)(nil); errors.As(err, &de) && de.Code == DadaErrNoOrder {
		return errs.Wrap(fmt.Errorf("%w: %w", ErrNotFound, de), errs.NotFound,
			"the rider service has no delivery %s", ref.OutNo)
	}
	return nil
}

// flexFloat reads a number Dada may send as a JSON number or a string.
type flexFloat float64

// UnmarshalJSON implements json.Unmarshaler.
func (f *flexFloat) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*f = 0
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	*f = flexFloat(v)
	return err
}

// dadaStatusResult is the result of status/query.
type dadaStatusResult struct {
	OrderID          string    `json:"orderId"`
	StatusCode       int       `json:"statusCode"`
	StatusMsg        string    `json:"statusMsg"`
	TransporterName  string    `json:"transporterName"`
	TransporterPhone string    `json:"transporterPhone"`
	TransporterLat   flexFloat `json:"transporterLat"`
	TransporterLng   flexFloat `json:"transporterLng"`
	DeliveryFee      flexFloat `json:"deliveryFee"`
	Distance         flexFloat `json:"distance"`
	CancelReason     string    `json:"cancelReason"`
	UpdateTime       string    `json:"updateTime"`
	// DeliveryNo is the delivery's number at the service, where the
	// answer carries it (the sandbox's does).
	DeliveryNo dadaString `json:"deliveryNo"`
}

// Get asks Dada's status/query. An order Dada does not have (code 2061)
// is ErrNotFound.
func (d *Dada) Get(ctx context.Context, ref Ref) (_ Snapshot, err error) {
	defer errs.Op(&err, "logistics.Dada.Get")
	var r dadaStatusResult
	if err := d.call(ctx, "/api/order/status/query", map[string]string{"order_id": ref.OutNo}, &r); err != nil {
		if nf := dadaNotFound(err, ref); nf != nil {
			return Snapshot{}, nf
		}
		return Snapshot{}, err
	}
	snap := Snapshot{TrackingNo: string(r.DeliveryNo), Status: DadaStatus(r.StatusCode), CarrierStatus: strconv.Itoa(r.StatusCode),
		Rider: Rider{Name: r.TransporterName, Phone: r.TransporterPhone}, FeeFen: fen(float64(r.DeliveryFee)),
		DistanceM: int(math.Round(float64(r.Distance))), Reason: r.CancelReason}
	if t, err := time.ParseInLocation(time.DateTime, r.UpdateTime, beijing); err == nil {
		snap.UpdatedAt = t
	}
	return snap, nil
}

// RiderPosition asks Dada's transporter/position for the delivery's rider.
func (d *Dada) RiderPosition(ctx context.Context, ref Ref) (lat, lng float64, at time.Time, err error) {
	defer errs.Op(&err, "logistics.Dada.RiderPosition")
	var list []dadaStatusResult
	if err := d.call(ctx, "/api/order/transporter/position", map[string]any{"orderIds": []string{ref.OutNo}}, &list); err != nil {
		return 0, 0, time.Time{}, err
	}
	for _, p := range list {
		if p.OrderID == ref.OutNo && (p.TransporterLat != 0 || p.TransporterLng != 0) {
			return float64(p.TransporterLat), float64(p.TransporterLng), d.cfg.Now(), nil
		}
	}
	return 0, 0, time.Time{}, ErrUnsupported
}

// dadaString reads an id Dada may send as a JSON string or number.
type dadaString string

// UnmarshalJSON implements json.Unmarshaler.
func (s *dadaString) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var v string
		err := json.Unmarshal(b, &v)
		*s = dadaString(v)
		return err
	}
	if string(b) == "null" {
		*s = ""
		return nil
	}
	var n json.Number
	err := json.Unmarshal(b, &n)
	*s = dadaString(n.String())
	return err
}

// DadaCallback is the body of a Dada status callback.
type DadaCallback struct {
	ClientID     dadaString `json:"client_id"`
	OrderID      dadaString `json:"order_id"`
	OrderStatus  int        `json:"order_status"`
	CancelReason string     `json:"cancel_reason"`
	CancelFrom   int        `json:"cancel_from"`
	UpdateTime   int64      `json:"update_time"`
	Signature    string     `json:"signature"`
	DmID         dadaString `json:"dm_id"`
	DmName       string     `json:"dm_name"`
	DmMobile     string     `json:"dm_mobile"`
}

// earliestCallback bounds a callback's update_time from below (with a day
// ahead of now above): a time no delivery can have is refused, not stored.
var earliestCallback = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// dadaAck is what Dada expects back from a callback it delivered.
var dadaAck = []byte(`{"status":"success","code":0,"msg":"成功"}`)

// ParseCallback reads and verifies a Dada status callback.
func (d *Dada) ParseCallback(r *http.Request) (_ RiderEvent, _ []byte, err error) {
	defer errs.Op(&err, "logistics.Dada.ParseCallback")
	raw, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		return RiderEvent{}, nil, errs.Wrap(err, errs.Invalid, "the callback body could not be read")
	}
	var cb DadaCallback
	if err := json.Unmarshal(raw, &cb); err != nil {
		return RiderEvent{}, nil, errs.E(errs.Invalid, "the callback is not a Dada status callback")
	}
	if cb.OrderID == "" || cb.ClientID == "" || cb.UpdateTime <= 0 || cb.Signature == "" {
		return RiderEvent{}, nil, errs.E(errs.Invalid, "the callback lacks client_id, order_id, update_time or signature")
	}
	if at := time.Unix(cb.UpdateTime, 0); at.Before(earliestCallback) || at.After(time.Now().Add(24*time.Hour)) {
		return RiderEvent{}, nil, errs.E(errs.Invalid, "the callback's update_time %d is not a time of a delivery", cb.UpdateTime)
	}
	want := DadaCallbackSignature(string(cb.ClientID), string(cb.OrderID), strconv.FormatInt(cb.UpdateTime, 10))
	if subtle.ConstantTimeCompare([]byte(strings.ToLower(cb.Signature)), []byte(want)) != 1 {
		return RiderEvent{}, nil, errs.E(errs.Unauthenticated, "the callback's signature does not verify")
	}
	desc := dadaStatusText[cb.OrderStatus]
	if desc == "" {
		desc = fmt.Sprintf("达达状态 %d", cb.OrderStatus)
	}
	if cb.CancelReason != "" {
		desc += "：" + cb.CancelReason
	}
	if cb.DmName != "" {
		desc += "（骑士 " + cb.DmName + "）"
	}
	sum := md5.Sum([]byte(fmt.Sprintf("%s|%d|%d", cb.ClientID, cb.OrderStatus, cb.UpdateTime)))
	ev := RiderEvent{
		Carrier: DadaCode, OutNo: string(cb.OrderID), TrackingNo: string(cb.ClientID),
		Status: DadaStatus(cb.OrderStatus), CarrierStatus: strconv.Itoa(cb.OrderStatus), Description: desc,
		Reason: cb.CancelReason, Rider: Rider{Name: cb.DmName, Phone: cb.DmMobile},
		At: time.Unix(cb.UpdateTime, 0).UTC(), Dedupe: hex.EncodeToString(sum[:]),
	}
	return ev, dadaAck, nil
}
