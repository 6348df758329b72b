package api

import (
	"strconv"
	"time"

	"wemart/ent"
	"wemart/schema/types"
	"wemart/server/inventory"
	"wemart/server/media"
	"wemart/server/prices"
)

// The response shapes of the API. Handlers never serialise ent structs: these
// types are the contract, and the mappers below are the only place a schema
// change can reach it.

// views turn what the database holds of a picture (a media key or a URL,
// see media.URLs) into the URL clients load it from; the handlers that
// answer with pictures embed it.
type views struct {
	URLs media.URLs
}

// Items is a whole, unpaged list (List is a page of a longer one).
type Items[T any] struct {
	Items []T `json:"items"`
}

// Store is a store as the admin API shows it.
type Store struct {
	ID              int                   `json:"id"`
	Name            string                `json:"name"`
	Address         string                `json:"address"`
	City            string                `json:"city"`
	Phone           string                `json:"phone"`
	Lat             float64               `json:"lat"`
	Lng             float64               `json:"lng"`
	H3              H3Cells               `json:"h3"`
	Timezone        string                `json:"timezone"`
	OpeningHours    []types.OpeningPeriod `json:"opening_hours"`
	Status          string                `json:"status"`
	Pickup          bool                  `json:"pickup"`
	Delivery        bool                  `json:"delivery"`
	DeliveryRadiusM int                   `json:"delivery_radius_m"`
	DeliveryFeeFen  int64                 `json:"delivery_fee_fen"`
	DeliveryMinFen  int64                 `json:"delivery_min_fen"`
	DeliveryZone    *types.Polygon        `json:"delivery_zone"`
	CreatedAt       time.Time             `json:"created_at"`
	UpdatedAt       time.Time             `json:"updated_at"`
}

// H3Cells are a store's H3 cells in H3's usual hexadecimal notation.
type H3Cells struct {
	R5 string `json:"r5"`
	R7 string `json:"r7"`
	R8 string `json:"r8"`
}

func h3Hex(cell int64) string { return strconv.FormatInt(cell, 16) }

func storeDTO(s *ent.Store) Store {
	return Store{
		ID: s.ID, Name: s.Name, Address: s.Address, City: s.City, Phone: s.Phone,
		Lat: s.Lat, Lng: s.Lng, H3: H3Cells{h3Hex(s.H3R5), h3Hex(s.H3R7), h3Hex(s.H3R8)},
		Timezone: s.Timezone, OpeningHours: s.OpeningHours, Status: string(s.Status),
		Pickup: s.Pickup, Delivery: s.Delivery, DeliveryRadiusM: s.DeliveryRadiusM,
		DeliveryFeeFen: s.DeliveryFeeFen, DeliveryMinFen: s.DeliveryMinFen, DeliveryZone: s.DeliveryZone,
		CreatedAt: s.CreatedAt.UTC(), UpdatedAt: s.UpdatedAt.UTC(),
	}
}

// Category is a catalogue category.
type Category struct {
	ID       int    `json:"id"`
	Name     string `json:"name"`
	ParentID *int   `json:"parent_id"`
	Sort     int    `json:"sort"`
}

func categoryDTO(c *ent.Category) Category {
	return Category{ID: c.ID, Name: c.Name, ParentID: c.ParentID, Sort: c.Sort}
}

// Product is a product with its SKUs.
type Product struct {
	ID          int      `json:"id"`
	Title       string   `json:"title"`
	Subtitle    string   `json:"subtitle"`
	Description string   `json:"description"`
	CategoryID  *int     `json:"category_id"`
	Images      []string `json:"images"`
	// ImageURL is the main picture's URL ("" for none): the main uploaded
	// picture, else the first of Images.
	ImageURL  string    `json:"image_url"`
	Aliases   []string  `json:"aliases"` // other names shoppers search it by
	Status    string    `json:"status"`
	Sales     int64     `json:"sales"`
	Skus      []Sku     `json:"skus"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Sku is a sellable variant.
type Sku struct {
	ID        int     `json:"id"`
	ProductID int     `json:"product_id"`
	Name      string  `json:"name"`
	PriceFen  int64   `json:"price_fen"`
	Barcode   *string `json:"barcode"`
	Sort      int     `json:"sort"`
}

func (v views) productDTO(p *ent.Product) Product {
	skus := make([]Sku, len(p.Edges.Skus))
	for i, k := range p.Edges.Skus {
		skus[i] = skuDTO(k)
	}
	return Product{
		ID: p.ID, Title: p.Title, Subtitle: p.Subtitle, Description: p.Description,
		CategoryID: p.CategoryID, Images: orEmpty(p.Images), ImageURL: v.URLs.Of(media.ProductRef(p.ImageKey, p.Images)),
		Aliases: orEmpty(p.Aliases), Status: string(p.Status), Sales: p.Sales,
		Skus: skus, CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC(),
	}
}

func skuDTO(k *ent.Sku) Sku {
	return Sku{ID: k.ID, ProductID: k.ProductID, Name: k.Name, PriceFen: k.PriceFen, Barcode: k.Barcode, Sort: k.Sort}
}

// StockLevel is one SKU's stock at one store.
type StockLevel struct {
	StoreID           int       `json:"store_id"`
	SkuID             int       `json:"sku_id"`
	OnHand            int64     `json:"on_hand"`
	Reserved          int64     `json:"reserved"`
	Available         int64     `json:"available"`
	LowStockThreshold int64     `json:"low_stock_threshold"`
	UpdatedAt         time.Time `json:"updated_at"`
}

func levelDTO(l inventory.Level) StockLevel {
	return StockLevel{
		StoreID: l.StoreID, SkuID: l.SkuID, OnHand: l.OnHand, Reserved: l.Reserved,
		Available: l.Available, LowStockThreshold: l.LowStockThreshold, UpdatedAt: l.UpdatedAt.UTC(),
	}
}

// StockRow is a line of a store's stock list.
type StockRow struct {
	StockLevel
	ProductID    int     `json:"product_id"`
	ProductTitle string  `json:"product_title"`
	SkuName      string  `json:"sku_name"`
	Barcode      *string `json:"barcode"`
}

func stockRowDTO(r inventory.Row) StockRow {
	return StockRow{StockLevel: levelDTO(r.Level), ProductID: r.ProductID, ProductTitle: r.ProductTitle,
		SkuName: r.SkuName, Barcode: r.Barcode}
}

// StockMovement is a ledger row.
type StockMovement struct {
	ID            int       `json:"id"`
	Kind          string    `json:"kind"`
	DeltaOnHand   int64     `json:"delta_on_hand"`
	DeltaReserved int64     `json:"delta_reserved"`
	OnHandAfter   int64     `json:"on_hand_after"`
	ReservedAfter int64     `json:"reserved_after"`
	Reason        string    `json:"reason"`
	ActorType     string    `json:"actor_type"`
	ActorID       *int      `json:"actor_id"`
	OrderID       *int      `json:"order_id"`
	CreatedAt     time.Time `json:"created_at"`
}

func movementDTO(m *ent.StockMovement) StockMovement {
	return StockMovement{
		ID: m.ID, Kind: string(m.Kind), DeltaOnHand: m.DeltaOnHand, DeltaReserved: m.DeltaReserved,
		OnHandAfter: m.OnHandAfter, ReservedAfter: m.ReservedAfter, Reason: m.Reason,
		ActorType: string(m.ActorType), ActorID: m.ActorID, OrderID: m.OrderID, CreatedAt: m.CreatedAt.UTC(),
	}
}

// StorePrice is a store's own price of a SKU, beside the chain price it
// overrides there.
type StorePrice struct {
	StoreID       int    `json:"store_id"`
	SkuID         int    `json:"sku_id"`
	ProductID     int    `json:"product_id"`
	ProductTitle  string `json:"product_title"`
	SkuName       string `json:"sku_name"`
	ChainPriceFen int64  `json:"chain_price_fen"`
	PriceFen      int64  `json:"price_fen"`
}

func storePriceDTO(p prices.StorePrice) StorePrice {
	return StorePrice{StoreID: p.StoreID, SkuID: p.SkuID, ProductID: p.ProductID, ProductTitle: p.ProductTitle,
		SkuName: p.SkuName, ChainPriceFen: p.ChainPriceFen, PriceFen: prices.Effective(p.ChainPriceFen, p.PriceFen)}
}

// PriceChange is a row of the price ledger.
type PriceChange struct {
	ID          int       `json:"id"`
	SkuID       int       `json:"sku_id"`
	StoreID     *int      `json:"store_id"`
	OldPriceFen *int64    `json:"old_price_fen"`
	NewPriceFen *int64    `json:"new_price_fen"`
	ActorType   string    `json:"actor_type"`
	ActorID     *int      `json:"actor_id"`
	CreatedAt   time.Time `json:"created_at"`
}

func priceChangeDTO(c *ent.PriceChange) PriceChange {
	return PriceChange{ID: c.ID, SkuID: c.SkuID, StoreID: c.StoreID, OldPriceFen: c.OldPriceFen, NewPriceFen: c.NewPriceFen,
		ActorType: string(c.ActorType), ActorID: c.ActorID, CreatedAt: c.CreatedAt.UTC()}
}

// Staff is a staff account (never with its password hash).
type Staff struct {
	ID          int        `json:"id"`
	Username    string     `json:"username"`
	DisplayName string     `json:"display_name"`
	Role        string     `json:"role"`
	StoreID     *int       `json:"store_id"`
	Disabled    bool       `json:"disabled"`
	LastLoginAt *time.Time `json:"last_login_at"`
	CreatedAt   time.Time  `json:"created_at"`
}

func staffDTO(s *ent.Staff) Staff {
	var last *time.Time
	if s.LastLoginAt != nil {
		t := s.LastLoginAt.UTC()
		last = &t
	}
	return Staff{ID: s.ID, Username: s.Username, DisplayName: s.DisplayName, Role: string(s.Role),
		StoreID: s.StoreID, Disabled: s.Disabled, LastLoginAt: last, CreatedAt: s.CreatedAt.UTC()}
}

// orEmpty is list, or an empty list for nil: JSON lists are [], never null.
func orEmpty(list []string) []string {
	if list == nil {
		return []string{}
	}
	return list
}
