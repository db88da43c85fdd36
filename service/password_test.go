package service

import (
	"strings"
	"testing"
	"time"
)

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash parameters: %s", h)
	}
	if ok, err := checkPassword(h, "correct horse battery"); !ok || err != nil {
		t.Fatalf("right password refused: %v", err)
	}
	if ok, _ := checkPassword(h, "correct horse batterz"); ok {
		t.Fatal("wrong password accepted")
	}
	h2, _ := HashPassword("correct horse battery")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	if _, err := checkPassword("$2a$10$bcrypt", "x"); err == nil {
		t.Fatal("non-argon2id hash accepted")
	}
}

func TestSlidingLimiter(t *testing.T) {
	l := newSlidingLimiter(3, time.Minute)
	t0 := time.Unix(1000, 0)
	for i := 0; i < 3; i++ {
		if ok, _ := l.allow("k", t0.Add(time.Duration(i)*time.Second)); !ok {
			t.Fatalf("attempt %d refused", i)
		}
	}
	ok, wait := l.allow("k", t0.Add(10*time.Second))
	if ok || wait != 50*time.Second {
		t.Fatalf("4th attempt: ok=%v wait=%v", ok, wait)
	}
	if ok, _ := l.allow("other", t0); !ok {
		t.Fatal("another key limited")
	}
	if ok, _ := l.allow("k", t0.Add(61*time.Second)); !ok {
		t.Fatal("not allowed after the window")
	}
}
