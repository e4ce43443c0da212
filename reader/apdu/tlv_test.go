package apdu

import (
	"bytes"
	"errors"
	"testing"
)

func TestParseTLV(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		tag   Tag
		value string
		rest  string
	}{
		{"one-byte tag", "53 02 01 02 FF", 0x53, "01 02", "FF"},
		{"two-byte tag", "7F 49 01 AA", 0x7F49, "AA", ""},
		{"three-byte tag", "5F C1 02 00", 0x5FC102, "", ""},
		{"81 length", "70 81 80 " + spaced(0x80), 0x70, spaced(0x80), ""},
		{"82 length", "53 82 01 00 " + spaced(0x100), 0x53, spaced(0x100), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, rest, err := ParseTLV(h(t, tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if got.Tag != tc.tag || !bytes.Equal(got.Value, h(t, tc.value)) || !bytes.Equal(rest, h(t, tc.rest)) {
				t.Fatalf("got tag %s value % X rest % X", got.Tag, got.Value, rest)
			}
			enc := AppendTLV(nil, got.Tag, got.Value)
			if !bytes.Equal(append(enc, rest...), h(t, tc.in)) {
				t.Fatalf("re-encoding = % X", enc)
			}
		})
	}
}

func spaced(n int) string {
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("5A")
	}
	return b.String()
}

func TestParseTLVMalformed(t *testing.T) {
	for _, s := range []string{
		"", "5F", "5F C1", "53", "53 05 01", "53 81", "53 85 00 00 00 00 01", "53 80", "5F FF FF FF 01 00",
	} {
		if _, _, err := ParseTLV(h(t, s)); !errors.Is(err, ErrMalformed) {
			t.Errorf("ParseTLV(%s) = %v, want ErrMalformed", s, err)
		}
	}
}

func TestFindAndUnwrap(t *testing.T) {
	obj := Encode(0x53, Encode(0x30, []byte{1}), Encode(0x34, bytes.Repeat([]byte{7}, 16)), Encode(0x3E, nil))
	inner, err := Unwrap(obj, 0x53)
	if err != nil {
		t.Fatal(err)
	}
	guid, ok, err := Find(inner, 0x34)
	if err != nil || !ok || len(guid) != 16 {
		t.Fatalf("Find 34 = % X %v %v", guid, ok, err)
	}
	if _, ok, _ := Find(inner, 0x35); ok {
		t.Fatal("found absent tag")
	}
	if _, err := Unwrap(obj, 0x7E); err == nil {
		t.Fatal("Unwrap accepted wrong tag")
	}
	if _, err := Unwrap(append(obj, 0), 0x53); err == nil {
		t.Fatal("Unwrap accepted trailing bytes")
	}
}

func TestLengthForms(t *testing.T) {
	for _, n := range []int{0, 0x7F, 0x80, 0xFF, 0x100, 0xFFFF, 0x10000, 0x1000000} {
		b := AppendLength(nil, n)
		obj := append([]byte{0x04}, b...)
		obj = append(obj, make([]byte, n)...)
		got, _, err := ParseTLV(obj)
		if err != nil || len(got.Value) != n {
			t.Fatalf("length %d (% X): %v", n, b, err)
		}
	}
}
