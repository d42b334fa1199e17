package user

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// Password checks beyond the slots wait for one: with every slot taken, a
// check does not start until a slot is given back.
// Serial: the slots and the cost are the process's, and it waits a while
// to see that a check does not run. The check is made at the test cost,
// which takes microseconds where the standard one takes seconds under the
// race detector.
func TestPasswordChecksWaitForAFreeSlot(t *testing.T) {
	defer current.Store(current.Load())
	if err := SetHashCost(TestCost); err != nil {
		t.Fatal(err)
	}
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
	case <-time.After(30 * time.Second):
		t.Fatal("the check did not run once a slot was free")
	}
	for range cap(hashSlots) - 1 {
		<-hashSlots
	}
}

// Each cost's dummy hash, which a sign-in without an account is checked
// against, is made with that cost's own parameters: the check costs what
// a real one costs, whichever cost the process runs at.
func TestHashCost_TheDummyHashCostsWhatARealOneCosts(t *testing.T) {
	t.Parallel()
	for name, h := range costs {
		p := h.params
		want := fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$", p.Memory, p.Iterations, p.Parallelism)
		if !strings.HasPrefix(h.dummy, want) {
			t.Errorf("%s: dummy hash %q, want one made with %s", name, h.dummy, want)
		}
	}
}

// Serial: the cost is the process's.
func TestSetHashCost(t *testing.T) {
	defer current.Store(current.Load())
	if err := SetHashCost("cheap"); err == nil {
		t.Error("an unknown cost was accepted")
	}
	hashes := map[HashCost]string{}
	for _, c := range []HashCost{StandardCost, TestCost} {
		if err := SetHashCost(c); err != nil {
			t.Fatal(err)
		}
		hash, err := HashPassword("correct horse battery staple")
		if err != nil {
			t.Fatal(err)
		}
		p := costs[c].params
		if !strings.HasPrefix(hash, fmt.Sprintf("$argon2id$v=19$m=%d,", p.Memory)) {
			t.Errorf("%s: hash %q not made with m=%d", c, hash, p.Memory)
		}
		hashes[c] = hash
	}
	// A hash made at one cost is checked at another: it carries its own.
	SetHashCost(TestCost)
	if !CheckPassword("correct horse battery staple", hashes[StandardCost]) {
		t.Error("a standard hash did not match under the test cost")
	}
}
