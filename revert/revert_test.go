package revert

import (
	"reflect"
	"testing"
)

func TestFailUndoesInReverse(t *testing.T) {
	var undone []int
	r := New()
	for i := 1; i <= 3; i++ {
		i := i
		r.Add(func() { undone = append(undone, i) })
	}
	r.Fail()
	r.Fail()
	if !reflect.DeepEqual(undone, []int{3, 2, 1}) {
		t.Errorf("undone %v, want [3 2 1] once", undone)
	}
}

func TestSuccessKeeps(t *testing.T) {
	r := New()
	r.Add(func() { t.Error("undone after Success") })
	r.Success()
	r.Fail()
}
