package api_test

import (
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"wemart/server/apitest"
	"wemart/server/storage/storagetest"
)

var echoParam = regexp.MustCompile(`:([a-z_]+)`)

// TestSpecCoversEveryRoute keeps openapi.yaml and the router in step: every
// route is documented and every documented operation is routed.
func TestSpecCoversEveryRoute(t *testing.T) {
	doc, _ := apitest.Spec(t)
	h := apitest.New(t, storagetest.New(t, "sqlite"))
	routed := map[string]bool{}
	for _, r := range h.App.Echo.Routes() {
		if r.Method == "echo_route_not_found" || strings.HasSuffix(r.Path, "/*") {
			continue
		}
		key := r.Method + " " + echoParam.ReplaceAllString(r.Path, "{$1}")
		routed[key] = true
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}
	var missing, stale []string
	for k := range routed {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if !routed[k] {
			stale = append(stale, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(stale)
	if len(missing) > 0 || len(stale) > 0 {
		t.Fatalf("openapi.yaml and the router disagree.\nrouted, not documented: %v\ndocumented, not routed: %v", missing, stale)
	}
}

func TestServesItsOpenAPIDocument(t *testing.T) {
	h := apitest.New(t, storagetest.New(t, "sqlite"))
	res := h.Do("GET", "/openapi.yaml", "", nil).OK(http.StatusOK, nil)
	if !strings.HasPrefix(string(res.Body), "openapi: 3.") {
		t.Fatalf("unexpected document: %.60s", res.Body)
	}
}
