package api

import (
	"github.com/getkin/kin-openapi/openapi3"

	"bufio"
	"os"
	"slices"
	"strings"
	"testing"
)

// openAPIRoutes reads the operations under "paths:" in openapi.yaml as
// ServeMux patterns ("POST /v1/challenges"). The file's layout (two-space
// indent for paths, four for methods) is part of what this test holds.
func openAPIRoutes(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var routes []string
	inPaths, path := false, ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "paths:":
			inPaths = true
		case inPaths && line != "" && !strings.HasPrefix(line, " "):
			inPaths = false
		case inPaths && strings.HasPrefix(line, "  /"):
			path = strings.TrimSuffix(strings.TrimSpace(line), ":")
		case inPaths && len(line) > 4 && line[:4] == "    " && line[4] != ' ':
			m := strings.TrimSuffix(strings.TrimSpace(line), ":")
			if slices.Contains([]string{"get", "post", "put", "delete", "patch"}, m) {
				routes = append(routes, strings.ToUpper(m)+" "+path)
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return routes
}

func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc := openAPIRoutes(t)
	slices.Sort(doc)
	want := slices.Clone(Routes)
	slices.Sort(want)
	if !slices.Equal(doc, want) {
		t.Fatalf("openapi.yaml documents\n  %v\nbut api.Routes is\n  %v", doc, want)
	}
}

func TestOpenAPIListsEveryErrorCode(t *testing.T) {
	b, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range AllErrorCodes {
		if !strings.Contains(string(b), string(c)) {
			t.Errorf("error code %q is not documented in openapi.yaml", c)
		}
	}
}

// TestOpenAPIValidates loads openapi.yaml with kin-openapi and validates it
// as an OpenAPI 3 document (what make lint runs too).
func TestOpenAPIValidates(t *testing.T) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("openapi.yaml is not a valid OpenAPI 3 document: %v", err)
	}
}
