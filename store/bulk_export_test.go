package store

// SetPartKeys sets how many keys a part of a bucket holds during Load
// (see split), for tests that load small graphs in many parts; it returns
// a function that restores it.
func SetPartKeys(n int) (restore func()) {
	old := partKeys
	partKeys = n
	return func() { partKeys = old }
}
