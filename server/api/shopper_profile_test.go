package api_test

import (
	"net/http"
	"strings"
	"testing"

	"wemart/server/apitest"
	"wemart/server/media/mediatest"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

type profile struct {
	ID        int     `json:"id"`
	Nickname  *string `json:"nickname"`
	AvatarURL *string `json:"avatar_url"`
	Phone     *string `json:"phone"`
}

func TestShopperProfile(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		h := apitest.New(t, db)
		sh := mustShopper(t, h, "profile-"+t.Name())
		var me profile
		h.Do("GET", "/api/v1/me", sh.Token, nil).OK(http.StatusOK, &me)
		if me.Nickname == nil || *me.Nickname != "" || me.AvatarURL == nil || *me.AvatarURL != "" {
			t.Fatalf("a new shopper: %+v", me)
		}

		// The nickname: trimmed, 1–32 characters, emoji welcome.
		h.Do("PATCH", "/api/v1/me", sh.Token, map[string]any{"nickname": "  小明 🍎👨‍👩‍👧  "}).OK(http.StatusOK, &me)
		if *me.Nickname != "小明 🍎👨‍👩‍👧" {
			t.Fatalf("nickname %q", *me.Nickname)
		}
		thirtyTwo := strings.Repeat("名", 32)
		h.Do("PATCH", "/api/v1/me", sh.Token, map[string]any{"nickname": thirtyTwo}).OK(http.StatusOK, &me)
		if *me.Nickname != thirtyTwo {
			t.Fatalf("nickname %q", *me.Nickname)
		}
		// A body without nickname changes nothing.
		h.Do("PATCH", "/api/v1/me", sh.Token, map[string]any{}).OK(http.StatusOK, &me)
		if *me.Nickname != thirtyTwo {
			t.Fatalf("an empty patch changed the nickname to %q", *me.Nickname)
		}
		for name, body := range map[string]string{
			"empty":              `{"nickname": ""}`,
			"spaces":             `{"nickname": "   "}`,
			"33 characters":      `{"nickname": "` + strings.Repeat("名", 33) + `"}`,
			"a newline":          `{"nickname": "a\nb"}`,
			"a tab":              `{"nickname": "a\tb"}`,
			"a control":          `{"nickname": "a\u0007b"}`,
			"NUL":                `{"nickname": "a\u0000b"}`,
			"a direction switch": `{"nickname": "abc\u202edcba"}`,
			"a line separator":   `{"nickname": "a\u2028b"}`,
			"invalid UTF-8":      "{\"nickname\": \"a\xffb\"}",
			"null":               `{"nickname": null}`,
			"a number":           `{"nickname": 7}`,
			"an unknown field":   `{"nickname": "x", "avatar_url": "https://evil.example.com/a.png"}`,
			"another case":       `{"Nickname": "x"}`,
		} {
			t.Run(name, func(t *testing.T) {
				h.For(t).Do("PATCH", "/api/v1/me", sh.Token, body).Fails(http.StatusBadRequest, "invalid_argument")
			})
		}
		h.Do("GET", "/api/v1/me", sh.Token, nil).OK(http.StatusOK, &me)
		if *me.Nickname != thirtyTwo {
			t.Fatalf("a refused patch changed the nickname to %q", *me.Nickname)
		}
		h.Do("PATCH", "/api/v1/me", "", map[string]any{"nickname": "x"}).Fails(http.StatusUnauthorized, "unauthenticated")
		h.Do("PATCH", "/api/v1/me", h.AdminToken, map[string]any{"nickname": "x"}).Fails(http.StatusUnauthorized, "unauthenticated")

		// The avatar: the picture pipeline, scaled to 512, served at its URL.
		body, ct := mediatest.Multipart("file", "tmp_avatar.jpeg", "image/jpeg", mediatest.JPEGWithEXIF(1000, 800, 1))
		h.Do("POST", "/api/v1/me/avatar", sh.Token, body, "Content-Type", ct).OK(http.StatusOK, &me)
		if !strings.HasPrefix(*me.AvatarURL, "/media/") || *me.Nickname != thirtyTwo {
			t.Fatalf("after the avatar: %+v", me)
		}
		pic := h.Do("GET", *me.AvatarURL, "", nil).OK(http.StatusOK, nil)
		if strings.Contains(string(pic.Body), mediatest.GPSMarker) {
			t.Fatal("the avatar kept its EXIF")
		}
		var again profile
		h.Do("GET", "/api/v1/me", sh.Token, nil).OK(http.StatusOK, &again)
		if *again.AvatarURL != *me.AvatarURL {
			t.Fatalf("GET /me avatar_url %q, want %q", *again.AvatarURL, *me.AvatarURL)
		}
		for name, data := range map[string][]byte{"gif": mediatest.GIF(8, 8), "text": []byte("not a picture")} {
			body, ct := mediatest.Multipart("file", "a.png", "image/png", data)
			h.Do("POST", "/api/v1/me/avatar", sh.Token, body, "Content-Type", ct).Fails(http.StatusBadRequest, "invalid_argument")
			_ = name
		}
		big := make([]byte, 3<<20)
		copy(big, mediatest.JPEG(4, 4))
		body, ct = mediatest.Multipart("file", "big.jpg", "image/jpeg", big)
		e := h.Do("POST", "/api/v1/me/avatar", sh.Token, body, "Content-Type", ct).Fails(http.StatusRequestEntityTooLarge, "payload_too_large")
		if !strings.Contains(e.Error.Message, "2 MiB") {
			t.Fatalf("message %q", e.Error.Message)
		}
		body, ct = mediatest.Multipart("file", "a.png", "image/png", mediatest.PNG(4, 4, false))
		h.Do("POST", "/api/v1/me/avatar", "", body, "Content-Type", ct).Fails(http.StatusUnauthorized, "unauthenticated")

		// Binding a phone still works, and keeps the profile.
		h.Do("POST", "/api/v1/auth/phone", sh.Token, map[string]string{"code": "phone-code-profile"}).OK(http.StatusOK, &again)
		if again.Phone == nil || *again.Phone == "" || *again.Nickname != thirtyTwo || *again.AvatarURL != *me.AvatarURL {
			t.Fatalf("after binding the phone: %+v", again)
		}
	})
}
