package api

import (
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"wemart/server/check"
	"wemart/server/referrals"
)

// Referral is the answer to GET /api/v1/me/referral: the code the shopper's
// shares carry and what they brought.
type Referral struct {
	InviteCode   string `json:"invite_code"`
	Invited      int    `json:"invited"`
	Rewarded     int    `json:"rewarded"`
	RewardPoints int64  `json:"reward_points"`
}

// Referrals adds GET /api/v1/me/referral and makes shopper login bind a new
// shopper to the inviter a share named.
func (r *Router) Referrals(s *referrals.Service) {
	r.shoppers.Referrals = s
	r.shopperRoute(http.MethodGet, "/me/referral", r.shoppers.myReferral)
}

func (h *shopperAPI) myReferral(c echo.Context) error {
	sum, err := h.Referrals.SummaryOf(c.Request().Context(), shopperID(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, Referral{InviteCode: sum.InviteCode, Invited: sum.Invited, Rewarded: sum.Rewarded, RewardPoints: sum.RewardPoints})
}

// checkInviter validates a login's share fields: an invite code is short
// visible ASCII; the source one of referrals.Sources (or left out).
func checkInviter(inviter, source string) error {
	var c check.Checker
	if len(inviter) > referrals.MaxCodeLen {
		c.Fail("inviter", "must be at most %d characters (an invite code)", referrals.MaxCodeLen)
	}
	for i := 0; i < len(inviter); i++ {
		if inviter[i] < 0x21 || inviter[i] > 0x7e {
			c.Fail("inviter", "must be an invite code (letters and digits)")
			break
		}
	}
	if source != "" && !slices.Contains(referrals.Sources, source) {
		c.Fail("source", "must be one of %v", referrals.Sources)
	}
	return c.Err()
}

// bindInviter binds a shopper who just logged in to the inviter whose code
// the share carried. The login stands whatever happens here: an old or
// unknown code binds nothing, and a failure is logged.
func (h *shopperAPI) bindInviter(c echo.Context, shopperID int, inviter, source string) {
	if source == "" {
		source = "share"
	}
	if _, err := h.Referrals.Bind(c.Request().Context(), shopperID, inviter, source); err != nil {
		h.Log.Error("binding a referral at login", "request_id", requestIDOf(c), "shopper", shopperID, "error", err)
	}
}
