package api_test

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"testing"

	"wemart/server/api"
	"wemart/server/apitest"
)

// TestMain runs the tests, then, on a full run that passed, checks that every
// route answered 2xx to at least one test: no endpoint goes untested.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 && flag.Lookup("test.run").Value.String() == "" {
		e := api.New(api.Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
		var untested []string
		for _, r := range e.Routes() {
			if r.Method == "echo_route_not_found" {
				continue
			}
			if !apitest.Succeeded(r.Method, r.Path) {
				untested = append(untested, r.Method+" "+r.Path)
			}
		}
		if len(untested) > 0 {
			sort.Strings(untested)
			fmt.Fprintf(os.Stderr, "FAIL: routes no test called successfully: %v\n", untested)
			code = 1
		}
	}
	os.Exit(code)
}
