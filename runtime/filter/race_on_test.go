//go:build race

package filter

// raceEnabled: sync.Pool drops items at random under the race detector,
// so the allocation tests do not hold there.
const raceEnabled = true
