package user

import (
	"testing"
	"time"
)

// Password checks beyond the slots wait for one: with every slot taken, a
// check does not start until a slot is given back.
func TestPasswordChecksWaitForAFreeSlot(t *testing.T) {
	hash, err := HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	for range cap(hashSlots) {
		hashSlots <- struct{}{}
	}
	done := make(chan bool)
	go func() { done <- CheckPassword("correct horse battery staple", hash) }()
	select {
	case <-done:
		t.Fatal("a check ran with every slot taken")
	case <-time.After(300 * time.Millisecond):
	}
	<-hashSlots
	select {
	case ok := <-done:
		if !ok {
			t.Error("the right password did not match")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the check did not run once a slot was free")
	}
	for range cap(hashSlots) - 1 {
		<-hashSlots
	}
}
