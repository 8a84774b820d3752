package ui

import (
	"encoding/json"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// textPosition is a 1-based line and column in a definition's text.
type textPosition struct {
	Line   int `json:"line"`
	Column int `json:"column"`
}

// locationSegments splits a diagnostic location as the validator writes it
// (/States/Fan/Branches[0]/States/Work) into the member names and array indexes it walks:
// States, Fan, Branches, 0, States, Work.
func locationSegments(location string) []string {
	var segs []string
	for _, part := range strings.Split(strings.TrimPrefix(location, "/"), "/") {
		if part == "" {
			continue
		}
		name := part
		var indexes []string
		for strings.HasSuffix(name, "]") {
			open := strings.LastIndexByte(name, '[')
			if open < 0 {
				break
			}
			if _, err := strconv.Atoi(name[open+1 : len(name)-1]); err != nil {
				break
			}
			indexes = append([]string{name[open+1 : len(name)-1]}, indexes...)
			name = name[:open]
		}
		if name != "" {
			segs = append(segs, name)
		}
		segs = append(segs, indexes...)
	}
	return segs
}

// stateOfLocation is the innermost state a location points into: the name after the last
// "States" member, or "" for a problem of the machine as a whole.
func stateOfLocation(segs []string) string {
	for i := len(segs) - 2; i >= 0; i-- {
		if segs[i] == "States" {
			return segs[i+1]
		}
	}
	return ""
}

// parseErrorPosition reads the "line: L, column: C" a JSON parse diagnostic ends with.
var parseErrorPosition = regexp.MustCompile(`line: (\d+), column: (\d+)\]?$`)

// locateAll finds where in text each location points: the member's key (or the array
// element) it names, or, when that is missing (a required field that is absent), the nearest
// enclosing one that exists. Locations holding a parse error's line and column are read as
// such. The text is scanned once, recording only the paths that some location asks for.
func locateAll(text []byte, locations []string) []textPosition {
	positions := make([]textPosition, len(locations))
	wanted := map[string]bool{"": true}
	segsOf := make([][]string, len(locations))
	for i, loc := range locations {
		if m := parseErrorPosition.FindStringSubmatch(loc); m != nil {
			positions[i].Line, _ = strconv.Atoi(m[1])
			positions[i].Column, _ = strconv.Atoi(m[2])
			continue
		}
		segsOf[i] = locationSegments(loc)
		for n := 1; n <= len(segsOf[i]); n++ {
			wanted[pathKey(segsOf[i][:n])] = true
		}
	}
	w := &positionWalker{text: text, wanted: wanted, found: map[string]int{"": 0}}
	w.skipSpace()
	w.value(nil)
	lines := lineStarts(text)
	for i := range locations {
		if positions[i].Line != 0 {
			continue
		}
		segs := segsOf[i]
		offset := 0
		for n := len(segs); n >= 0; n-- {
			if at, ok := w.found[pathKey(segs[:n])]; ok {
				offset = at
				break
			}
		}
		positions[i] = positionOf(lines, offset)
	}
	return positions
}

func pathKey(segs []string) string { return strings.Join(segs, "\x00") }

func lineStarts(text []byte) []int {
	starts := []int{0}
	for i, c := range text {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	return starts
}

func positionOf(lineStarts []int, offset int) textPosition {
	line := sort.Search(len(lineStarts), func(i int) bool { return lineStarts[i] > offset }) - 1
	return textPosition{Line: line + 1, Column: offset - lineStarts[line] + 1}
}

// positionWalker scans JSON text and records the offset of each wanted path. It trusts the
// text to be valid JSON (the caller parsed it) and stops quietly where it is not.
type positionWalker struct {
	text   []byte
	pos    int
	wanted map[string]bool
	found  map[string]int
}

func (w *positionWalker) skipSpace() {
	for w.pos < len(w.text) {
		switch w.text[w.pos] {
		case ' ', '\t', '\n', '\r':
			w.pos++
		default:
			return
		}
	}
}

// record notes that path starts at offset, when some location asks for it.
func (w *positionWalker) record(path []string, offset int) {
	if key := pathKey(path); w.wanted[key] {
		if _, seen := w.found[key]; !seen {
			w.found[key] = offset
		}
	}
}

func (w *positionWalker) value(path []string) bool {
	if w.pos >= len(w.text) {
		return false
	}
	switch w.text[w.pos] {
	case '{':
		w.pos++
		for {
			w.skipSpace()
			if w.pos < len(w.text) && w.text[w.pos] == '}' {
				w.pos++
				return true
			}
			keyAt := w.pos
			raw, ok := w.str()
			if !ok {
				return false
			}
			name := string(raw[1 : len(raw)-1])
			if strings.IndexByte(name, '\\') >= 0 {
				_ = json.Unmarshal(raw, &name) // valid JSON, so it decodes
			}
			w.skipSpace()
			if w.pos >= len(w.text) || w.text[w.pos] != ':' {
				return false
			}
			w.pos++
			w.skipSpace()
			member := append(path[:len(path):len(path)], name)
			w.record(member, keyAt)
			if !w.value(member) {
				return false
			}
			w.skipSpace()
			if w.pos < len(w.text) && w.text[w.pos] == ',' {
				w.pos++
			}
		}
	case '[':
		w.pos++
		for i := 0; ; i++ {
			w.skipSpace()
			if w.pos < len(w.text) && w.text[w.pos] == ']' {
				w.pos++
				return true
			}
			element := append(path[:len(path):len(path)], strconv.Itoa(i))
			w.record(element, w.pos)
			if !w.value(element) {
				return false
			}
			w.skipSpace()
			if w.pos < len(w.text) && w.text[w.pos] == ',' {
				w.pos++
			}
		}
	case '"':
		_, ok := w.str()
		return ok
	default: // number, true, false, null
		for w.pos < len(w.text) && !strings.ContainsRune(",]} \t\r\n", rune(w.text[w.pos])) {
			w.pos++
		}
		return true
	}
}

// str scans a string and returns its raw text with the quotes.
func (w *positionWalker) str() ([]byte, bool) {
	if w.pos >= len(w.text) || w.text[w.pos] != '"' {
		return nil, false
	}
	start := w.pos
	for w.pos++; w.pos < len(w.text); w.pos++ {
		switch w.text[w.pos] {
		case '\\':
			w.pos++
		case '"':
			w.pos++
			return w.text[start:w.pos], true
		}
	}
	return nil, false
}
