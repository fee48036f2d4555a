package indexer

import "time"

// SetProgressEvery sets how often x's rebuilds log their progress.
func SetProgressEvery(x *Indexer, d time.Duration) { x.progressEvery = d }
