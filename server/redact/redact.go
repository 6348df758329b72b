// Package redact masks credentials in URLs before they are logged or put
// into an error: the password of the user info, and query parameters that
// carry one (PostgreSQL takes ?password=, Meilisearch proxies ?apiKey=).
package redact

import (
	"net/url"
	"strings"
)

// secretParams are query parameter names (lower case, without _ and -)
// whose values are credentials.
var secretParams = []string{"password", "passwd", "pwd", "sslpassword", "apikey", "key", "token", "secret", "accesstoken"}

// URL returns raw with its password and credential parameters masked; an
// unparseable URL is not repeated at all.
func URL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparseable URL)"
	}
	if u.RawQuery != "" {
		q := u.Query()
		for name := range q {
			flat := strings.NewReplacer("_", "", "-", "").Replace(strings.ToLower(name))
			for _, s := range secretParams {
				if flat == s {
					q.Set(name, "xxxxx")
				}
			}
		}
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}
