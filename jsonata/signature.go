package jsonata

import (
	"encoding/json"
	"regexp"
	"strings"
	"sync"

	"github.com/stepflow/stepflow/internal/jsonvalue"
)

// signature is a parsed function signature such as "<s-n?:s>". Validation follows
// JSONata: the arguments' type symbols form a string that is matched against a regular
// expression built from the parameters.
type signature struct {
	text   string
	params []sigParam
	re     *regexp.Regexp
	// matches caches re's submatches by argument type string: the same few combinations
	// recur on every call, and matching dominated the cost of calling built-ins.
	matches sync.Map // string -> []string (nil: no match)
}

type sigParam struct {
	typ          string // type symbol, or "(...)" for a choice
	regex        string
	subtype      string
	context      bool
	contextRegex *regexp.Regexp
}

var arraySignatureMapping = map[string]string{
	"a": "arrays", "b": "booleans", "f": "functions", "n": "numbers", "o": "objects", "s": "strings",
}

func parseSignature(text string) (*signature, error) {
	sig := &signature{text: text}
	inner := text[1 : len(text)-1]
	var param *sigParam
	for i := 0; i < len(inner); i++ {
		c := inner[i]
		switch c {
		case 's', 'n', 'b', 'l', 'o':
			sig.params = append(sig.params, sigParam{typ: string(c), regex: "[" + string(c) + "m]"})
			param = &sig.params[len(sig.params)-1]
		case 'a':
			sig.params = append(sig.params, sigParam{typ: "a", regex: "[asnblfom]"})
			param = &sig.params[len(sig.params)-1]
		case 'f':
			sig.params = append(sig.params, sigParam{typ: "f", regex: "f"})
			param = &sig.params[len(sig.params)-1]
		case 'j':
			sig.params = append(sig.params, sigParam{typ: "j", regex: "[asnblom]"})
			param = &sig.params[len(sig.params)-1]
		case 'x':
			sig.params = append(sig.params, sigParam{typ: "x", regex: "[asnblfom]"})
			param = &sig.params[len(sig.params)-1]
		case '-':
			if param == nil {
				return nil, newError("S0401", i, "-", nil)
			}
			param.context = true
			param.contextRegex = regexp.MustCompile("^" + param.regex + "$")
			param.regex += "?"
		case '?', '+':
			if param == nil {
				return nil, newError("S0401", i, string(c), nil)
			}
			param.regex += string(c)
		case '(':
			end := strings.IndexByte(inner[i:], ')')
			if end < 0 {
				return nil, newError("S0401", i, "(", nil)
			}
			choice := inner[i+1 : i+end]
			if strings.Contains(choice, "<") {
				return nil, newError("S0402", i, choice, nil)
			}
			sig.params = append(sig.params, sigParam{typ: "(" + choice + ")", regex: "[" + choice + "m]"})
			param = &sig.params[len(sig.params)-1]
			i += end
		case '<':
			if param == nil || (param.typ != "a" && param.typ != "f") {
				return nil, newError("S0401", i, "<", nil)
			}
			depth := 0
			j := i
			for ; j < len(inner); j++ {
				if inner[j] == '<' {
					depth++
				} else if inner[j] == '>' {
					depth--
					if depth == 0 {
						break
					}
				}
			}
			if j >= len(inner) {
				return nil, newError("S0401", i, "<", nil)
			}
			param.subtype = inner[i+1 : j]
			i = j
		case ':':
			// the return type is not checked
			i = len(inner)
		case ' ':
		default:
			return nil, newError("S0401", i, string(c), nil)
		}
	}
	var sb strings.Builder
	sb.WriteString("^")
	for _, p := range sig.params {
		sb.WriteString("(" + p.regex + ")")
	}
	sb.WriteString("$")
	re, err := regexp.Compile(sb.String())
	if err != nil {
		return nil, newError("S0401", 0, text, nil)
	}
	sig.re = re
	return sig, nil
}

func typeSymbol(v any) byte {
	switch v.(type) {
	case string:
		return 's'
	case float64, json.Number:
		return 'n'
	case bool:
		return 'b'
	case nil:
		return 'l'
	case []any, *seq:
		return 'a'
	case map[string]any, *jsonvalue.Object, *object:
		return 'o'
	case callable:
		return 'f'
	}
	return 'm'
}

// validate checks args against the signature and returns them as the function receives
// them. compat206 repeats, as jsonata-js 2.0.6 does, the first of the arguments that one
// parameter with '+' matches for each of them, unless the parameter is an array.
func (sig *signature) validate(args []any, context any, compat206 bool) ([]any, error) {
	return sig.validateAs(args, context, compat206, false)
}

// validateAs is validate; numbersAsDoubles hands an exact number (json.Number) given for a
// number parameter ('n', or a choice that allows it) over as its nearest float64, for Go
// functions, which declare '<n>' to compute with a number.
func (sig *signature) validateAs(args []any, context any, compat206, numbersAsDoubles bool) ([]any, error) {
	supplied := make([]byte, len(args))
	for i, a := range args {
		supplied[i] = typeSymbol(a)
	}
	var m []string
	if cached, ok := sig.matches.Load(string(supplied)); ok {
		m = cached.([]string)
	} else {
		m = sig.re.FindStringSubmatch(string(supplied))
		if len(supplied) <= 8 {
			sig.matches.Store(string(supplied), m)
		}
	}
	if m == nil {
		return nil, sig.validationError(args, string(supplied))
	}
	validated := make([]any, 0, len(sig.params))
	argIndex := 0
	for pi, p := range sig.params {
		match := m[pi+1]
		if match == "" {
			if p.context && p.contextRegex != nil {
				if !p.contextRegex.MatchString(string(typeSymbol(context))) {
					return nil, newError("T0411", 0, "", context).withIndex(argIndex + 1)
				}
				validated = append(validated, context)
			} else {
				if argIndex < len(args) {
					validated = append(validated, args[argIndex])
				} else {
					validated = append(validated, Undefined)
				}
				argIndex++
			}
			continue
		}
		first := argIndex
		for _, single := range []byte(match) {
			var arg any = Undefined
			if at := argIndex; at < len(args) {
				if compat206 && p.typ != "a" {
					at = first
				}
				arg = args[at]
			}
			if p.typ == "a" {
				if single == 'm' {
					arg = Undefined
				} else {
					ok := true
					if p.subtype != "" {
						if single != 'a' && match != p.subtype {
							ok = false
						} else if single == 'a' {
							items, _ := asArray(arg)
							if len(items) > 0 {
								first := typeSymbol(items[0])
								if first != p.subtype[0] {
									ok = false
								} else {
									for _, it := range items {
										if typeSymbol(it) != first {
											ok = false
											break
										}
									}
								}
							}
						}
					}
					if !ok {
						e := newError("T0412", 0, "", arg).withIndex(argIndex + 1)
						e.extra = map[string]any{"type": arraySignatureMapping[p.subtype]}
						return nil, e
					}
					if single != 'a' {
						arg = &seq{items: []any{arg}}
					}
				}
			}
			if numbersAsDoubles && single == 'n' && p.typ != "x" && p.typ != "j" && p.typ != "a" {
				if n, ok := arg.(json.Number); ok {
					arg, _ = asNumber(n)
				}
			}
			validated = append(validated, arg)
			argIndex++
		}
	}
	return validated, nil
}

func (sig *signature) validationError(args []any, supplied string) error {
	pattern := "^"
	goodTo := 0
	for _, p := range sig.params {
		pattern += p.regex
		loc := regexp.MustCompile(pattern).FindStringIndex(supplied)
		if loc == nil {
			break
		}
		goodTo = loc[1]
	}
	var bad any = Undefined
	if goodTo < len(args) {
		bad = args[goodTo]
	}
	return newError("T0410", 0, "", bad).withIndex(goodTo + 1)
}
