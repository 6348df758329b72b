package members

import (
	"context"

	"wemart/ent"
	"wemart/ent/countersale"
	"wemart/ent/memberscan"
	"wemart/ent/pointentry"
	"wemart/ent/store"
	"wemart/server/check"
	"wemart/server/errs"
	"wemart/server/storage"
)

// MaxCounterSaleFen is the largest purchase a counter sale records (¥100,000).
const MaxCounterSaleFen = 10_000_000

// maxReceipt bounds a receipt number.
const maxReceipt = 32

// SaleInput is a counter sale as staff record it.
type SaleInput struct {
	// ScanID is the member scan (Scan) identifying the member.
	ScanID    int    `json:"scan_id"`
	AmountFen int64  `json:"amount_fen"`
	ReceiptNo string `json:"receipt_no"`
}

func (in SaleInput) check() error {
	var c check.Checker
	c.Int("scan_id", int64(in.ScanID), 1, 1<<31-1)
	c.Int("amount_fen", in.AmountFen, 1, MaxCounterSaleFen)
	switch {
	case in.ReceiptNo == "" || len(in.ReceiptNo) > maxReceipt:
		c.Fail("receipt_no", "must be 1 to %d characters", maxReceipt)
	default:
		for _, r := range in.ReceiptNo {
			if r < '!' || r > '~' {
				c.Fail("receipt_no", "must be visible ASCII (letters, digits, punctuation; no spaces)")
				break
			}
		}
	}
	return c.Err()
}

// Sale is a recorded counter sale.
type Sale struct {
	*ent.CounterSale
	// Available are the member's points available now.
	Available int64
	// Created is false when the sale was recorded by an earlier request
	// with the same receipt number and body.
	Created bool
}

// RecordSale records a purchase of ScanID's member at store storeID by
// staff staffID and gives its points at once. The receipt number makes it
// idempotent: again with the same body is the same sale; with another body
// a conflict. The scan must be of this store, unused and not expired
// (conflict, reason store, used or expired).
func (s *Service) RecordSale(ctx context.Context, storeID, staffID int, in SaleInput) (_ Sale, err error) {
	defer errs.Op(&err, "members.RecordSale")
	if err := in.check(); err != nil {
		return Sale{}, err
	}
	if ok, err := s.client.Store.Query().Where(store.ID(storeID), store.DeletedAtIsNil()).Exist(ctx); err != nil {
		return Sale{}, err
	} else if !ok {
		return Sale{}, errs.E(errs.NotFound, "no store %d", storeID)
	}
	if sale, err := s.sameSale(ctx, storeID, in); sale.CounterSale != nil || err != nil {
		return sale, err
	}
	var out Sale
	err = storage.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		scan, err := s.useScan(ctx, tx, in.ScanID, storeID)
		if err != nil {
			return err
		}
		points := in.AmountFen / 100 * s.rules.CounterPointsPerYuan
		sale, err := tx.CounterSale.Create().SetStoreID(storeID).SetReceiptNo(in.ReceiptNo).SetScanID(scan.ID).
			SetShopperID(scan.ShopperID).SetAmountFen(in.AmountFen).SetPoints(points).SetStaffID(staffID).
			SetCreatedAt(s.clock()).Save(ctx)
		if err != nil {
			return err
		}
		if points > 0 {
			if _, err := s.post(ctx, tx, entry{shopperID: scan.ShopperID, kind: pointentry.KindCounterSale, refType: RefCounterSale,
				refID: sale.ID, available: points, note: "门店消费 小票 " + in.ReceiptNo}); err != nil {
				return err
			}
		}
		avail, _, err := balance(ctx, tx.PointAccount, scan.ShopperID)
		out = Sale{CounterSale: sale, Available: avail, Created: true}
		return err
	})
	if err != nil && (errs.Is(err, errs.Conflict) || storage.IsConflict(err)) {
		// Another request recorded this receipt meanwhile (and used the
		// scan): the same body is that sale.
		if sale, serr := s.sameSale(ctx, storeID, in); sale.CounterSale != nil || serr != nil {
			return sale, serr
		}
	}
	return out, err
}

// sameSale is the sale of the receipt at the store, if there is one: the
// same when in has its scan and amount, a conflict otherwise.
func (s *Service) sameSale(ctx context.Context, storeID int, in SaleInput) (Sale, error) {
	sale, err := s.client.CounterSale.Query().
		Where(countersale.StoreID(storeID), countersale.ReceiptNo(in.ReceiptNo)).Only(ctx)
	if ent.IsNotFound(err) {
		return Sale{}, nil
	}
	if err != nil {
		return Sale{}, err
	}
	if sale.ScanID != in.ScanID || sale.AmountFen != in.AmountFen {
		return Sale{}, errs.E(errs.Conflict, "receipt %s was recorded at this store already, for another scan or amount (sale %d)",
			in.ReceiptNo, sale.ID).With("reason", "receipt").With("sale_id", sale.ID)
	}
	avail, _, err := s.Balance(ctx, sale.ShopperID)
	return Sale{CounterSale: sale, Available: avail}, err
}

// useScan marks the scan used by compare-and-set, or says why it cannot be.
func (s *Service) useScan(ctx context.Context, tx *ent.Tx, scanID, storeID int) (*ent.MemberScan, error) {
	now := s.clock()
	n, err := tx.MemberScan.Update().Where(memberscan.ID(scanID), memberscan.StoreID(storeID),
		memberscan.Used(false), memberscan.ExpiresAtGT(now)).SetUsed(true).Save(ctx)
	if err != nil {
		return nil, err
	}
	scan, err := tx.MemberScan.Get(ctx, scanID)
	if ent.IsNotFound(err) {
		return nil, errs.E(errs.NotFound, "no member scan %d", scanID)
	}
	if err != nil || n == 1 {
		return scan, err
	}
	conflict := func(reason, format string, args ...any) error {
		return errs.E(errs.Conflict, format, args...).With("reason", reason)
	}
	switch {
	case scan.StoreID != storeID:
		return nil, conflict("store", "scan %d was made at another store; scan the member's code here", scanID)
	case scan.Used:
		return nil, conflict("used", "scan %d recorded a sale already; scan the member's code again", scanID)
	default:
		return nil, conflict("expired", "scan %d expired at %s; scan the member's code again", scanID,
			scan.ExpiresAt.UTC().Format("15:04:05"))
	}
}
