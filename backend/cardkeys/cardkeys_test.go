package cardkeys

import (
	"bytes"
	"testing"
)

func TestMgmtKeyDiversified(t *testing.T) {
	d, err := NewDeriver(bytes.Repeat([]byte{1}, 32))
	if err != nil {
		t.Fatal(err)
	}
	g1, g2 := bytes.Repeat([]byte{0xa}, 16), bytes.Repeat([]byte{0xb}, 16)
	k11, _ := d.MgmtKey(g1, 1)
	k12, _ := d.MgmtKey(g1, 2)
	k21, _ := d.MgmtKey(g2, 1)
	again, _ := d.MgmtKey(g1, 1)
	if len(k11) != 16 || bytes.Equal(k11, k12) || bytes.Equal(k11, k21) || !bytes.Equal(k11, again) {
		t.Fatalf("keys not diversified and stable: %x %x %x %x", k11, k12, k21, again)
	}
}

func TestPUKSealing(t *testing.T) {
	wrap, g := bytes.Repeat([]byte{3}, 32), bytes.Repeat([]byte{0xa}, 16)
	puk := NewPUK()
	sealed, err := SealPUK(wrap, g, puk)
	if err != nil {
		t.Fatal(err)
	}
	got, err := OpenPUK(wrap, g, sealed)
	if err != nil || !bytes.Equal(got, puk) {
		t.Fatalf("OpenPUK = %q, %v", got, err)
	}
	if _, err := OpenPUK(wrap, bytes.Repeat([]byte{0xb}, 16), sealed); err == nil {
		t.Fatal("a PUK sealed for one card opened for another")
	}
}
