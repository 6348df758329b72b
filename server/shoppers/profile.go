package shoppers

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"

	"wemart/ent"
	"wemart/server/errs"
	"wemart/server/patch"
	"wemart/server/storage"
)

// MaxNickname is the longest nickname, in characters.
const MaxNickname = 32

// ProfilePatch changes what a shopper says of themselves; a field left out
// stays as it is.
type ProfilePatch struct {
	Nickname patch.Nullable[string] `json:"nickname"`
}

// CheckNickname returns the nickname as kept (trimmed), or why it cannot be
// one: 1–32 characters, valid UTF-8, no control characters, line breaks or
// bidirectional overrides (which would let a name display as another).
// Emoji, with their joiners, are fine.
func CheckNickname(v string) (string, error) {
	if !utf8.ValidString(v) {
		return "", errs.InvalidField("nickname", "must be valid UTF-8")
	}
	v = strings.TrimSpace(v)
	n := utf8.RuneCountInString(v)
	if n == 0 || n > MaxNickname {
		return "", errs.InvalidField("nickname", "must be 1 to %d characters (got %d after trimming spaces)", MaxNickname, n)
	}
	visible, marks := false, 0
	for _, r := range v {
		if unicode.IsControl(r) || unicode.In(r, unicode.Zl, unicode.Zp) || r == utf8.RuneError ||
			(unicode.Is(unicode.Cf, r) && r != 0x200d && (r < 0xe0020 || r > 0xe007f)) {
			// Cf: direction marks and overrides, zero-width spaces, BOM...;
			// the emoji joiner and the tags of subdivision flags stay.
			return "", errs.InvalidField("nickname", "must not contain control characters, line breaks, invisible or direction characters (U+%04X)", r)
		}
		if unicode.Is(unicode.Mn, r) {
			if marks++; marks > maxMarks {
				return "", errs.InvalidField("nickname", "has more than %d combining marks on one character", maxMarks)
			}
			continue
		}
		marks = 0
		if unicode.In(r, unicode.L, unicode.N, unicode.P, unicode.S) && !blank(r) {
			visible = true
		}
	}
	if !visible {
		return "", errs.InvalidField("nickname", "must have a visible character")
	}
	return v, nil
}

// maxMarks is how many combining marks may stack on one character: enough
// for any script, not for text that spills over its neighbours.
const maxMarks = 4

// blank reports the letters that show nothing (Hangul fillers, the blank
// Braille pattern), used for names that look empty.
func blank(r rune) bool {
	switch r {
	case 0x115f, 0x1160, 0x3164, 0xffa0, 0x2800:
		return true
	}
	return false
}

// UpdateProfile applies p to shopper id.
func (s *Service) UpdateProfile(ctx context.Context, id int, p ProfilePatch) (_ *ent.Shopper, err error) {
	defer errs.Op(&err, "shoppers.UpdateProfile")
	upd := s.client.Shopper.UpdateOneID(id)
	if p.Nickname.Set {
		if p.Nickname.Null {
			return nil, errs.InvalidField("nickname", "must be a string of 1 to %d characters", MaxNickname)
		}
		nick, err := CheckNickname(p.Nickname.Value)
		if err != nil {
			return nil, err
		}
		upd.SetNickname(nick)
	}
	sh, err := upd.Save(ctx)
	if ent.IsNotFound(err) {
		return nil, storage.ShopperGone()
	}
	return sh, err
}

// SetAvatar makes the picture under media key key shopper id's avatar.
func (s *Service) SetAvatar(ctx context.Context, id int, key string) (_ *ent.Shopper, err error) {
	defer errs.Op(&err, "shoppers.SetAvatar")
	sh, err := s.client.Shopper.UpdateOneID(id).SetAvatarURL(key).Save(ctx)
	if ent.IsNotFound(err) {
		return nil, storage.ShopperGone()
	}
	return sh, err
}
