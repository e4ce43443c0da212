package api

import (
	"net/url"
	"testing"
	"time"
)

func TestParseAuditQuery(t *testing.T) {
	from := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	q := AuditQuery{User: "555000000001", Card: "00112233445566778899aabbccddeeff", Admin: "555000000002", From: from, To: from.AddDate(0, 0, 1),
		Before: AuditCursor(from.Add(time.Hour), 42), Limit: 20}
	got, err := ParseAuditQuery(q.Values())
	if err != nil || got != q {
		t.Fatalf("round trip: %+v, %v; want %+v", got, err, q)
	}
	if got, err := ParseAuditQuery(url.Values{"user": {"555000000001"}}); err != nil || got.Limit != AuditPageDefault {
		t.Fatalf("the default page: %+v, %v", got, err)
	}
	for _, bad := range []string{"", "user=5550", "admin=x", "card=00", "user=555000000001&limit=0", "user=555000000001&limit=201",
		"user=555000000001&from=yesterday", "user=555000000001&from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z",
		"user=555000000001&before=1", "user=555000000001&before=a.b", "user=555000000001&before=5.0", "user=555000000001&sort=asc"} {
		v, _ := url.ParseQuery(bad)
		if _, err := ParseAuditQuery(v); err == nil {
			t.Errorf("ParseAuditQuery(%q) took it", bad)
		}
	}
}

func FuzzParseAuditQuery(f *testing.F) {
	for _, s := range []string{"user=555000000001", "card=00112233445566778899AABBCCDDEEFF&limit=5",
		"admin=555000000002&from=2026-12-01T00:00:00Z&to=2026-12-02T00:00:00Z", "user=555000000001&before=1764547200000000.42",
		"user=555000000001&before=-1.1", "user=%zz", "limit=99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := ParseAuditQuery(v)
		if err != nil {
			return
		}
		if q.Limit < 1 || q.Limit > AuditPageMax || q.User == "" && q.Card == "" && q.Admin == "" {
			t.Fatalf("%q parsed to %+v", raw, q)
		}
		if again, err := ParseAuditQuery(q.Values()); err != nil || again.User != q.User || again.Card != q.Card || again.Limit != q.Limit {
			t.Fatalf("%q: %+v does not round-trip: %+v, %v", raw, q, again, err)
		}
	})
}
