package api_test

import (
	"flag"
	"fmt"
	"os"
	"testing"

	"wemart/server/apitest"
)

// TestMain runs the tests, then, on a full run that passed, checks that every
// route the tests' servers had (the WeChat sandbox's too) answered 2xx to at
// least one test: no endpoint goes untested.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 && flag.Lookup("test.run").Value.String() == "" {
		if untested := apitest.Untested(); len(untested) > 0 {
			fmt.Fprintf(os.Stderr, "FAIL: routes no test called successfully: %v\n", untested)
			code = 1
		}
	}
	os.Exit(code)
}
