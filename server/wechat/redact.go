package wechat

import (
	"errors"
	"net/url"
	"regexp"
	"strings"
)

// Go's HTTP client puts the whole request URL into a transport error
// ("Get \"https://api.weixin.qq.com/sns/jscode2session?appid=...&secret=...
// &js_code=...\": dial tcp ..."), and mini program URLs carry the AppSecret,
// the access token and the shopper's login code in their query strings. So
// no transport error leaves this package with a URL's query string or a
// secret-looking parameter in it: failed is the only way one is wrapped.

// urlInText finds URLs in an error message; secretParam finds parameters
// that carry a credential even outside a URL.
var (
	urlInText   = regexp.MustCompile(`(?i)\bhttps?://[^\s"'<>]+`)
	secretParam = regexp.MustCompile(`(?i)\b(access_token|secret|appsecret|js_code|code|session_key|key)=[^&\s"'<>]+`)
)

// redactText strips the query string and fragment of every URL in s and
// masks any credential parameter left.
func redactText(s string) string {
	s = urlInText.ReplaceAllStringFunc(s, func(u string) string {
		if i := strings.IndexAny(u, "?#"); i >= 0 {
			return u[:i] + "?[redacted]"
		}
		return u
	})
	return secretParam.ReplaceAllString(s, "$1=[redacted]")
}

// redactedError is a transport failure with its URLs scrubbed. Its cause is
// the network failure underneath (a refused connection, a timeout), which
// names no URL, so errors.Is/As (context.DeadlineExceeded, net.Error) still
// see through it.
type redactedError struct {
	msg   string
	cause error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.cause }

// redact returns err with every URL's query string removed from its text.
func redact(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := redactText(msg)
	var ue *url.Error
	switch {
	case errors.As(err, &ue):
		return &redactedError{msg: clean, cause: ue.Err}
	case clean == msg:
		return err
	}
	return &redactedError{msg: clean}
}

// failed wraps a failure on the way to WeChat (no answer) for op.
func failed(op string, err error) *Error { return &Error{Op: op, Err: redact(err)} }
