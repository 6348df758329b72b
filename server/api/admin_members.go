package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"wemart/server/members"
)

// ScanInput is a member code scanned at a store's counter.
type ScanInput struct {
	Code    string `json:"code"`
	StoreID int    `json:"store_id"`
}

// ScannedMember is the member a scan identified.
type ScannedMember struct {
	ShopperID       int        `json:"shopper_id"`
	Nickname        string     `json:"nickname"`
	Level           LevelBrief `json:"level"`
	PointsAvailable int64      `json:"points_available"`
}

// MemberScan is a scan: what a counter sale then names.
type MemberScan struct {
	ScanID    int           `json:"scan_id"`
	Member    ScannedMember `json:"member"`
	ExpiresAt time.Time     `json:"expires_at"`
}

func (h *membersAPI) scanMember(c echo.Context) error {
	var in ScanInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	s, err := h.Members.Scan(c.Request().Context(), in.Code, in.StoreID, principal(c).ID)
	return reply(c, http.StatusOK, s, err, func(s members.Scan) MemberScan {
		return MemberScan{ScanID: s.ID, ExpiresAt: s.ExpiresAt.UTC(), Member: ScannedMember{ShopperID: s.Shopper.ID,
			Nickname: s.Shopper.Nickname, Level: levelBrief(s.Level), PointsAvailable: s.Available}}
	})
}

// CounterSale is a purchase at a store's counter that earned a member points.
type CounterSale struct {
	ID        int       `json:"id"`
	StoreID   int       `json:"store_id"`
	ShopperID int       `json:"shopper_id"`
	ScanID    int       `json:"scan_id"`
	ReceiptNo string    `json:"receipt_no"`
	AmountFen int64     `json:"amount_fen"`
	Points    int64     `json:"points"`
	Available int64     `json:"available"`
	CreatedAt time.Time `json:"created_at"`
}

func (h *membersAPI) recordSale(c echo.Context) error {
	storeID, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in members.SaleInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	s, err := h.Members.RecordSale(c.Request().Context(), storeID, principal(c).ID, in)
	status := http.StatusCreated
	if !s.Created {
		status = http.StatusOK // the same receipt and body again: the same sale
	}
	return reply(c, status, s, err, func(s members.Sale) CounterSale {
		return CounterSale{ID: s.ID, StoreID: s.StoreID, ShopperID: s.ShopperID, ScanID: s.ScanID, ReceiptNo: s.ReceiptNo,
			AmountFen: s.AmountFen, Points: s.Points, Available: s.Available, CreatedAt: s.CreatedAt.UTC()}
	})
}

// MemberLevel is a membership level as staff manage it.
type MemberLevel struct {
	ID           int    `json:"id"`
	Name         string `json:"name"`
	MinSpendFen  int64  `json:"min_spend_fen"`
	PercentOff   int    `json:"percent_off"`
	FreeDelivery bool   `json:"free_delivery"`
}

// LevelsInput is the whole new list of levels.
type LevelsInput struct {
	Items []members.LevelInput `json:"items"`
}

func levelsDTO(levels []members.Level) Items[MemberLevel] {
	out := make([]MemberLevel, len(levels))
	for i, l := range levels {
		out[i] = MemberLevel{ID: l.ID, Name: l.Name, MinSpendFen: l.MinSpendFen, PercentOff: l.PercentOff, FreeDelivery: l.FreeDelivery}
	}
	return Items[MemberLevel]{Items: out}
}

func (h *membersAPI) listLevels(c echo.Context) error {
	levels, err := h.Members.Levels(c.Request().Context())
	return reply(c, http.StatusOK, levels, err, levelsDTO)
}

func (h *membersAPI) replaceLevels(c echo.Context) error {
	var in LevelsInput
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	levels, err := h.Members.ReplaceLevels(c.Request().Context(), in.Items)
	return reply(c, http.StatusOK, levels, err, levelsDTO)
}
