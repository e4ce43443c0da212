package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/cardagent/cardagent/api"
	"github.com/cardagent/cardagent/backend/errs"
)

// maxEchoed bounds how much of a caller's field name a refusal repeats (in
// the reply and in the audit record).
const maxEchoed = 32

// echo makes caller text safe to repeat: quoted, invalid UTF-8 replaced,
// cut to maxEchoed bytes on a rune boundary (… marks a cut).
func echo(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) > maxEchoed {
		cut := maxEchoed
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return strconv.Quote(s)
}

func unknownField(name string) error {
	return errs.BadRequest(api.CodeUnknownField, "unknown field "+echo(name), nil)
}

// checkKeys walks the JSON body's tokens beside the Go type it decodes
// into and refuses what encoding/json would quietly accept: a key given
// twice (json keeps the last) and a key that names a field only when
// compared case-insensitively (json matches "WORKSTATION_ID" to
// workstation_id). Both are checked at every level. Syntax errors are left
// to the decoder that follows.
func checkKeys(body []byte, t reflect.Type) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	err := walkValue(dec, t)
	if _, ok := err.(*errs.Error); ok {
		return err
	}
	return nil
}

// walkValue consumes one JSON value from dec; t is the Go type it lands in
// (nil: anything, no field names to check).
func walkValue(dec *json.Decoder, t reflect.Type) error {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		return walkObject(dec, t)
	case json.Delim('['):
		var elem reflect.Type
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			elem = t.Elem()
		}
		for dec.More() {
			if err := walkValue(dec, elem); err != nil {
				return err
			}
		}
		_, err := dec.Token() // ]
		return err
	}
	return nil
}

func walkObject(dec *json.Decoder, t reflect.Type) error {
	var fields map[string]reflect.Type // exact names, for a struct
	if t != nil && t.Kind() == reflect.Struct {
		fields = cachedJSONFields(t)
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, ok := tok.(string)
		if !ok {
			return fmt.Errorf("object key %v", tok)
		}
		if seen[key] {
			return errs.BadRequest(api.CodeMalformedBody, "field "+echo(key)+" is given twice", nil)
		}
		seen[key] = true
		var vt reflect.Type
		switch {
		case t != nil && t.Kind() == reflect.Struct:
			ft, ok := fields[key]
			if !ok {
				return unknownField(key) // includes keys that differ only in case
			}
			vt = ft
		case t != nil && t.Kind() == reflect.Map:
			vt = t.Elem() // any key
		}
		if err := walkValue(dec, vt); err != nil {
			return err
		}
	}
	_, err := dec.Token() // }
	return err
}

// fieldsByType caches jsonFields per request type: the walk runs on every
// body and reflection over a struct's fields is not free.
var fieldsByType sync.Map // reflect.Type → map[string]reflect.Type (read-only)

func cachedJSONFields(t reflect.Type) map[string]reflect.Type {
	if f, ok := fieldsByType.Load(t); ok {
		return f.(map[string]reflect.Type)
	}
	f, _ := fieldsByType.LoadOrStore(t, jsonFields(t))
	return f.(map[string]reflect.Type)
}

// jsonFields maps the exact JSON names of a struct's fields (embedded
// structs flattened, as encoding/json does) to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		ft := f.Type
		if f.Anonymous && name == "" {
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, v := range jsonFields(ft) {
					if _, dup := out[k]; !dup {
						out[k] = v
					}
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = ft
	}
	return out
}
