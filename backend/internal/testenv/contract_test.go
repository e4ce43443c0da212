package testenv

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestContractCatchesDrift: the checker every API test goes through
// refuses what the document does not say.
func TestContractCatchesDrift(t *testing.T) {
	c, err := LoadContract()
	if err != nil {
		t.Fatal(err)
	}
	resp := func(status int, body string, hdr ...string) *http.Response {
		r := &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}}}
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		return r
	}
	challenge := `{"workstation_id":"ws-1"}`
	tests := []struct {
		name, method, path, reqBody string
		resp                        *http.Response
		respBody                    string
		wantErr                     string
	}{
		{"documented exchange", "POST", "/v1/challenges", challenge, resp(201, ""), `{"nonce":"AQID","expires_at":"2026-01-01T00:00:00Z"}`, ""},
		{"undocumented status", "POST", "/v1/challenges", challenge, resp(418, ""), `{"code":"internal","message":"x"}`, "status"},
		{"undocumented error code", "POST", "/v1/challenges", challenge, resp(400, ""), `{"code":"no_such_code","message":"x"}`, "response"},
		{"body off its schema", "POST", "/v1/challenges", challenge, resp(201, ""), `{"nonce":1}`, "response"},
		{"server accepts what the document refuses", "POST", "/v1/challenges", `{"workstation_id":""}`, resp(201, ""), `{"nonce":"AQID","expires_at":"2026-01-01T00:00:00Z"}`, "rejects the request"},
		{"refused as the document says", "POST", "/v1/challenges", `{"workstation_id":""}`, resp(400, ""), `{"code":"invalid_request","message":"x"}`, ""},
		{"wrong method without 405", "GET", "/v1/challenges", "", resp(404, ""), `{"code":"not_found","message":"x"}`, "405"},
		{"wrong method with 405 and Allow", "GET", "/v1/challenges", "", resp(405, "", "Allow", "POST"), `{"code":"method_not_allowed","message":"x"}`, ""},
		{"unknown path", "GET", "/v2/x", "", resp(404, ""), `{"code":"not_found","message":"x"}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, "https://127.0.0.1:1"+tt.path, strings.NewReader(tt.reqBody))
			if tt.reqBody != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			err := c.Check(req, []byte(tt.reqBody), tt.resp, []byte(tt.respBody))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Check = %v, want nil", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("Check = %v, want an error about %q", err, tt.wantErr)
			}
		})
	}
}
