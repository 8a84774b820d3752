package jsonvalue

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// maxDecodeDepth bounds nesting while decoding, as encoding/json does, so that a hostile
// document cannot exhaust the stack.
const maxDecodeDepth = 10000

// Decode decodes one JSON document into the engine's value form: objects as *Object in
// document order, arrays as []any, numbers as float64 except integers a float64 cannot hold
// exactly, which stay exact as json.Number. Trailing data other than white space is an
// error. Text encoding/json accepts, Decode accepts (invalid UTF-8 becomes U+FFFD).
//
// Errors are encoding/json's, word for word (AWS-shaped messages quote them).
func Decode(data []byte) (any, error) {
	d := decoder{data: data}
	d.skipSpace()
	v, err := d.value(0)
	if err == nil {
		d.skipSpace()
		if d.pos < len(d.data) {
			err = fmt.Errorf("invalid JSON: unexpected data after the document")
		}
	}
	if err != nil {
		var plain any
		if jerr := json.Unmarshal(data, &plain); jerr != nil {
			return nil, jerr
		}
		return nil, err
	}
	return v, nil
}

type decoder struct {
	data []byte
	pos  int
}

func (d *decoder) syntaxError(what string) error {
	if d.pos >= len(d.data) {
		return errors.New("unexpected end of JSON input")
	}
	return fmt.Errorf("invalid character %q %s (offset %d)", d.data[d.pos], what, d.pos)
}

func (d *decoder) skipSpace() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *decoder) value(depth int) (any, error) {
	if depth > maxDecodeDepth {
		return nil, errors.New("invalid JSON: exceeded max depth")
	}
	if d.pos >= len(d.data) {
		return nil, d.syntaxError("")
	}
	switch c := d.data[d.pos]; {
	case c == '{':
		d.pos++
		o := NewObject(4)
		d.skipSpace()
		if d.pos < len(d.data) && d.data[d.pos] == '}' {
			d.pos++
			return o, nil
		}
		for {
			d.skipSpace()
			if d.pos >= len(d.data) || d.data[d.pos] != '"' {
				return nil, d.syntaxError("looking for beginning of object key string")
			}
			k, err := d.str()
			if err != nil {
				return nil, err
			}
			d.skipSpace()
			if d.pos >= len(d.data) || d.data[d.pos] != ':' {
				return nil, d.syntaxError("after object key")
			}
			d.pos++
			d.skipSpace()
			v, err := d.value(depth + 1)
			if err != nil {
				return nil, err
			}
			o.Set(k, v) // a repeated key keeps its first place and its last value, as encoding/json's last-wins
			d.skipSpace()
			if d.pos >= len(d.data) {
				return nil, d.syntaxError("")
			}
			switch d.data[d.pos] {
			case ',':
				d.pos++
				continue
			case '}':
				d.pos++
				return o, nil
			}
			return nil, d.syntaxError("after object key:value pair")
		}
	case c == '[':
		d.pos++
		arr := []any{}
		d.skipSpace()
		if d.pos < len(d.data) && d.data[d.pos] == ']' {
			d.pos++
			return arr, nil
		}
		for {
			d.skipSpace()
			v, err := d.value(depth + 1)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
			d.skipSpace()
			if d.pos >= len(d.data) {
				return nil, d.syntaxError("")
			}
			switch d.data[d.pos] {
			case ',':
				d.pos++
				continue
			case ']':
				d.pos++
				return arr, nil
			}
			return nil, d.syntaxError("after array element")
		}
	case c == '"':
		return d.str()
	case c == '-' || (c >= '0' && c <= '9'):
		return d.number()
	case c == 't':
		return d.literal("true", true)
	case c == 'f':
		return d.literal("false", false)
	case c == 'n':
		return d.literal("null", nil)
	}
	return nil, d.syntaxError("looking for beginning of value")
}

func (d *decoder) literal(word string, v any) (any, error) {
	if len(d.data)-d.pos >= len(word) && string(d.data[d.pos:d.pos+len(word)]) == word {
		d.pos += len(word)
		return v, nil
	}
	for i := 0; i < len(word) && d.pos < len(d.data); i++ {
		if d.data[d.pos] != word[i] {
			break
		}
		d.pos++
	}
	return nil, d.syntaxError("in literal " + word)
}

// str reads a string; plain ASCII-or-valid-UTF-8 text without escapes is taken as is, the
// rest goes through encoding/json so that escapes and invalid bytes read the same way.
func (d *decoder) str() (string, error) {
	start := d.pos
	d.pos++
	simple := true
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		switch {
		case c == '"':
			d.pos++
			raw := d.data[start+1 : d.pos-1]
			if simple && utf8.Valid(raw) {
				return string(raw), nil
			}
			var s string
			if err := json.Unmarshal(d.data[start:d.pos], &s); err != nil {
				return "", err
			}
			return s, nil
		case c == '\\':
			simple = false
			d.pos += 2
			continue
		case c < 0x20:
			return "", d.syntaxError("in string literal")
		}
		d.pos++
	}
	d.pos = len(d.data)
	return "", d.syntaxError("")
}

// maxExactInteger is 2^53: every integer up to it in magnitude is exact as a float64.
const maxExactInteger = 1 << 53

func (d *decoder) number() (any, error) {
	start := d.pos
	if d.data[d.pos] == '-' {
		d.pos++
	}
	digits := func() int {
		n := 0
		for d.pos < len(d.data) && d.data[d.pos] >= '0' && d.data[d.pos] <= '9' {
			d.pos++
			n++
		}
		return n
	}
	if d.pos >= len(d.data) {
		return nil, d.syntaxError("in numeric literal")
	}
	if d.data[d.pos] == '0' {
		d.pos++
	} else if digits() == 0 {
		return nil, d.syntaxError("in numeric literal")
	}
	integer := true
	if d.pos < len(d.data) && d.data[d.pos] == '.' {
		integer = false
		d.pos++
		if digits() == 0 {
			return nil, d.syntaxError("after decimal point in numeric literal")
		}
	}
	if d.pos < len(d.data) && (d.data[d.pos] == 'e' || d.data[d.pos] == 'E') {
		integer = false
		d.pos++
		if d.pos < len(d.data) && (d.data[d.pos] == '+' || d.data[d.pos] == '-') {
			d.pos++
		}
		if digits() == 0 {
			return nil, d.syntaxError("in exponent of numeric literal")
		}
	}
	return ParseNumber(string(d.data[start:d.pos]), integer)
}

// ParseNumber reads the text of a JSON number as AWS does: an integer is a float64, or a
// json.Number with its digits when a float64 would round it; a decimal (a fraction or an
// exponent) is a double, a json.Number holding Java's text for it when that differs from
// what encoding/json writes (see javadouble.go).
func ParseNumber(text string, integer bool) (any, error) {
	if integer && len(text) > 15 {
		if n, err := strconv.ParseInt(text, 10, 64); err != nil || n > maxExactInteger || n < -maxExactInteger {
			return json.Number(text), nil
		}
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) {
			return nil, fmt.Errorf("json: cannot unmarshal number %s into Go value of type float64", text)
		}
		return nil, err
	}
	if math.IsInf(f, 0) {
		return nil, fmt.Errorf("json: cannot unmarshal number %s into Go value of type float64", text)
	}
	if integer {
		if f == 0 {
			return 0.0, nil // "-0" is the integer 0
		}
		return f, nil
	}
	return decimalValue(f), nil
}
