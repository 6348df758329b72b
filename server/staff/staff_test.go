package staff_test

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"wemart/ent/staff"
	"wemart/server/auth"
	"wemart/server/errs"
	staffsvc "wemart/server/staff"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

func newService(t *testing.T, db *storage.DB) *staffsvc.Service {
	t.Helper()
	signer, err := auth.NewSigner(bytes.Repeat([]byte("s"), 32))
	if err != nil {
		t.Fatal(err)
	}
	return staffsvc.New(db.Client, auth.NewHasher(bcrypt.MinCost), signer, time.Hour)
}

// TestEnsureAdmin: the environment is the source of truth for the bootstrap
// admin; processes starting together create it once.
func TestEnsureAdmin(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		svc := newService(t, db)
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := svc.EnsureAdmin(ctx, "root", "first-password"); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if n := db.Client.Staff.Query().CountX(ctx); n != 1 {
			t.Fatalf("%d accounts after concurrent bootstrap", n)
		}
		if _, err := svc.Login(ctx, "root", "first-password"); err != nil {
			t.Fatal(err)
		}
		// Someone demoted and disabled it, and the password changed in the env:
		// a restart restores it with the new password.
		db.Client.Staff.Update().SetRole(staff.RoleClerk).SetDisabled(true).ExecX(ctx)
		if created, err := svc.EnsureAdmin(ctx, "root", "second-password"); err != nil || created {
			t.Fatalf("EnsureAdmin = %v, %v", created, err)
		}
		if _, err := svc.Login(ctx, "root", "first-password"); !errs.Is(err, errs.Unauthenticated) {
			t.Fatalf("old password still works: %v", err)
		}
		s, err := svc.Login(ctx, "root", "second-password")
		if err != nil || s.Staff.Role != staff.RoleAdmin || s.Staff.Disabled {
			t.Fatalf("restored admin: %+v, %v", s.Staff, err)
		}
		p, err := svc.Authenticate(ctx, s.Token)
		if err != nil || p.Role != staffsvc.RoleAdmin {
			t.Fatalf("Authenticate = %+v, %v", p, err)
		}
	})
}

func TestPolicy(t *testing.T) {
	store7 := 7
	clerk := staffsvc.Principal{ID: 1, Role: staffsvc.RoleClerk, StoreID: &store7}
	if err := clerk.RequireStore(staffsvc.PermEditStock, 7); err != nil {
		t.Fatal(err)
	}
	if err := clerk.RequireStore(staffsvc.PermEditStock, 8); !errs.Is(err, errs.PermissionDenied) {
		t.Fatalf("clerk at another store: %v", err)
	}
	if err := clerk.Require(staffsvc.PermEditCatalogue); !errs.Is(err, errs.PermissionDenied) {
		t.Fatalf("clerk editing catalogue: %v", err)
	}
	admin := staffsvc.Principal{ID: 2, Role: staffsvc.RoleAdmin}
	for _, p := range []staffsvc.Perm{staffsvc.PermManageStaff, staffsvc.PermCreateStores, staffsvc.PermEditStore,
		staffsvc.PermEditCatalogue, staffsvc.PermEditStock, staffsvc.PermReadStock} {
		if err := admin.RequireStore(p, 99); err != nil {
			t.Fatalf("admin lacks %s: %v", p, err)
		}
	}
}
