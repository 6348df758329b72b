package cart_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"
	"time"

	"wemart/server/apitest"
	"wemart/server/cart"
	"wemart/server/shelfver"
	"wemart/server/storage"
	"wemart/server/storage/storagetest"
)

// TestCartsReadTogether: carts read in one shared query each get their
// own lines only, in their own order, whatever else the query read: a
// shopper's carts at two stores apart, an empty cart as empty, a deleted
// store as absent, a cart asked for twice (padding) once. Concurrent GET
// /api/v1/cart requests, which share reads, each answer what a read alone
// answers.
func TestCartsReadTogether(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		h := apitest.New(t, db)
		newStore := func(name string) int {
			var st struct{ ID int }
			h.Do("POST", "/admin/v1/stores", h.AdminToken, map[string]any{"name": name, "lat": 31.2304, "lng": 121.4737}).
				OK(http.StatusCreated, &st)
			return st.ID
		}
		a, b, gone := newStore("A 店"), newStore("B 店"), newStore("关店")
		var skus []int
		for i := range 10 {
			var p struct{ Skus []struct{ ID int } }
			h.Do("POST", "/admin/v1/products", h.AdminToken, map[string]any{"title": fmt.Sprintf("商品 %d", i),
				"skus": []map[string]any{{"name": "标准装", "price_fen": 100 * (i + 1)}}}).OK(http.StatusCreated, &p)
			for _, st := range []int{a, b, gone} {
				h.Do("PUT", apitest.Path("/admin/v1/stores/%d/stock/%d", st, p.Skus[0].ID), h.AdminToken,
					map[string]any{"on_hand": 50}).OK(http.StatusOK, nil)
			}
			skus = append(skus, p.Skus[0].ID)
		}
		// Shopper i puts SKUs i, i+1, i+2 (mod 4) at A, in that order, and
		// SKU i at B and at the store that closes; shopper 4 puts nothing.
		const shoppers = 5
		ids, tokens := make([]int, shoppers), make([]string, shoppers)
		want := map[[2]int][]int{}
		for i := range shoppers {
			var login struct {
				Token string
				User  struct{ ID int }
			}
			h.Do("POST", "/api/v1/auth/login", "", map[string]string{"code": fmt.Sprintf("together-%d", i)}).
				OK(http.StatusOK, &login)
			ids[i], tokens[i] = login.User.ID, login.Token
			if ids[i] == 0 {
				t.Fatal("login did not say who the shopper is")
			}
			want[[2]int{ids[i], a}], want[[2]int{ids[i], b}] = []int{}, []int{}
			if i == shoppers-1 {
				continue
			}
			put := func(store, sku int) {
				h.Do("PUT", "/api/v1/cart/items", tokens[i], map[string]any{"store_id": store, "sku_id": sku, "quantity": i + 1}).
					OK(http.StatusOK, nil)
			}
			for j := range 3 {
				put(a, skus[(i+j)%4])
				want[[2]int{ids[i], a}] = append(want[[2]int{ids[i], a}], skus[(i+j)%4])
			}
			put(b, skus[i])
			want[[2]int{ids[i], b}] = []int{skus[i]}
			put(gone, skus[i])
		}
		h.Do("DELETE", apitest.Path("/admin/v1/stores/%d", gone), h.AdminToken, nil).OK(http.StatusNoContent, nil)

		var keys [][2]int
		for k := range want {
			keys = append(keys, k)
		}
		keys = append(keys, [2]int{ids[0], gone}, [2]int{ids[1], a}, [2]int{ids[1], a}) // padding repeats the last
		got, err := cart.ReadCarts(ctx, h.App.Cart, keys)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("carts read together:\n got %v\nwant %v", got, want)
		}

		// The same through the API, 8 requests per cart at once.
		alone := map[int][]byte{}
		for i := range shoppers {
			alone[i] = h.Do("GET", apitest.Path("/api/v1/cart?store_id=%d", a), tokens[i], nil).OK(http.StatusOK, nil).Body
		}
		var wg sync.WaitGroup
		errc := make(chan string, 8*shoppers)
		for n := range 8 * shoppers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				i := n % shoppers
				if code, body := getCart(h, fmt.Sprintf("/api/v1/cart?store_id=%d", a), tokens[i]); code != http.StatusOK || body != string(alone[i]) {
					errc <- fmt.Sprintf("shopper %d: %d %s, alone %s", i, code, body, alone[i])
				}
			}()
		}
		wg.Wait()
		close(errc)
		for e := range errc {
			t.Error(e)
		}

		// Reads are shared: while the first read of one group of shoppers
		// is held, the requests for that group's other carts wait together
		// for its next read (so n requests make two queries, each body as
		// if alone), and the other groups' carts are read meanwhile: no
		// cart read queues behind another group's.
		// Two groups, whatever the cores (with as many groups as shoppers
		// no group would hold more than one shopper's carts).
		cart.SetReadGroups(h.App.Cart, 2)
		type get struct{ shopper, store int }
		path := func(g get) string { return apitest.Path("/api/v1/cart?store_id=%d", g.store) }
		want1 := map[get]string{}
		groups := map[int][]get{}
		for i := range shoppers {
			for _, st := range []int{a, b} {
				g := get{i, st}
				want1[g] = string(h.Do("GET", path(g), tokens[i], nil).OK(http.StatusOK, nil).Body)
				gr := cart.ReadGroup(h.App.Cart, ids[i])
				groups[gr] = append(groups[gr], g)
			}
		}
		held, others := -1, []get{}
		for gr, gets := range groups {
			if held < 0 || len(gets) > len(groups[held]) {
				held = gr
			}
		}
		for gr, gets := range groups {
			if gr != held {
				others = append(others, gets...)
			}
		}
		if len(groups[held]) < 3 || len(others) == 0 {
			t.Fatalf("shoppers %v fall in read groups %v: want one of 3 carts or more and another", ids, groups)
		}
		reads, gathering, release := cart.HoldReads(h.App.Cart, held)
		defer release()
		errc = make(chan string, 2*shoppers)
		send := func(wg *sync.WaitGroup, g get) {
			defer wg.Done()
			if code, body := getCart(h, path(g), tokens[g.shopper]); code != http.StatusOK || body != want1[g] {
				errc <- fmt.Sprintf("%+v: %d %s, alone %s", g, code, body, want1[g])
			}
		}
		wait := func(what string, cond func() bool) {
			t.Helper()
			waitUntil(t, what, cond, func() string { return fmt.Sprintf("reads %d, carts gathering %d", reads(), gathering()) })
		}
		var heldWG, othersWG sync.WaitGroup
		heldWG.Add(len(groups[held]))
		go send(&heldWG, groups[held][0])
		wait("the first read", func() bool { return reads() == 1 })
		for _, g := range groups[held][1:] {
			go send(&heldWG, g)
		}
		wait("the group's other carts to gather", func() bool { return gathering() == len(groups[held])-1 })
		othersWG.Add(len(others))
		for _, g := range others {
			go send(&othersWG, g)
		}
		othersDone := make(chan struct{})
		go func() { othersWG.Wait(); close(othersDone) }()
		select {
		case <-othersDone:
		case <-time.After(10 * time.Second):
			t.Fatal("the other groups' carts waited for the held group's read")
		}
		release()
		heldWG.Wait()
		close(errc)
		for e := range errc {
			t.Error(e)
		}
		if n := reads(); n != 2 {
			t.Errorf("%d requests of one group made %d reads, want 2", len(groups[held]), n)
		}
	})
}

// TestSkuMissesReadTogether: right after the chain's version moves, every
// cart read misses what it kept of its SKUs; the misses of concurrent
// reads share one read of SKUs, and each cart answers as before.
func TestSkuMissesReadTogether(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		h := apitest.New(t, db)
		var st struct{ ID int }
		h.Do("POST", "/admin/v1/stores", h.AdminToken, map[string]any{"name": "店", "lat": 31.2304, "lng": 121.4737}).
			OK(http.StatusCreated, &st)
		var skus []int
		for i := range 10 {
			var p struct{ Skus []struct{ ID int } }
			h.Do("POST", "/admin/v1/products", h.AdminToken, map[string]any{"title": fmt.Sprintf("商品 %d", i),
				"skus": []map[string]any{{"name": "标准装", "price_fen": 100 * (i + 1)}}}).OK(http.StatusCreated, &p)
			h.Do("PUT", apitest.Path("/admin/v1/stores/%d/stock/%d", st.ID, p.Skus[0].ID), h.AdminToken,
				map[string]any{"on_hand": 50}).OK(http.StatusOK, nil)
			skus = append(skus, p.Skus[0].ID)
		}
		// Shopper i has SKUs 2i and 2i+1 in the cart: no two share one, so
		// the SKUs gathering count the carts waiting.
		const shoppers = 5
		tokens, before := make([]string, shoppers), make([]string, shoppers)
		path := apitest.Path("/api/v1/cart?store_id=%d", st.ID)
		for i := range shoppers {
			var login struct{ Token string }
			h.Do("POST", "/api/v1/auth/login", "", map[string]string{"code": fmt.Sprintf("misses-%d", i)}).OK(http.StatusOK, &login)
			tokens[i] = login.Token
			for _, k := range []int{skus[2*i], skus[2*i+1]} {
				h.Do("PUT", "/api/v1/cart/items", login.Token, map[string]any{"store_id": st.ID, "sku_id": k, "quantity": 1}).
					OK(http.StatusOK, nil)
			}
			before[i] = string(h.Do("GET", path, tokens[i], nil).OK(http.StatusOK, nil).Body)
		}
		if err := shelfver.BumpChain(ctx, db.Client); err != nil {
			t.Fatal(err)
		}
		reads, gathering, release := cart.HoldSkuReads(h.App.Cart)
		defer release()
		errc := make(chan string, shoppers)
		var wg sync.WaitGroup
		send := func(i int) {
			defer wg.Done()
			if code, body := getCart(h, path, tokens[i]); code != http.StatusOK || body != before[i] {
				errc <- fmt.Sprintf("shopper %d: %d %s, before %s", i, code, body, before[i])
			}
		}
		wait := func(what string, cond func() bool) {
			t.Helper()
			waitUntil(t, what, cond, func() string { return fmt.Sprintf("reads %d, SKUs gathering %d", reads(), gathering()) })
		}
		wg.Add(shoppers)
		go send(0)
		wait("the first read of SKUs", func() bool { return reads() == 1 })
		for i := 1; i < shoppers; i++ {
			go send(i)
		}
		wait("the other carts' SKUs to gather", func() bool { return gathering() == 2*(shoppers-1) })
		release()
		wg.Wait()
		close(errc)
		for e := range errc {
			t.Error(e)
		}
		if n := reads(); n != 2 {
			t.Errorf("%d cart reads after the version moved made %d reads of SKUs, want 2", shoppers, n)
		}
		// Kept again: another round reads no SKU.
		for i := range shoppers {
			h.Do("GET", path, tokens[i], nil).OK(http.StatusOK, nil)
		}
		if n := reads(); n != 2 {
			t.Errorf("reads of SKUs after they were kept again: %d, want 2", n)
		}
	})
}

// getCart serves GET path with token through the app's router, from any
// goroutine (the harness's Do fails the test through t, which only the
// test's own goroutine may): the status and body.
func getCart(h *apitest.Harness, path, token string) (int, string) {
	req := httptest.NewRequest("GET", path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	h.App.Echo.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// waitUntil polls cond for up to ten seconds; state says what was seen.
func waitUntil(t *testing.T, what string, cond func() bool, state func() string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s (%s)", what, state())
		}
	}
}
