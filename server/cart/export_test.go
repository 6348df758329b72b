package cart

import "context"

// ReadCarts is readCarts for tests: the carts of keys (each a shopper and
// a store) read in one query, as the SKU ids of their lines in order; a
// cart at a store that is not there is absent.
func ReadCarts(ctx context.Context, s *Service, keys [][2]int) (map[[2]int][]int, error) {
	ks := make([]cartKey, len(keys))
	for i, k := range keys {
		ks[i] = cartKey{k[0], k[1]}
	}
	got, err := s.readCarts(ctx, struct{}{}, ks)
	if err != nil {
		return nil, err
	}
	out := make(map[[2]int][]int, len(got))
	for k, rows := range got {
		skus := []int{}
		for _, r := range rows {
			skus = append(skus, r.SkuID)
		}
		out[[2]int{k.shopper, k.store}] = skus
	}
	return out, nil
}
