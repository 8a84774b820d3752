package api

import "strings"

// maxNameLength is AWS's limit on state machine, execution, activity and alias names.
const maxNameLength = 80

// nameForbidden holds the characters AWS refuses in resource names besides white space and
// control characters.
const nameForbidden = `<>{}[]?*"#%\^|~` + "`" + `$&,;:/`

// validName reports whether AWS accepts name as the name of a state machine, execution or
// activity: no white space, brackets, wildcards, listed punctuation or control characters.
func validName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		switch {
		case r <= 0x20, r >= 0x7f && r <= 0x9f:
			return false
		case r == 0x85 || r == 0xa0 || r == 0x1680 || (r >= 0x2000 && r <= 0x200a) ||
			r == 0x2028 || r == 0x2029 || r == 0x202f || r == 0x205f || r == 0x3000:
			return false
		case strings.ContainsRune(nameForbidden, r):
			return false
		}
	}
	return true
}

// validAliasName reports whether name fits AWS's alias pattern: letters, digits, '-', '_' and
// '.', with at least one character that is not a digit (so it cannot be taken for a version).
func validAliasName(name string) bool {
	hasNonDigit := false
	for _, r := range name {
		switch {
		case r >= '0' && r <= '9':
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '-', r == '_', r == '.':
			hasNonDigit = true
		default:
			return false
		}
	}
	return hasNonDigit
}
