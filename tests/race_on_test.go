//go:build race

package tests

// raceBuild: the tests run under the race detector, and so does the nixlxc
// binary they exercise.
const raceBuild = true
