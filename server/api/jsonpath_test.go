package api

import (
	"errors"
	"testing"

	"wemart/server/errs"
)

// pathReq is a request shape with the nestings jsonPathAt has to name:
// arrays of objects, arrays of arrays, maps (whose keys may hold dots and
// brackets), pointers and a nested object.
type pathReq struct {
	Items []struct {
		SkuID    int `json:"sku_id"`
		Quantity int `json:"quantity"`
	} `json:"items"`
	Grid   [][]int        `json:"grid"`
	Counts map[string]int `json:"counts"`
	Note   *string        `json:"note"`
	Inner  struct {
		Flag bool  `json:"flag"`
		List []int `json:"list"`
	} `json:"inner"`
	Name string `json:"名前"`
}

func TestDecodeJSONNamesTheMistypedField(t *testing.T) {
	tests := []struct{ body, field string }{
		{`{"items":[{"sku_id":1,"quantity":"2"}]}`, "items[0].quantity"},
		{`{"items":[{"sku_id":1,"quantity":2},{"sku_id":1,"quantity":true}]}`, "items[1].quantity"},
		{`{"items":[{"sku_id":1,"quantity":2},{"sku_id":[1],"quantity":1}]}`, "items[1].sku_id"},
		{`{"items":[{"sku_id":1,"quantity":2},{"sku_id":{"a":[1,2]},"quantity":1}]}`, "items[1].sku_id"},
		{`{"items":{"sku_id":1}}`, "items"},
		{`{"items":[1]}`, "items[0]"},
		{`{"grid":[[1,2],[3,"x"]]}`, "grid[1][1]"},
		{`{"grid":[[1,2],[],[3,[4]]]}`, "grid[2][1]"},
		{`{"grid":[[1,2],{}]}`, "grid[1]"},
		{`{"counts":{"a.b":1,"c[0]":"x"}}`, "counts.c[0]"},
		{`{"counts":{"ключ":"x"}}`, "counts.ключ"},
		{`{"counts":{"\u0041":"x"}}`, "counts.A"},
		{`{"counts":[]}`, "counts"},
		{`{"note":5}`, "note"},
		{`{"inner":{"flag":1}}`, "inner.flag"},
		{`{"inner":{"flag":true,"list":[0,0,0,"3"]}}`, "inner.list[3]"},
		{`{"inner":[]}`, "inner"},
		{`{"名前":1}`, "名前"},
		{"  \n\t{ \"items\" : [ { \"quantity\" : \"2\" } ] }", "items[0].quantity"},
		{`{"items":[],"grid":[[1]],"inner":{"list":[1,{}]}}`, "inner.list[1]"},
		{`{"items":[{"quantity":1e400}]}`, "items[0].quantity"},
		{`{"items":[{"quantity":1.5}]}`, "items[0].quantity"},
		{`{"items":[{"quantity":-99999999999999999999}]}`, "items[0].quantity"},
		// Trailing data after the object: the mistyped field is still named.
		{`{"items":[{"quantity":"2"}]} 5`, "items[0].quantity"},
		{`{"items":[{"quantity":"2"}]} "x"`, "items[0].quantity"},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			var dst pathReq
			err := decodeJSON([]byte(tt.body), &dst)
			var e *errs.Error
			if !errors.As(err, &e) || e.Code != errs.Invalid {
				t.Fatalf("decodeJSON(%s) = %v, want invalid_argument", tt.body, err)
			}
			if e.Field != tt.field {
				t.Fatalf("decodeJSON(%s) names %q, want %q (%s)", tt.body, e.Field, tt.field, e.Message)
			}
		})
	}
}

// FuzzDecodeJSON: no body makes the strict decoder panic (a panic in a
// handler is a 500), and every field it names for a mistyped value is a
// path into the body.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{"items":[{"sku_id":1,"quantity":"2"}]}`,
		`{"grid":[[1,2],[3,"x"]]}`,
		`{"counts":{"a.b":1,"c[0]":"x"}}`,
		`{"inner":{"flag":true,"list":[0,0,0,"3"]}} 7`,
		`{"note":5}{"note":6}`,
		`{}]`, `{"items":[]]`, `{`, `{"a":`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var dst pathReq
		_ = decodeJSON(body, &dst)
	})
}

// FuzzJSONPathAt: jsonPathAt never panics, whatever the document and
// offset (decodeError hands it the whole body, trailing data included).
func FuzzJSONPathAt(f *testing.F) {
	f.Add([]byte(`{"a":[1,{"b":2}]}`), int64(10))
	f.Add([]byte(`{"a":1} 5`), int64(9))
	f.Add([]byte(`[1,2]`), int64(2))
	f.Fuzz(func(t *testing.T, body []byte, offset int64) {
		_ = jsonPathAt(body, offset)
	})
}

func TestJSONPathAtPastTheObject(t *testing.T) {
	// An offset beyond the first object with a scalar after it: the walk
	// must stop, not index an empty stack.
	for _, body := range []string{`{"a":1} 5`, `{"a":1} "x"`, `5`, `"x"`, `[1] 2`} {
		if got := jsonPathAt([]byte(body), int64(len(body))); got != "" {
			t.Errorf("jsonPathAt(%s, end) = %q, want \"\"", body, got)
		}
	}
}
