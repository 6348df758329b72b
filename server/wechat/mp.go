package wechat

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ArtisanCloud/PowerLibs/v3/logger/drivers"
	"github.com/ArtisanCloud/PowerWeChat/v3/src/basicService/subscribeMessage/request"
	"github.com/ArtisanCloud/PowerWeChat/v3/src/kernel/power"
	kresponse "github.com/ArtisanCloud/PowerWeChat/v3/src/kernel/response"
	"github.com/ArtisanCloud/PowerWeChat/v3/src/miniProgram"
	secrequest "github.com/ArtisanCloud/PowerWeChat/v3/src/miniProgram/wxa/sec/order/request"
)

// miniProgramClient implements MiniProgram with PowerWeChat.
type miniProgramClient struct {
	app   *miniProgram.MiniProgram
	mchID string
	// secOrder serialises the shipping-info calls: PowerWeChat writes a
	// field of the sub-client's BaseClient (QueryRaw) on every request
	// without a lock, a data race between concurrent calls. They are made
	// by the jobs runner, one at a time per process anyway.
	secOrder sync.Mutex
}

// NewMiniProgram returns the mini program client for creds at ep. Access
// tokens come from stable_token, so any number of processes share one.
func NewMiniProgram(creds Credentials, ep Endpoints) (MiniProgram, error) {
	hc := httpClient()
	app, err := miniProgram.NewMiniProgram(&miniProgram.UserConfig{
		AppID:           creds.AppID,
		Secret:          creds.AppSecret,
		StableTokenMode: true,
		Cache:           newMemCache(),
		Log:             miniProgram.Log{Driver: &drivers.DummyLogger{}},
		Http: miniProgram.Http{
			BaseURI:   ep.APIBase,
			Timeout:   Timeout.Seconds(),
			Transport: hc.Transport,
		},
	})
	if err != nil {
		return nil, fmt.Errorf("wechat mini program client: %w", err)
	}
	return &miniProgramClient{app: app, mchID: creds.MchID}, nil
}

// tokenErrors are the errcodes of a stale access token.
func staleToken(code int) bool { return code == 40001 || code == 40014 || code == 42001 }

// call runs one API call with a deadline. PowerWeChat refreshes a stale token
// and retries once itself, but its retry of a POST can resend an empty body
// (the body was already read), so a stale-token answer or that failure gets
// one more, clean attempt here after a token refresh.
func (c *miniProgramClient) call(ctx context.Context, op string, fn func(ctx context.Context) (int, string, error)) error {
	for attempt := 0; ; attempt++ {
		cctx, cancel := context.WithTimeout(ctx, Timeout)
		code, msg, err := fn(cctx)
		cancel()
		retryable := (err == nil && staleToken(code)) || (err != nil && strings.Contains(err.Error(), "with Body length 0"))
		if attempt == 0 && retryable {
			rctx, cancel := context.WithTimeout(ctx, Timeout)
			c.app.AccessToken.Refresh(rctx) // errors surface on the retry
			cancel()
			continue
		}
		switch {
		case err != nil:
			return failed(op, err)
		case code != 0:
			return &Error{Op: op, Code: strconv.Itoa(code), Message: msg}
		}
		return nil
	}
}

func codeOf(r kresponse.ResponseMiniProgram) (int, string) { return r.ErrCode, r.ErrMsg }

// Code2Session implements MiniProgram.
func (c *miniProgramClient) Code2Session(ctx context.Context, code string) (Session, error) {
	var s Session
	err := c.call(ctx, "jscode2session", func(ctx context.Context) (int, string, error) {
		res, err := c.app.Auth.Session(ctx, code)
		if err != nil {
			return 0, "", err
		}
		s = Session{OpenID: res.OpenID, UnionID: res.UnionID}
		ec, em := codeOf(res.ResponseMiniProgram)
		if ec == 0 && s.OpenID == "" {
			return -1, "no openid in the answer", nil
		}
		return ec, em, nil
	})
	return s, err
}

// PhoneNumber implements MiniProgram.
func (c *miniProgramClient) PhoneNumber(ctx context.Context, code string) (Phone, error) {
	var p Phone
	err := c.call(ctx, "getuserphonenumber", func(ctx context.Context) (int, string, error) {
		res, err := c.app.PhoneNumber.GetUserPhoneNumber(ctx, code)
		if err != nil {
			return 0, "", err
		}
		if res.ErrCode != 0 {
			return res.ErrCode, res.ErrMsg, nil
		}
		if res.PhoneInfo == nil || res.PhoneInfo.PhoneNumber == "" {
			return -1, "no phone_info in the answer", nil
		}
		p = Phone{Number: res.PhoneInfo.PhoneNumber, PureNumber: res.PhoneInfo.PurePhoneNumber, CountryCode: res.PhoneInfo.CountryCode}
		return 0, "", nil
	})
	return p, err
}

// WXACode implements MiniProgram.
func (c *miniProgramClient) WXACode(ctx context.Context, req WXACode) ([]byte, error) {
	var img []byte
	err := c.call(ctx, "getwxacodeunlimit", func(ctx context.Context) (int, string, error) {
		res, err := c.app.WXACode.GetUnlimited(ctx, req.Scene, req.Page, req.CheckPage, envOr(req.Env), int64(req.Width), false, nil, false)
		if err != nil {
			return 0, "", err
		}
		defer res.Body.Close()
		body, err := io.ReadAll(io.LimitReader(res.Body, 4<<20))
		if err != nil {
			return 0, "", err
		}
		// A failure is a JSON errcode body with status 200; an image is an image.
		if ct := res.Header.Get("Content-Type"); strings.HasPrefix(ct, "image/") {
			img = body
			return 0, "", nil
		}
		var e kresponse.ResponseMiniProgram
		if err := json.Unmarshal(body, &e); err != nil || e.ErrCode == 0 {
			return -1, fmt.Sprintf("unexpected answer (%s, %d bytes)", res.Header.Get("Content-Type"), len(body)), nil
		}
		return e.ErrCode, e.ErrMsg, nil
	})
	return img, err
}

func envOr(env string) string {
	if env == "" {
		return "release"
	}
	return env
}

// SendSubscribe implements MiniProgram.
func (c *miniProgramClient) SendSubscribe(ctx context.Context, m SubscribeMessage) error {
	data := power.HashMap{}
	for k, v := range m.Data {
		data[k] = power.HashMap{"value": v}
	}
	return c.call(ctx, "subscribe send", func(ctx context.Context) (int, string, error) {
		res, err := c.app.SubscribeMessage.Send(ctx, &request.RequestSubscribeMessageSend{
			ToUser: m.OpenID, TemplateID: m.TemplateID, Page: m.Page, MiniProgramState: m.State, Lang: "zh_CN", Data: &data,
		})
		if err != nil {
			return 0, "", err
		}
		ec, em := codeOf(*res)
		return ec, em, nil
	})
}

// UploadShipping implements MiniProgram.
func (c *miniProgramClient) UploadShipping(ctx context.Context, s Shipment) error {
	req := &secrequest.RequestUploadShippingInfo{
		OrderKey:       secrequest.OrderKey{OrderNumberType: 2, TransactionID: s.TransactionID},
		LogisticsType:  int8(s.LogisticsType),
		DeliveryMode:   1,
		IsAllDelivered: true,
		UploadTime:     s.At.In(beijing).Format(time.RFC3339),
	}
	if s.Split {
		req.DeliveryMode = 2
	}
	req.Payer.OpenID = s.OpenID
	for _, it := range s.Items {
		l := secrequest.ShippingList{TrackingNo: it.TrackingNo, ExpressCompany: it.ExpressCompany, ItemDesc: it.Description}
		l.Contact.ReceiverContact = it.ReceiverPhoneMasked
		req.ShippingList = append(req.ShippingList, l)
	}
	return c.call(ctx, "upload_shipping_info", func(ctx context.Context) (int, string, error) {
		c.secOrder.Lock()
		defer c.secOrder.Unlock()
		res, err := c.app.WXASecOrder.UploadShippingInfo(ctx, req)
		if err != nil {
			return 0, "", err
		}
		ec, em := codeOf(res.ResponseMiniProgram)
		return ec, em, nil
	})
}

// ConfirmReceive implements MiniProgram. PowerWeChat's NotifyConfirmReceive
// drops the errcode, so the raw call is made here.
func (c *miniProgramClient) ConfirmReceive(ctx context.Context, transactionID string, at time.Time) error {
	body := map[string]any{"transaction_id": transactionID, "received_time": at.Unix()}
	return c.call(ctx, "notify_confirm_receive", func(ctx context.Context) (int, string, error) {
		c.secOrder.Lock()
		defer c.secOrder.Unlock()
		var res kresponse.ResponseMiniProgram
		if _, err := c.app.WXASecOrder.BaseClient.HttpPostJson(ctx, "wxa/sec/order/notify_confirm_receive", body, nil, nil, &res); err != nil {
			return 0, "", err
		}
		return res.ErrCode, res.ErrMsg, nil
	})
}

// ShippingOrder implements MiniProgram.
func (c *miniProgramClient) ShippingOrder(ctx context.Context, transactionID string) (ShippingOrder, error) {
	var o ShippingOrder
	err := c.call(ctx, "get_order", func(ctx context.Context) (int, string, error) {
		c.secOrder.Lock()
		defer c.secOrder.Unlock()
		res, err := c.app.WXASecOrder.GetOrder(ctx, &secrequest.RequestGetOrder{TransactionID: transactionID})
		if err != nil {
			return 0, "", err
		}
		o = ShippingOrder{TransactionID: res.Order.TransactionID, OutTradeNo: res.Order.MerchantTradeNo, State: int(res.Order.OrderState)}
		ec, em := codeOf(res.ResponseMiniProgram)
		return ec, em, nil
	})
	return o, err
}

// beijing is the time zone WeChat expects in its timestamps.
var beijing = time.FixedZone("CST", 8*3600)
