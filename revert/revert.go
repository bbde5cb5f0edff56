// Package revert undoes the finished steps of a multi-step change when a later
// step fails, so a failed command leaves the host as it found it.
//
//	r := revert.New()
//	defer r.Fail()
//	... do a step ...; r.Add(undoIt)
//	r.Success()
package revert

// Reverter collects undo functions.
type Reverter struct {
	undo []func()
}

// New returns an empty reverter.
func New() *Reverter { return &Reverter{} }

// Add registers the undo of a step that just succeeded.
func (r *Reverter) Add(f func()) { r.undo = append(r.undo, f) }

// Fail runs the undo functions, last first. After Success it does nothing,
// which is what makes `defer r.Fail()` safe.
func (r *Reverter) Fail() {
	for i := len(r.undo) - 1; i >= 0; i-- {
		r.undo[i]()
	}
	r.undo = nil
}

// Success keeps every step.
func (r *Reverter) Success() { r.undo = nil }
