//go:build race

package ui

// raceEnabled is set when the tests run with the race detector, which
// makes building a 10,000-record binder take minutes.
const raceEnabled = true
