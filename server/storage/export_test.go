package storage

// Gathering exposes Batch.gathering to the tests.
func Gathering[G comparable, I comparable, V any](b *Batch[G, I, V], group G) int {
	return b.gathering(group)
}
