package sandbox

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"wemart/server/errs"
)

// TestFaultRequests: POST /sandbox/faults takes what openapi.yaml says and
// nothing else (op and count required, status 400-599 and only for the ops
// that fail with an HTTP error), and answers the fault now in force.
func TestFaultRequests(t *testing.T) {
	sb := newTestSandbox(t, "", 0)
	inject := func(body string) (*httptest.ResponseRecorder, error) {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/sandbox/faults", strings.NewReader(body))
		return rec, sb.injectFaults(echo.New().NewContext(req, rec))
	}
	for _, bad := range []string{
		`{"op": "prepay"}`,
		`{"op": "prepay", "count": 1001}`,
		`{"op": "prepay", "count": 1, "status": 0}`,
		`{"op": "prepay", "count": 1, "status": 302}`,
		`{"op": "nope", "count": 1}`,
		`{"op": "notify", "count": 1, "status": 500}`,
		`{"op": "notify", "count": 1, "code": "X"}`,
		`{"op": "wxacode", "count": 1, "status": 503}`,
		`{"op": "wxacode", "count": 1, "code": "busy"}`,
		`{"op": "wxacode", "count": 1, "code": "0"}`,
		`{"op": "shipping", "count": 1, "status": 500}`,
		`{"op": "prepay", "count": 1, "extra": true}`,
	} {
		if _, err := inject(bad); !errs.Is(err, errs.Invalid) {
			t.Errorf("%s: %v, want invalid", bad, err)
		}
	}
	for body, want := range map[string]fault{
		`{"op": "prepay", "count": 1}`:                                {Op: OpPrepay, Count: 1, Status: 500, Code: "SYSTEM_ERROR"},
		`{"op": "refund", "count": 2, "status": 503, "code": "BUSY"}`: {Op: OpRefund, Count: 2, Status: 503, Code: "BUSY"},
		`{"op": "notify", "count": 3}`:                                {Op: OpNotify, Count: 3, Status: 200, Code: "LOST"},
		`{"op": "wxacode", "count": 1}`:                               {Op: OpWXACode, Count: 1, Status: 200, Code: "-1"},
		`{"op": "wxacode", "count": 1, "code": "45009"}`:              {Op: OpWXACode, Count: 1, Status: 200, Code: "45009"},
		`{"op": "shipping", "count": 2, "code": "10060012"}`:          {Op: OpShipping, Count: 2, Status: 200, Code: "10060012"},
		`{"op": "query", "count": 0}`:                                 {Op: OpQuery, Count: 0, Status: 500, Code: "SYSTEM_ERROR"},
	} {
		var got fault
		rec, err := inject(body)
		if err == nil {
			err = json.Unmarshal(rec.Body.Bytes(), &got)
		}
		if err != nil || rec.Code != http.StatusOK || got != want {
			t.Errorf("%s: %d %+v (%v), want %+v", body, rec.Code, got, err, want)
		}
	}
}
