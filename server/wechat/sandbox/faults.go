package sandbox

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"wemart/server/errs"
)

// Operations of WeChat a fault can be injected into. The first four make
// the next calls of WeChat Pay fail with an HTTP error; OpWXACode makes the
// next mini program codes fail as the mini program API fails; the others
// change what happens next without failing a call.
const (
	OpPrepay = "prepay"
	OpQuery  = "query"
	OpClose  = "close"
	OpRefund = "refund"
	// OpNotify loses the next deliveries of notifications (they count as
	// failed attempts and are retried on WeChat's schedule): for trying out
	// reconciliation by query.
	OpNotify = "notify"
	// OpRefundClosed and OpRefundAbnormal make the next refunds accepted
	// end CLOSED or ABNORMAL instead of SUCCESS (with a REFUND.CLOSED or
	// REFUND.ABNORMAL notification).
	OpRefundClosed   = "refund_closed"
	OpRefundAbnormal = "refund_abnormal"
	// OpWXACode makes the next getwxacodeunlimit calls answer HTTP 200 with
	// an errcode (-1, WeChat busy, by default) instead of an image.
	OpWXACode = "wxacode"
	// OpShipping makes the next calls of the shipping-info API
	// (upload_shipping_info, get_order, notify_confirm_receive) answer HTTP
	// 200 with an errcode (-1, WeChat busy, by default): an outage.
	OpShipping = "shipping"
)

// outcomeFaults are the ops whose faults fail no call.
var outcomeFaults = map[string]string{OpNotify: "LOST", OpRefundClosed: refundClosed, OpRefundAbnormal: refundAbnormal}

// fault is an injected failure: the next Count calls of an operation fail
// with Status and Code, as WeChat Pay does when it is having a bad day.
type fault struct {
	Op     string `json:"op"`
	Count  int    `json:"count"`
	Status int    `json:"status"`
	Code   string `json:"code"`
}

// Fail makes the next count calls of op fail with status and WeChat code
// (e.g. 500 SYSTEM_ERROR), for trying out what wemart does when WeChat
// misbehaves; for OpWXACode and OpShipping code is an errcode ("-1") and
// status is ignored,
// as it is for OpNotify, OpRefundClosed and OpRefundAbnormal along with code.
// count 0 clears the fault.
func (s *Sandbox) Fail(op string, count, status int, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if count <= 0 {
		delete(s.faults, op)
		return
	}
	s.faults[op] = &fault{Op: op, Count: count, Status: status, Code: code}
}

// faulty answers op's calls with its injected failure while one is pending.
func (s *Sandbox) faulty(op string, next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		s.mu.Lock()
		f := s.takeFault(op)
		s.mu.Unlock()
		switch {
		case f == nil:
			return next(c)
		case errcodeOp(op):
			code, _ := strconv.Atoi(f.Code)
			return fail(c, code, "system error: sandbox: injected failure of "+op)
		}
		return s.payFail(c, f.Status, f.Code, "sandbox: injected failure of %s", op)
	}
}

// takeFault uses up one occurrence of op's fault, if one is pending; call
// with s.mu held.
func (s *Sandbox) takeFault(op string) *fault {
	f := s.faults[op]
	if f != nil {
		if f.Count--; f.Count <= 0 {
			delete(s.faults, op)
		}
	}
	return f
}

// faultRequest is the body of POST /sandbox/faults: op and count are
// required, status and code may be left out (but not given as 0).
type faultRequest struct {
	Op     string `json:"op"`
	Count  *int   `json:"count"`
	Status *int   `json:"status"`
	Code   string `json:"code"`
}

// injectFaults is POST /sandbox/faults.
func (s *Sandbox) injectFaults(c echo.Context) error {
	var req faultRequest
	dec := json.NewDecoder(c.Request().Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return errs.E(errs.Invalid, "the body must be {\"op\", \"count\", \"status\"?, \"code\"?}")
	}
	switch req.Op {
	case OpPrepay, OpQuery, OpClose, OpRefund, OpNotify, OpRefundClosed, OpRefundAbnormal, OpWXACode, OpRider, OpRiderLost, OpShipping:
	default:
		return errs.InvalidField("op", "must be prepay, query, close, refund, notify, refund_closed, refund_abnormal, wxacode, rider, rider_lost or shipping")
	}
	if req.Count == nil || *req.Count < 0 || *req.Count > 1000 {
		return errs.InvalidField("count", "must be between 0 and 1000")
	}
	f := fault{Op: req.Op, Count: *req.Count, Code: req.Code}
	_, outcome := outcomeFaults[f.Op]
	switch {
	case req.Status != nil && (outcome || errcodeOp(f.Op)):
		return errs.InvalidField("status", "is not for %s, which fails no call with an HTTP error", f.Op)
	case req.Status != nil && (*req.Status < 400 || *req.Status > 599):
		return errs.InvalidField("status", "must be an HTTP error status (400-599)")
	case errcodeOp(f.Op):
		return s.injectErrcode(c, f)
	case outcome:
		if f.Code != "" {
			return errs.InvalidField("code", "is not for %s, which fails no call", f.Op)
		}
		s.Fail(f.Op, f.Count, 0, outcomeFaults[f.Op])
		f.Status, f.Code = http.StatusOK, outcomeFaults[f.Op]
		return c.JSON(http.StatusOK, f)
	}
	f.Status = http.StatusInternalServerError
	if f.Op == OpRiderLost {
		f.Status = http.StatusGatewayTimeout
	}
	if req.Status != nil {
		f.Status = *req.Status
	}
	if f.Code == "" {
		f.Code = "SYSTEM_ERROR"
	}
	s.Fail(f.Op, f.Count, f.Status, f.Code)
	return c.JSON(http.StatusOK, f)
}

// errcodeOp reports whether op is of the mini program API, whose failures
// are errcodes in HTTP 200 answers.
func errcodeOp(op string) bool { return op == OpWXACode || op == OpShipping }

// injectErrcode is POST /sandbox/faults for a mini program API op: WeChat
// answers those HTTP 200 with an errcode (the fault takes no status).
func (s *Sandbox) injectErrcode(c echo.Context, f fault) error {
	if f.Code == "" {
		f.Code = "-1"
	}
	if n, err := strconv.Atoi(f.Code); err != nil || n == 0 {
		return errs.InvalidField("code", "must be a WeChat errcode other than 0 (-1: busy)")
	}
	f.Status = http.StatusOK
	s.Fail(f.Op, f.Count, f.Status, f.Code)
	return c.JSON(http.StatusOK, f)
}
