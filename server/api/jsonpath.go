package api

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// jsonPathAt names the value of the JSON document raw that ends at byte
// offset, as strict input names fields (items[0].quantity). encoding/json's
// UnmarshalTypeError carries that offset on every Go release, while its Field
// differs between releases (Go 1.26: "items.quantity", no index; Go 1.27:
// "items.0.quantity"; neither names a field whose type has its own
// UnmarshalJSON on 1.27), so the offset is the stable source. It returns ""
// when the offset falls on no value.
func jsonPathAt(raw []byte, offset int64) string {
	type frame struct {
		path    string
		array   bool
		index   int
		wantKey bool
		key     string
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	// Numbers as written: as float64, 1e400 would fail the walk itself.
	dec.UseNumber()
	var stack []frame
	// valuePath is the path of the value about to be read in the innermost
	// container.
	valuePath := func() string {
		if len(stack) == 0 {
			return ""
		}
		f := stack[len(stack)-1]
		if f.array {
			return f.path + "[" + strconv.Itoa(f.index) + "]"
		}
		if f.path == "" {
			return f.key
		}
		return f.path + "." + f.key
	}
	// done records that a value was read in the innermost container.
	done := func() {
		if len(stack) == 0 {
			return
		}
		f := &stack[len(stack)-1]
		if f.array {
			f.index++
		} else {
			f.wantKey = true
		}
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{', '[':
				// A mismatch on a whole object or array is reported at
				// its opening (or, on some releases, its end).
				if dec.InputOffset() >= offset {
					return valuePath()
				}
				stack = append(stack, frame{path: valuePath(), array: d == '[', wantKey: d == '{'})
			case '}', ']':
				closed := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				if dec.InputOffset() >= offset {
					return closed.path
				}
				done()
			}
			continue
		}
		if len(stack) == 0 {
			// A scalar outside any container: a top-level value, or
			// data after the object; offset named no value before it.
			return ""
		}
		if f := &stack[len(stack)-1]; !f.array && f.wantKey {
			f.key, _ = tok.(string)
			f.wantKey = false
			continue
		}
		if dec.InputOffset() >= offset {
			return valuePath()
		}
		done()
	}
}
