package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"

	"wemart/ent/order"
	"wemart/ent/orderitem"
	"wemart/server/apitest"
	"wemart/server/app"
	"wemart/server/config"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

// TestHostileInput sends every route of the router hostile input built
// from its OpenAPI operation and a request that fits it: odd path
// parameters (negative, huge, not a number, NUL, not UTF-8, escapes), odd
// query parameters (a NUL or bytes that are not UTF-8 in one the route
// does not take too), odd headers, bodies that are not JSON or not an
// object, and the fitting body with one field (down to three levels) of
// the wrong type, out of range, too long or null. Whatever is sent, the
// answer is below 500 with a status its document lists, and a 4xx of the
// JSON API is the error envelope. The fitting request itself must be
// accepted, but for the routes listed in unfit with the reason, so that
// the hostile ones are refused for what they change, not for what the
// sweep could not provide. (Whether a refused request changed nothing is
// for the routes' own tests: background work, a refund settling, moves the
// database here at any time.)
func TestHostileInput(t *testing.T) {
	if testing.Short() {
		t.Skip("thousands of requests")
	}
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		// Limits high enough that the sweep's own accepted requests (it
		// places orders and logs in again and again) do not turn the
		// rest into refusals of another kind.
		s := newShop(t, db, func(c *config.Config, _ *app.Options) {
			c.ShopperOpenOrders, c.ShopperCheckoutsPerMinute = 1000, 100000
			c.StaffLoginRate, c.LoginRate = 100000, 100000
			// WeChat's time at its own pace: a rider the sandbox sends
			// must not have picked an order up before the sweep cancels it.
			c.SandboxTimeScale = 1
		})
		h, tok := s.h, s.shopper.Token
		s.setStock(s.milk, 100000)
		s.setStock(s.bread, 100000)
		// The staff account the requests use is not 1 or 2, the ids the
		// requests' path parameters name (a PATCH of staff 1 may take the
		// bootstrap admin's password away): a chain admin of its own.
		for _, name := range []string{"hostile-a", "hostile-b"} {
			h.Do("POST", "/admin/v1/staff", h.AdminToken, map[string]any{"username": name, "password": "password-" + name,
				"role": "clerk", "store_id": s.store.ID}).OK(http.StatusCreated, nil)
		}
		h.Do("POST", "/admin/v1/staff", h.AdminToken, map[string]any{"username": "hostile-owner", "password": "password-hostile",
			"role": "admin"}).OK(http.StatusCreated, nil)
		admin := h.Login("hostile-owner", "password-hostile")

		// What the routes act on, one of each per route that changes it.
		var spare store // for the routes that move or delete a store
		h.Do("POST", "/admin/v1/stores", h.AdminToken, map[string]any{"name": "备用店", "lat": 31.25, "lng": 121.45}).
			OK(http.StatusCreated, &spare)
		var address, category, template, scan struct {
			ID     int
			ScanID int `json:"scan_id"`
		}
		h.Do("POST", "/api/v1/addresses", tok, map[string]any{"contact": "韩梅梅", "phone": "13900000000",
			"detail": "南京东路1号", "lat": 31.2310, "lng": 121.4740}).OK(http.StatusCreated, &address)
		h.Do("POST", "/admin/v1/categories", h.AdminToken, map[string]any{"name": "乳品"}).OK(http.StatusCreated, &category)
		coupon := map[string]any{"name": "满20减5", "discount_fen": 500, "min_spend_fen": 2000,
			"total": 100000, "per_shopper": 100, "valid_days": 7, "claimable": true}
		h.Do("POST", "/admin/v1/coupon-templates", h.AdminToken, coupon).OK(http.StatusCreated, &template)
		// A member scanned at the counter (for the counter sale), and
		// the shopper's own code, which the sweep scans.
		memberCode := func(token string) map[string]any {
			var code struct{ Code string }
			h.Do("GET", "/api/v1/me/member-code", token, nil).OK(http.StatusOK, &code)
			return map[string]any{"code": code.Code, "store_id": s.store.ID}
		}
		h.Do("POST", "/admin/v1/members/scan", h.AdminToken, memberCode(mustShopper(t, h, "member-"+t.Name()).Token)).OK(http.StatusOK, &scan)
		// A product to delete, and a SKU of another to delete.
		doomed := mustProduct(t, h, "下架的货", 100).ID
		var twin product
		h.Do("POST", "/admin/v1/products", h.AdminToken, map[string]any{"title": "双规格", "skus": []map[string]any{
			{"name": "大", "price_fen": 200}, {"name": "小", "price_fen": 100, "barcode": "6901234567892"}}}).OK(http.StatusCreated, &twin)
		s.setStock(twin.Skus[1].ID, 10)
		h.Do("PUT", apitest.Path("/admin/v1/stores/%d/prices/%d", s.store.ID, twin.Skus[1].ID), h.AdminToken,
			map[string]any{"price_fen": 90}).OK(http.StatusOK, nil)
		placed := func(fulfilment string, pay bool) (id int, pickup, prepay string) {
			body := map[string]any{"store_id": s.store.ID, "fulfilment": fulfilment, "items": []map[string]any{{"sku_id": s.milk, "quantity": 2}}}
			if fulfilment == "delivery" {
				body["address_id"] = address.ID
			}
			var a checkoutAnswer
			s.checkout(tok, body).OK(http.StatusCreated, &a)
			if !pay {
				return a.Order.ID, "", a.Payment.prepayID()
			}
			s.pay(a.Payment.prepayID(), true)
			o := s.eventuallyStatus(a.Order.ID, order.StatusPaid)
			if o.PickupCode != nil {
				pickup = *o.PickupCode
			}
			return a.Order.ID, pickup, ""
		}
		n := strconv.Itoa
		ready, _, _ := placed("pickup", true)
		handed, handedCode, _ := placed("pickup", true)
		_, pickupCode, _ := placed("pickup", true)
		returned, _, _ := placed("pickup", true)      // the shopper asks for a refund, staff approve it
		staffRefunded, _, _ := placed("pickup", true) // staff refund it
		rejected, _, _ := placed("pickup", true)      // the shopper asked for a refund, staff reject it
		shipped, _, _ := placed("delivery", true)
		dispatched, _, _ := placed("delivery", true)
		cancelled, _, _ := placed("pickup", false)
		unpaid, _, _ := placed("pickup", false)
		_, _, cashier := placed("pickup", false)

		// Bodies and path parameters that fit, which the hostile ones are
		// made from, where the document alone does not say enough.
		line := []map[string]any{{"sku_id": s.milk, "quantity": 1}}
		checkout := map[string]any{"store_id": s.store.ID, "fulfilment": "pickup", "items": line}
		addressBody := map[string]any{"contact": "韩梅梅", "phone": "13900000000", "detail": "南京东路1号", "lat": 31.231, "lng": 121.474}
		synonyms := map[string]any{"terms": []string{"牛奶", "鲜奶"}}
		refund := func(id int) map[string]any {
			items := db.Client.OrderItem.Query().Where(orderitem.OrderID(id)).AllX(context.Background())
			return map[string]any{"reason": "坏了", "items": []map[string]any{{"order_item_id": items[0].ID, "quantity": 1}}}
		}
		h.Do("POST", apitest.Path("/api/v1/orders/%d/refund", rejected), tok, refund(rejected)).OK(http.StatusOK, nil)
		seeds := map[string]any{
			"POST /api/v1/orders":                     checkout,
			"POST /api/v1/orders/quote":               checkout,
			"POST /api/v1/addresses":                  addressBody,
			"PUT /api/v1/addresses/:id":               addressBody,
			"POST /api/v1/orders/:id/refund":          refund(returned),
			"POST /admin/v1/orders/:id/refund":        refund(staffRefunded),
			"POST /admin/v1/stores/:store_id/pickups": map[string]any{"pickup_code": pickupCode},
			"POST /admin/v1/coupon-templates":         coupon,
			"POST /admin/v1/search/synonyms":          synonyms,
			"PUT /admin/v1/search/synonyms/:id":       synonyms,
			"POST /admin/v1/orders/:id/ship":          map[string]any{"carrier": "SF", "tracking_no": "SF123456789012"},
			"PUT /admin/v1/stores/:id/delivery-zone": map[string]any{"type": "Polygon", "coordinates": [][][]float64{{
				{121.46, 31.22}, {121.49, 31.22}, {121.49, 31.24}, {121.46, 31.24}, {121.46, 31.22}}}},
			"PUT /admin/v1/stores/:store_id/stock/:sku_id": map[string]any{"on_hand": 100000},
			"POST /admin/v1/login":                         map[string]any{"username": "hostile-owner", "password": "password-hostile"},
			// A member code lives a minute: made when the route is reached.
			"POST /admin/v1/members/scan":             func() any { return memberCode(tok) },
			"POST /sandbox/subscribe/grants":          map[string]any{"code": "hostile-grant", "template_id": "tmpl-paid"},
			"POST /admin/v1/orders/:id/picked-up":     map[string]any{"pickup_code": handedCode},
			"POST /api/v1/subscriptions":              map[string]any{"results": map[string]string{"tmpl-paid": "accept"}},
			"POST /admin/v1/stores/:id/counter-sales": map[string]any{"scan_id": scan.ScanID, "amount_fen": 1000, "receipt_no": "R-1"},
			"POST /api/v1/coupons":                    map[string]any{"template_id": template.ID},
			"POST /sandbox/pay":                       map[string]any{"prepay_id": cashier},
		}
		// route → path (or query) parameter → a value that fits. A path
		// parameter not named is "1", which the fixture made first: store,
		// address, staff (the bootstrap admin), product and SKU (the milk),
		// order (ready). Hostile values "1" and "2" reach those too, so a
		// route that changes one gets its own here.
		fits := map[string]map[string]string{
			"PATCH /admin/v1/stores/:id":                       {"id": n(spare.ID)},
			"DELETE /admin/v1/stores/:id":                      {"id": n(spare.ID)},
			"POST /admin/v1/orders/:id/ready":                  {"id": n(ready)},
			"POST /admin/v1/orders/:id/picked-up":              {"id": n(handed)},
			"POST /admin/v1/orders/:id/refund":                 {"id": n(staffRefunded)},
			"POST /admin/v1/orders/:id/ship":                   {"id": n(shipped)},
			"POST /admin/v1/orders/:id/dispatch":               {"id": n(dispatched)},
			"POST /admin/v1/orders/:id/dispatch/cancel":        {"id": n(dispatched)},
			"POST /api/v1/orders/:id/refund":                   {"id": n(returned)},
			"POST /admin/v1/orders/:id/refund/approve":         {"id": n(returned)},
			"POST /admin/v1/orders/:id/refund/reject":          {"id": n(rejected)},
			"POST /api/v1/orders/:id/cancel":                   {"id": n(cancelled)},
			"POST /api/v1/orders/:id/pay":                      {"id": n(unpaid)},
			"PUT /admin/v1/stores/:store_id/stock/:sku_id":     {"sku_id": n(s.milk)},
			"GET /admin/v1/stores/:store_id/stock/:sku_id":     {"sku_id": n(s.milk)},
			"POST /admin/v1/stores/:store_id/pickups":          {"store_id": n(s.store.ID)},
			"GET /admin/v1/categories/:id":                     {"id": n(category.ID)},
			"PATCH /admin/v1/coupon-templates/:id":             {"id": n(template.ID)},
			"GET /admin/v1/coupon-templates/:id":               {"id": n(template.ID)},
			"POST /admin/v1/coupon-templates/:id/issue":        {"id": n(template.ID)},
			"GET /api/v1/orders/:id":                           {"id": n(ready)},
			"GET /admin/v1/orders/:id":                         {"id": n(ready)},
			"GET /api/v1/addresses/:id":                        {"id": n(address.ID)},
			"GET /api/v1/addresses/:id/stores":                 {"id": n(address.ID)},
			"GET /api/v1/scan":                                 {"scene": "s=" + n(s.store.ID)},
			"GET /api/v1/stores/:id/barcode/:code":             {"code": "6901234567892"},
			"DELETE /admin/v1/products/:id":                    {"id": n(doomed)},
			"DELETE /admin/v1/skus/:id":                        {"id": n(twin.Skus[0].ID)},
			"DELETE /admin/v1/stores/:store_id/prices/:sku_id": {"sku_id": n(twin.Skus[1].ID)}, // SKUs 1 and 2 are deleted by then
			"PUT /admin/v1/stores/:store_id/prices/:sku_id":    {"sku_id": n(s.milk)},
		}
		// Routes whose request cannot be made to fit here, and why: for
		// them the sweep tries the refusals alone.
		signed := "signed by WeChat or the delivery provider: the sweep cannot sign"
		unfit := map[string]string{
			"POST /wechat/pay/notify":                                      signed,
			"GET /wechat/push":                                             signed,
			"POST /wechat/push":                                            signed,
			"POST /logistics/dada/notify":                                  signed,
			"POST /logistics/kuaidi100/notify":                             signed,
			"POST /sandbox/mch/v3/pay/transactions/jsapi":                  signed,
			"GET /sandbox/mch/v3/pay/transactions/out-trade-no/:no":        signed,
			"POST /sandbox/mch/v3/pay/transactions/out-trade-no/:no/close": signed,
			"POST /sandbox/mch/v3/refund/domestic/refunds":                 signed,
			"GET /sandbox/mch/v3/refund/domestic/refunds/:no":              signed,
			"POST /api/v1/me/avatar":                                       "a multipart upload (images_test, pictures_refused_test)",
			"POST /admin/v1/products/:id/images":                           "a multipart upload (images_test, pictures_refused_test)",
			"GET /media/:key":                                              "no picture in the fixture (images_test)",
			"HEAD /media/:key":                                             "no picture in the fixture (images_test)",
			"PUT /admin/v1/products/:id/images/:image_id/main":             "no picture in the fixture (images_test)",
			"DELETE /admin/v1/products/:id/images/:image_id":               "no picture in the fixture (images_test)",
			"GET /metrics":                                                 "served on the metrics listener (metrics_test)",
			"POST /api/v1/orders/:id/receive":                              "needs a delivered order (rider_test, express_test)",
			"POST /sandbox/logistics/advance":                              "needs a parcel or rider on the way (rider_test, express_test)",
			"POST /sandbox/shipping/confirm":                               "needs a WeChat transaction id (express_test)",
		}
		shopper := tok
		apiDoc, _ := apitest.Spec(t)
		sandboxDoc, _ := apitest.SandboxSpec(t)

		routes := s.h.App.Echo.Routes()
		// Reads first, then the shoppers' writes and the others, then the
		// staff's (which may close the store or take a product off), deletes
		// last and the routes that end a session at the very end: each route
		// finds as much of the fixture as can be.
		rank := func(r *echo.Route) int {
			switch {
			case ends(r.Path):
				return 4
			case r.Method == http.MethodGet || r.Method == http.MethodHead:
				return 0
			case r.Method == http.MethodDelete:
				return 3
			case strings.HasPrefix(r.Path, "/admin/"):
				return 2
			}
			return 1
		}
		sort.SliceStable(routes, func(i, j int) bool {
			if ri, rj := rank(routes[i]), rank(routes[j]); ri != rj {
				return ri < rj
			}
			return routes[i].Method+routes[i].Path < routes[j].Method+routes[j].Path
		})
		sent, swept, problems := 0, 0, 0
		var answered [6]int // by status class
		seen := map[string]bool{}
		for _, r := range routes {
			if r.Method == "echo_route_not_found" || strings.HasSuffix(r.Path, "/*") {
				continue
			}
			swept++
			seen[r.Method+" "+r.Path] = true
			doc := apiDoc
			if strings.HasPrefix(r.Path, "/sandbox/") {
				doc = sandboxDoc
			}
			op := operation(doc, r.Method, r.Path)
			token := ""
			switch {
			case strings.HasPrefix(r.Path, "/admin/v1/"):
				token = admin
			case strings.HasPrefix(r.Path, "/api/v1/"):
				token = shopper
			}
			// A token the route before ended (a logout) or revoked would
			// stop the requests at 401: none may, but the last routes.
			if !ends(r.Path) && (!alive(s.h, "/admin/v1/stores", admin) || !alive(s.h, "/api/v1/addresses", shopper)) {
				t.Fatalf("a token stopped working before %s %s", r.Method, r.Path)
			}
			route := r.Method + " " + r.Path
			seed := seeds[route]
			if made, ok := seed.(func() any); ok {
				seed = made()
			}
			for i, req := range hostileRequests(t, r.Method, r.Path, op, seed, fits[route]) {
				sent++
				if req.Header.Get("Authorization") == "" {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				if req.Header.Get("Idempotency-Key") == "" {
					req.Header.Set("Idempotency-Key", newKey())
				}
				req.RemoteAddr = "198.51.100.7:1234" // not the fixture's address
				rec := httptest.NewRecorder()
				s.h.App.Echo.ServeHTTP(rec, req)
				answered[rec.Code/100]++
				if i == 0 {
					fitted := rec.Code < 400
					if why, ok := unfit[route]; ok && fitted {
						t.Errorf("%s fits now (%d): take it off unfit (%s)", route, rec.Code, why)
					} else if !ok && !fitted {
						t.Errorf("the request that fits %s was refused: %d %.300s", route, rec.Code, rec.Body.String())
					}
				}
				if problem := judge(req, rec, op); problem != "" {
					if problems++; problems > 40 {
						continue
					}
					t.Errorf("%s %s (route %s %s): %s", req.Method, req.URL.RequestURI(), r.Method, r.Path, problem)
				}
			}
		}
		if problems > 40 {
			t.Errorf("and %d more", problems-40)
		}
		// A route named in the lists that the router no longer has is a
		// list gone stale (or a typo that would leave a route unfitted).
		for _, list := range []map[string]bool{routeSet(seeds), routeSet(fits), routeSet(unfit)} {
			for route := range list {
				if !seen[route] {
					t.Errorf("%s is not a route", route)
				}
			}
		}
		t.Logf("%d hostile requests to %d routes: %d 2xx, %d 3xx, %d 4xx", sent, swept, answered[2], answered[3], answered[4])
		// The requests reach the handlers, not only the router and the
		// first check: some are accepted.
		if sent < 5000 || answered[2] < 300 || answered[4] < 4000 {
			t.Fatalf("%d requests, %d accepted, %d refused: the routes, the document or the fixture were not read", sent, answered[2], answered[4])
		}
	})
}

// routeSet is the set of a map's keys.
func routeSet[V any](m map[string]V) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	return out
}

// alive reports whether token still reads path.
func alive(h *apitest.Harness, path, token string) bool {
	req := httptest.NewRequest("GET", path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	h.App.Echo.ServeHTTP(rec, req)
	return rec.Code != http.StatusUnauthorized
}

// ends reports whether a route ends a session (its token), so is tried last.
func ends(path string) bool { return strings.HasSuffix(path, "/logout") }

// judge says what is wrong with an answer to a hostile request, or "".
func judge(req *http.Request, rec *httptest.ResponseRecorder, op *openapi3.Operation) string {
	if rec.Code >= 500 {
		return fmt.Sprintf("answered %d: %.300s", rec.Code, rec.Body.String())
	}
	if op == nil || op.Responses.Status(rec.Code) == nil && op.Responses.Default() == nil {
		return fmt.Sprintf("answered %d, which its document does not list: %.300s", rec.Code, rec.Body.String())
	}
	if rec.Code < 400 || !(strings.HasPrefix(req.URL.Path, "/api/") || strings.HasPrefix(req.URL.Path, "/admin/")) {
		return ""
	}
	var e struct {
		Error *struct{ Code, Message string }
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error == nil || e.Error.Code == "" || e.Error.Message == "" {
		return fmt.Sprintf("answered %d without the error envelope: %.300s", rec.Code, rec.Body.String())
	}
	return ""
}

// operation is the document's operation for an echo route, or nil.
func operation(doc *openapi3.T, method, path string) *openapi3.Operation {
	item := doc.Paths.Find(echoParam.ReplaceAllString(path, "{$1}"))
	if item == nil {
		return nil
	}
	return item.GetOperation(method)
}

// Hostile values of a path parameter; the route's other parameters get
// their fitting values.
var hostilePath = []string{"1", "2", "0", "-1", "abc", "99999999999999999999", "9223372036854775807", "1.5", "1e3",
	"%E4%B8%AD", "%00", "%FF", "%20", "1%20OR%201=1", "..%2F..%2Fetc%2Fpasswd", strings.Repeat("9", 400)}

// Hostile values of a query parameter.
var hostileQuery = []string{"", "-1", "0", "abc", "99999999999999999999", "1e400", "NaN", "-Inf", "\x00", "\xff",
	"中文", strings.Repeat("x", 5000), "1,2,3", "[1]"}

// Hostile values of a JSON field.
var hostileValues = []any{nil, -1, 0, 1 << 62, 1e308, -1e308, 1.5, "", "x", "中", strings.Repeat("长", 5000), true,
	[]any{}, []any{nil}, map[string]any{}, map[string]any{"x": map[string]any{}}, "9999-99-99T99:99:99Z", "\u0000"}

// Hostile headers, one at a time, on a request that otherwise fits.
var hostileHeaders = [][2]string{
	{"Content-Type", "text/plain"}, {"Content-Type", "application/x-www-form-urlencoded"},
	{"Content-Type", "multipart/form-data; boundary=x"}, {"Content-Type", "application/json; charset=latin1"},
	{"Authorization", "Bearer x"}, {"Authorization", "Basic YWRtaW46YWRtaW4="}, {"Authorization", "Bearer " + strings.Repeat("x", 5000)},
	{"Idempotency-Key", strings.Repeat("k", 300)}, {"Idempotency-Key", "a key"}, {"Idempotency-Key", "中文"},
	{"If-None-Match", "\"x\""}, {"X-Request-Id", strings.Repeat("r", 500)},
}

// Bodies that are not what any route takes.
var hostileBodies = []string{"", "{", "null", "[]", "123", `"s"`, `{"a":`, "\xff\xfe", `{"a":1}{"b":2}`,
	strings.Repeat("[", 10000)}

// hostileRequests builds the hostile requests of one route.
// The first is the request that fits: seed, if not nil, is a body that
// fits and fit the path and query parameters' values that do (other path
// parameters are "1", other required query parameters a sample).
func hostileRequests(t *testing.T, method, path string, op *openapi3.Operation, seed any, fit map[string]string) []*http.Request {
	params := echoParam.FindAllStringSubmatch(path, -1)
	fill := func(hostile int, value string) string {
		i := -1
		return echoParam.ReplaceAllStringFunc(path, func(p string) string {
			i++
			if i == hostile {
				return value
			}
			if v, ok := fit[p[1:]]; ok {
				return v
			}
			return "1"
		})
	}
	var query url.Values = url.Values{}
	var queryParams []*openapi3.Parameter
	var body *openapi3.Schema
	if op != nil {
		for _, p := range op.Parameters {
			if p.Value != nil && p.Value.In == "query" {
				queryParams = append(queryParams, p.Value)
				if v, ok := fit[p.Value.Name]; ok {
					query.Set(p.Value.Name, v)
				} else if p.Value.Required && p.Value.Schema != nil {
					query.Set(p.Value.Name, fmt.Sprint(sample(p.Value.Schema.Value, 0)))
				}
			}
		}
		if op.RequestBody != nil && op.RequestBody.Value != nil {
			if mt := op.RequestBody.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
				body = mt.Schema.Value
			}
		}
	}
	base := fill(-1, "")
	var reqs []*http.Request
	add := func(target string, b []byte) *http.Request {
		req := httptest.NewRequest(method, "/", bytes.NewReader(b))
		u, err := url.ParseRequestURI(target)
		if err != nil {
			t.Fatalf("%s %s: %v", method, target, err)
		}
		req.URL, req.RequestURI = u, target
		if b != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		reqs = append(reqs, req)
		return req
	}
	withQuery := func(p string, q url.Values) string {
		if len(q) == 0 {
			return p
		}
		return p + "?" + q.Encode()
	}
	var good []byte
	var fits any
	if body != nil {
		fits = sample(body, 0)
		if seed != nil {
			fits = seed
		}
		good, _ = json.Marshal(fits)
	}
	add(withQuery(base, query), good)
	for _, h := range hostileHeaders {
		add(withQuery(base, query), good).Header.Set(h[0], h[1])
	}
	// A query parameter the route does not take, holding what no
	// parameter may (a NUL, bytes that are not UTF-8).
	for _, v := range []string{"zz=%00", "zz=%FF", "%FF=1"} {
		target := withQuery(base, query)
		if strings.Contains(target, "?") {
			add(target+"&"+v, good)
		} else {
			add(target+"?"+v, good)
		}
	}
	for i := range params {
		for _, v := range hostilePath {
			add(withQuery(fill(i, v), query), good)
		}
	}
	for _, p := range queryParams {
		for _, v := range hostileQuery {
			q := url.Values{}
			for k, vs := range query {
				q[k] = vs
			}
			q.Set(p.Name, v)
			add(withQuery(base, q), good)
		}
	}
	if method == http.MethodGet || method == http.MethodHead || method == http.MethodDelete && body == nil {
		return reqs
	}
	for _, b := range hostileBodies {
		add(withQuery(base, query), []byte(b))
	}
	if body != nil {
		for _, m := range mutations(body, fits, 0) {
			b, err := json.Marshal(m)
			if err == nil {
				add(withQuery(base, query), b)
			}
		}
	}
	return reqs
}

// sample is a value that fits schema s, as far as a generator can tell
// without reading patterns: the first enum value, the minimum, a string
// of the shortest length, an object of its required properties.
func sample(s *openapi3.Schema, depth int) any {
	if s == nil {
		return nil
	}
	for _, refs := range []openapi3.SchemaRefs{s.AllOf, s.OneOf, s.AnyOf} {
		if len(refs) > 0 && refs[0].Value != nil && s.Type == nil && len(s.Properties) == 0 {
			return sample(refs[0].Value, depth)
		}
	}
	if len(s.Enum) > 0 {
		return s.Enum[0]
	}
	switch {
	case s.Type.Is("integer"):
		if s.Min != nil {
			return int64(*s.Min)
		}
		return 1
	case s.Type.Is("number"):
		if s.Min != nil {
			return *s.Min
		}
		return 1
	case s.Type.Is("boolean"):
		return true
	case s.Type.Is("string"):
		switch s.Format {
		case "date-time":
			return "2026-12-01T10:00:00Z"
		case "date":
			return "2026-12-01"
		}
		return strings.Repeat("x", max(1, int(s.MinLength)))
	case s.Type.Is("array"):
		if depth > 3 || s.Items == nil {
			return []any{}
		}
		return []any{sample(s.Items.Value, depth+1)}
	}
	m := map[string]any{}
	if depth > 3 {
		return m
	}
	for _, name := range s.Required {
		if p := s.Properties[name]; p != nil {
			m[name] = sample(p.Value, depth+1)
		}
	}
	return m
}

// mutations are base (a value of schema s) with one field, down to three
// levels, set to each hostile value.
func mutations(s *openapi3.Schema, base any, depth int) []any {
	if s == nil || depth > 3 {
		return nil
	}
	var out []any
	switch {
	case s.Type.Is("array"):
		if s.Items == nil {
			return nil
		}
		var first any
		if b, ok := asSlice(base); ok && len(b) > 0 {
			first = b[0]
		} else {
			first = sample(s.Items.Value, depth+1)
		}
		for _, m := range mutations(s.Items.Value, first, depth+1) {
			out = append(out, []any{m})
		}
		return out
	case len(s.Properties) == 0:
		return nil
	}
	fields, ok := asMap(base)
	if !ok {
		fields, _ = sample(s, depth).(map[string]any)
	}
	names := make([]string, 0, len(s.Properties))
	for name := range s.Properties {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		with := func(v any) map[string]any {
			m := map[string]any{}
			for k, x := range fields {
				m[k] = x
			}
			m[name] = v
			return m
		}
		for _, v := range hostileValues {
			out = append(out, with(v))
		}
		inner, ok := fields[name]
		if !ok {
			inner = sample(s.Properties[name].Value, depth+1)
		}
		for _, m := range mutations(s.Properties[name].Value, inner, depth+1) {
			out = append(out, with(m))
		}
	}
	return out
}

// asMap is v as a JSON object, whatever Go type holds it.
func asMap(v any) (map[string]any, bool) {
	var m map[string]any
	b, err := json.Marshal(v)
	return m, err == nil && json.Unmarshal(b, &m) == nil && m != nil
}

// asSlice is v as a JSON array, whatever Go type holds it.
func asSlice(v any) ([]any, bool) {
	var a []any
	b, err := json.Marshal(v)
	return a, err == nil && json.Unmarshal(b, &a) == nil && a != nil
}
