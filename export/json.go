package export

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"tupu"
)

// envelope is the JSON form, version 1; see the package documentation.
type envelope struct {
	Format    string          `json:"format"`
	Version   int             `json:"version"`
	Documents []tupu.Document `json:"documents"`
	Entities  []tupu.Entity   `json:"entities"`
	Relations []tupu.Relation `json:"relations"`
	Facts     []tupu.Fact     `json:"facts"`
	History   []tupu.Change   `json:"history"`
}

// sorted returns a copy of g's sections in the order every form writes
// them, leaving g as it was: documents and entities by key, relations by
// subject, predicate and object, facts by entity, property and period,
// history by sequence number. Empty sections are empty, not nil.
func sorted(g *Graph) *envelope {
	e := &envelope{
		Format:    FormatName,
		Version:   Version,
		Documents: append(make([]tupu.Document, 0, len(g.Dataset.Documents)), g.Dataset.Documents...),
		Entities:  append(make([]tupu.Entity, 0, len(g.Dataset.Entities)), g.Dataset.Entities...),
		Relations: append(make([]tupu.Relation, 0, len(g.Dataset.Relations)), g.Dataset.Relations...),
		Facts:     append(make([]tupu.Fact, 0, len(g.Dataset.Facts)), g.Dataset.Facts...),
		History:   append(make([]tupu.Change, 0, len(g.History)), g.History...),
	}
	slices.SortStableFunc(e.Documents, func(a, b tupu.Document) int { return strings.Compare(a.Key, b.Key) })
	slices.SortStableFunc(e.Entities, func(a, b tupu.Entity) int { return strings.Compare(a.Key, b.Key) })
	slices.SortStableFunc(e.Relations, func(a, b tupu.Relation) int {
		return cmp.Or(strings.Compare(a.Subject, b.Subject), strings.Compare(string(a.Predicate), string(b.Predicate)),
			strings.Compare(a.Object, b.Object))
	})
	slices.SortStableFunc(e.Facts, func(a, b tupu.Fact) int {
		return cmp.Or(strings.Compare(a.Entity, b.Entity), strings.Compare(a.Property, b.Property),
			strings.Compare(a.Period, b.Period))
	})
	slices.SortStableFunc(e.History, func(a, b tupu.Change) int { return cmp.Compare(a.Seq, b.Seq) })
	return e
}

// WriteJSON writes g as the versioned JSON envelope: deterministic,
// indented, ending in a newline.
func WriteJSON(w io.Writer, g *Graph) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(sorted(g))
}

// ReadJSON reads the JSON envelope strictly (see the package
// documentation) and returns its graph. It checks the form, not the
// content: validate the data set before using it.
func ReadJSON(r io.Reader) (*Graph, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	var head map[string]json.RawMessage
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("not a tupu export: %v", err)
	}
	var format string
	if raw, ok := head["format"]; !ok {
		return nil, errors.New(`not a tupu export: it has no "format"`)
	} else if json.Unmarshal(raw, &format) != nil || format != FormatName {
		return nil, fmt.Errorf(`not a tupu export: "format" is %s, not %q`, raw, FormatName)
	}
	if raw, ok := head["version"]; !ok {
		return nil, errors.New(`tupu export without a "version"`)
	} else if string(raw) != strconv.Itoa(Version) {
		return nil, fmt.Errorf("tupu export version %s: this program reads version %d only", raw, Version)
	}

	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := check(dec, "", reflect.TypeFor[envelope]()); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("more data after the export's closing brace")
	}
	var e envelope
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, err // check has seen every field and type: not expected
	}
	for i := range e.History {
		for _, raw := range []*json.RawMessage{&e.History[i].Before, &e.History[i].After} {
			if len(*raw) > 0 {
				var b bytes.Buffer
				if err := json.Compact(&b, *raw); err != nil {
					return nil, fmt.Errorf("history[%d]: %v", i, err)
				}
				*raw = b.Bytes()
			}
		}
	}
	return &Graph{
		Dataset: tupu.Dataset{Documents: e.Documents, Entities: e.Entities, Relations: e.Relations, Facts: e.Facts},
		History: e.History,
	}, nil
}

var (
	rawType  = reflect.TypeFor[json.RawMessage]()
	timeType = reflect.TypeFor[time.Time]()
)

// check reads the next value from dec and checks it against t: objects
// have only t's fields, each once, under its exact JSON name; every value
// has the JSON type t needs; null only where t may be nil. Errors name
// the path of the value at fault.
func check(dec *json.Decoder, path string, t reflect.Type) error {
	at := path
	if at == "" {
		at = "the export"
	}
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("%s: %v", at, err)
	}
	nullable := false
	for t.Kind() == reflect.Pointer {
		t, nullable = t.Elem(), true
	}
	if t.Kind() == reflect.Slice {
		nullable = true
	}
	want := func(what string) error {
		got := "null"
		switch v := tok.(type) {
		case json.Delim:
			got = map[json.Delim]string{'{': "an object", '[': "an array"}[v]
		case string:
			got = "a string"
		case json.Number:
			got = "a number"
		case bool:
			got = "a boolean"
		}
		return fmt.Errorf("%s: %s where %s belongs", at, got, what)
	}
	if tok == nil {
		if nullable {
			return nil
		}
		return want(describe(t))
	}
	switch {
	case t == rawType:
		// Any JSON value: the record a change saw, checked by json itself.
		if d, ok := tok.(json.Delim); ok {
			return skip(dec, d, at)
		}
		return nil
	case t == timeType:
		s, ok := tok.(string)
		if !ok {
			return want("a time")
		}
		if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
			return fmt.Errorf("%s: %q is not an RFC 3339 time", at, s)
		}
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		if tok != json.Delim('{') {
			return want("an object")
		}
		fields := jsonFields(t)
		seen := make(map[string]bool, len(fields))
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return fmt.Errorf("%s: %v", at, err)
			}
			name := k.(string)
			p := name
			if path != "" {
				p = path + "." + name
			}
			f, ok := fields[name]
			if !ok {
				return fmt.Errorf("%s: unknown field", p)
			}
			if seen[name] {
				return fmt.Errorf("%s: given twice", p)
			}
			seen[name] = true
			if err := check(dec, p, f); err != nil {
				return err
			}
		}
		_, err := dec.Token() // '}'
		return err
	case reflect.Slice:
		if tok != json.Delim('[') {
			return want("an array")
		}
		for i := 0; dec.More(); i++ {
			if err := check(dec, fmt.Sprintf("%s[%d]", path, i), t.Elem()); err != nil {
				return err
			}
		}
		_, err := dec.Token() // ']'
		return err
	case reflect.String:
		if _, ok := tok.(string); !ok {
			return want("a string")
		}
	case reflect.Bool:
		if _, ok := tok.(bool); !ok {
			return want("a boolean")
		}
	case reflect.Int, reflect.Int64, reflect.Int32:
		n, ok := tok.(json.Number)
		if !ok {
			return want("an integer")
		}
		if _, err := strconv.ParseInt(string(n), 10, t.Bits()); err != nil {
			return fmt.Errorf("%s: %s is not an integer of %d bits", at, n, t.Bits())
		}
	case reflect.Uint64, reflect.Uint, reflect.Uint32:
		n, ok := tok.(json.Number)
		if !ok {
			return want("an integer")
		}
		if _, err := strconv.ParseUint(string(n), 10, t.Bits()); err != nil {
			return fmt.Errorf("%s: %s is not a non-negative integer of %d bits", at, n, t.Bits())
		}
	case reflect.Float64:
		n, ok := tok.(json.Number)
		if !ok {
			return want("a number")
		}
		if _, err := strconv.ParseFloat(string(n), 64); err != nil {
			return fmt.Errorf("%s: %s is out of range", at, n)
		}
	default:
		return fmt.Errorf("%s: cannot check a %s", at, t) // a type this package does not use
	}
	return nil
}

func describe(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Struct:
		return "an object"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	}
	return "a number"
}

// skip reads past the rest of an object or array whose opening delimiter
// was just read.
func skip(dec *json.Decoder, open json.Delim, at string) error {
	for depth := 1; depth > 0; {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("%s: %v", at, err)
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
	}
	return nil
}

// jsonFields maps the JSON names of t's exported fields to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	fields := make(map[string]reflect.Type, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = f.Name
		}
		fields[name] = f.Type
	}
	return fields
}
