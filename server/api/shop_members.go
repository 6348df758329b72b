package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"wemart/ent"
	"wemart/server/members"
	"wemart/server/staff"
)

// membersAPI serves membership: the shopper's points, level, check-in and
// member code; the staff's member scan, counter sales and levels.
type membersAPI struct {
	Members *members.Service
}

// Members adds the routes of points and membership.
func (r *Router) Members(s *members.Service) {
	h := &membersAPI{Members: s}
	r.shopperRoute(http.MethodGet, "/me/points", h.myPoints)
	r.shopperRoute(http.MethodGet, "/me/member", h.myMembership)
	r.shopperRoute(http.MethodPost, "/me/checkins", h.checkIn)
	r.shopperRoute(http.MethodGet, "/me/member-code", h.memberCode)
	r.staffRoute(http.MethodPost, "/members/scan", h.scanMember, may(staff.PermServeMembers).at(storeIDInBody))
	r.staffRoute(http.MethodPost, "/stores/:id/counter-sales", h.recordSale, may(staff.PermServeMembers).at(storeInPath))
	r.staffRoute(http.MethodGet, "/member-levels", h.listLevels, may(staff.PermManagePromotions))
	r.staffRoute(http.MethodPut, "/member-levels", h.replaceLevels, may(staff.PermManagePromotions))
}

// PointEntry is a line of the shopper's points ledger.
type PointEntry struct {
	ID             int       `json:"id"`
	Kind           string    `json:"kind"`
	AvailableDelta int64     `json:"available_delta"`
	PendingDelta   int64     `json:"pending_delta"`
	Note           string    `json:"note"`
	OrderID        *int      `json:"order_id"`
	CreatedAt      time.Time `json:"created_at"`
}

// Points is the shopper's balance and a page of her ledger.
type Points struct {
	Available int64        `json:"available"`
	Pending   int64        `json:"pending"`
	Items     []PointEntry `json:"items"`
	// NextBefore is the before of the next page; nil on the last.
	NextBefore *int `json:"next_before"`
}

// Paging of the ledger.
const (
	defaultPointsLimit = 20
	maxPointsLimit     = 100
)

func (h *membersAPI) myPoints(c echo.Context) error {
	before, err := queryInt(c, "before", 0, 1, 1<<31-1)
	if err != nil {
		return err
	}
	limit, err := queryInt(c, "limit", defaultPointsLimit, 1, maxPointsLimit)
	if err != nil {
		return err
	}
	ctx, me := c.Request().Context(), shopperID(c)
	// The page first: the balance read after it covers every entry shown.
	rows, err := h.Members.Entries(ctx, me, int(before), int(limit))
	if err != nil {
		return err
	}
	out := Points{Items: make([]PointEntry, len(rows))}
	if out.Available, out.Pending, err = h.Members.Balance(ctx, me); err != nil {
		return err
	}
	for i, e := range rows {
		out.Items[i] = pointEntryDTO(e)
	}
	if len(rows) == int(limit) {
		out.NextBefore = &rows[len(rows)-1].ID
	}
	return c.JSON(http.StatusOK, out)
}

func pointEntryDTO(e *ent.PointEntry) PointEntry {
	return PointEntry{ID: e.ID, Kind: string(e.Kind), AvailableDelta: e.AvailableDelta, PendingDelta: e.PendingDelta,
		Note: e.Note, OrderID: e.OrderID, CreatedAt: e.CreatedAt.UTC()}
}

// LevelBrief is a level as shoppers see it.
type LevelBrief struct {
	Name         string `json:"name"`
	MinSpendFen  int64  `json:"min_spend_fen"`
	PercentOff   int    `json:"percent_off"`
	FreeDelivery bool   `json:"free_delivery"`
}

func levelBrief(l members.Level) LevelBrief {
	return LevelBrief{Name: l.Name, MinSpendFen: l.MinSpendFen, PercentOff: l.PercentOff, FreeDelivery: l.FreeDelivery}
}

// NextLevel is the level above the shopper's and what she misses for it.
type NextLevel struct {
	Name        string `json:"name"`
	MinSpendFen int64  `json:"min_spend_fen"`
	MissingFen  int64  `json:"missing_fen"`
}

// PointBalance is a shopper's points.
type PointBalance struct {
	Available int64 `json:"available"`
	Pending   int64 `json:"pending"`
}

// Membership is the shopper's standing: level, spend, points, check-in.
type Membership struct {
	Level          LevelBrief   `json:"level"`
	SpendFen       int64        `json:"spend_fen"`
	Next           *NextLevel   `json:"next"`
	Points         PointBalance `json:"points"`
	CheckedInToday bool         `json:"checked_in_today"`
	CheckinPoints  int64        `json:"checkin_points"`
}

func (h *membersAPI) myMembership(c echo.Context) error {
	ctx, me := c.Request().Context(), shopperID(c)
	st, err := h.Members.Standing(ctx, me)
	if err != nil {
		return err
	}
	out := Membership{Level: levelBrief(st.Level), SpendFen: st.SpendFen, CheckinPoints: h.Members.Rules().CheckinPoints}
	if st.Next != nil {
		out.Next = &NextLevel{Name: st.Next.Name, MinSpendFen: st.Next.MinSpendFen, MissingFen: st.Next.MinSpendFen - st.SpendFen}
	}
	if out.Points.Available, out.Points.Pending, err = h.Members.Balance(ctx, me); err != nil {
		return err
	}
	if out.CheckedInToday, err = h.Members.CheckedIn(ctx, me); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// CheckinResult is a day's check-in.
type CheckinResult struct {
	Day       string `json:"day"`
	Points    int64  `json:"points"`
	Available int64  `json:"available"`
}

func (h *membersAPI) checkIn(c echo.Context) error {
	r, err := h.Members.CheckIn(c.Request().Context(), shopperID(c))
	return reply(c, http.StatusCreated, r, err, func(r members.Checkin) CheckinResult {
		return CheckinResult{Day: r.Day, Points: r.Points, Available: r.Available}
	})
}

// MemberCode is the member code the mini program shows as a QR code.
type MemberCode struct {
	Code          string    `json:"code"`
	ExpiresAt     time.Time `json:"expires_at"`
	RefreshAfterS int       `json:"refresh_after_s"`
}

func (h *membersAPI) memberCode(c echo.Context) error {
	code, err := h.Members.IssueCode(shopperID(c))
	return reply(c, http.StatusOK, code, err, func(code members.Code) MemberCode {
		return MemberCode{Code: code.Code, ExpiresAt: code.ExpiresAt.UTC(), RefreshAfterS: int(members.CodeRefresh / time.Second)}
	})
}
