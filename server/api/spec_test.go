package api_test

import (
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"wemart/server/apitest"
	"wemart/server/storage/storagetest"
)

var echoParam = regexp.MustCompile(`:([a-z_]+)`)

// TestSpecCoversEveryRoute keeps the documents and the router in step:
// every route is documented (a /sandbox/ route in the sandbox's document,
// any other in openapi.yaml) and every documented operation is routed.
func TestSpecCoversEveryRoute(t *testing.T) {
	apiDoc, _ := apitest.Spec(t)
	sandboxDoc, _ := apitest.SandboxSpec(t)
	h := apitest.New(t, storagetest.New(t, "sqlite"))
	routed := map[bool]map[string]bool{false: {}, true: {}} // by "is a sandbox route"
	for _, r := range h.App.Echo.Routes() {
		if r.Method == "echo_route_not_found" || strings.HasSuffix(r.Path, "/*") {
			continue
		}
		key := r.Method + " " + echoParam.ReplaceAllString(r.Path, "{$1}")
		routed[strings.HasPrefix(r.Path, "/sandbox/")][key] = true
	}
	for sandbox, doc := range map[bool]*openapi3.T{false: apiDoc, true: sandboxDoc} {
		documented := map[string]bool{}
		for path, item := range doc.Paths.Map() {
			for method := range item.Operations() {
				documented[method+" "+path] = true
			}
		}
		var missing, stale []string
		for k := range routed[sandbox] {
			if !documented[k] {
				missing = append(missing, k)
			}
		}
		for k := range documented {
			if !routed[sandbox][k] {
				stale = append(stale, k)
			}
		}
		sort.Strings(missing)
		sort.Strings(stale)
		if len(missing) > 0 || len(stale) > 0 {
			t.Errorf("%s and the router disagree.\nrouted, not documented: %v\ndocumented, not routed: %v", doc.Info.Title, missing, stale)
		}
	}
}

func TestServesItsOpenAPIDocument(t *testing.T) {
	h := apitest.New(t, storagetest.New(t, "sqlite"))
	res := h.Do("GET", "/openapi.yaml", "", nil).OK(http.StatusOK, nil)
	if !strings.HasPrefix(string(res.Body), "openapi: 3.") {
		t.Fatalf("unexpected document: %.60s", res.Body)
	}
}

func TestServesTheSandboxDocument(t *testing.T) {
	h := apitest.New(t, storagetest.New(t, "sqlite"))
	res := h.Do("GET", "/sandbox/openapi.yaml", "", nil).OK(http.StatusOK, nil)
	if !strings.HasPrefix(string(res.Body), "openapi: 3.") || !strings.Contains(string(res.Body), "/sandbox/pay:") {
		t.Fatalf("unexpected document: %.60s", res.Body)
	}
}
