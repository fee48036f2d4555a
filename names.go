package tupu

import (
	"fmt"
	"strings"
)

// Lookups by name that a write cannot hijack. A name (a name, English name
// or alias, folded by NormalizeName) answers the one entity that holds
// it. When more than one does, a lookup says so (AMBIGUOUS, with the
// candidates) instead of choosing: no write can make an existing lookup
// answer another entity without the client knowing. And a write that would
// give an entity a name another one holds is refused (CONFLICT) unless it
// asks to share the name; the history then shows who made the homonym.

// How an entity holds a name, in the order lookups used to prefer them.
const (
	HeldAsName   = "name"
	HeldAsNameEn = "nameEn"
	HeldAsAlias  = "alias"
)

// NameHolder is an entity that holds a name, and how.
type NameHolder struct {
	Key  string `json:"key"`
	Kind Kind   `json:"kind"`
	Name string `json:"name"`
	As   string `json:"as"` // HeldAsName, HeldAsNameEn or HeldAsAlias
}

// NameIndex is what the name rules look up: every entity that holds a
// name, in key order. A store's transaction implements it.
type NameIndex interface {
	NameHolders(name string) ([]NameHolder, error)
}

// HeldAs returns how e holds name (folded as lookups fold it), or "".
func (e *Entity) HeldAs(name string) string {
	n := NormalizeName(name)
	switch {
	case n == "":
		return ""
	case NormalizeName(e.Name) == n:
		return HeldAsName
	case NormalizeName(e.NameEn) == n:
		return HeldAsNameEn
	}
	for _, a := range e.Aliases {
		if NormalizeName(a) == n {
			return HeldAsAlias
		}
	}
	return ""
}

// AmbiguousName returns the AMBIGUOUS error of a lookup of name that
// several entities hold: the message lists them, and its extensions hold
// them as "candidates" for programs.
func AmbiguousName(name string, holders []NameHolder) *Error {
	parts := make([]string, len(holders))
	for i, h := range holders {
		parts[i] = fmt.Sprintf("%s (%s %s, as its %s)", h.Key, h.Kind, h.Name, h.As)
	}
	err := Errorf(Ambiguous, "%q names %d entities: %s; look one up by key", name, len(holders), strings.Join(parts, ", "))
	err.Extensions = map[string]any{"candidates": holders}
	return err
}

// CheckNewNames returns CONFLICT if e holds a name that old (the entity
// before the write; nil for a new one) did not hold and another entity
// does: a lookup by that name would stop answering the entity it answers.
// share allows it: the write asked for a homonym.
func CheckNewNames(idx NameIndex, old, e *Entity, share bool) error {
	if share {
		return nil
	}
	for _, n := range e.Names() {
		if old != nil && old.HeldAs(n) != "" {
			continue
		}
		holders, err := idx.NameHolders(n)
		if err != nil {
			return err
		}
		var others []string
		for _, h := range holders {
			if h.Key != e.Key {
				others = append(others, fmt.Sprintf("%s (%s %s, as its %s)", h.Key, h.Kind, h.Name, h.As))
			}
		}
		if len(others) > 0 {
			return Errorf(Conflict, "%s: %q is held by %s: looking it up would become ambiguous; "+
				"set allowSharedName to make a homonym anyway", field(e, n), n, strings.Join(others, ", "))
		}
	}
	return nil
}

// field names the field of e that holds n, for messages.
func field(e *Entity, n string) string {
	switch e.HeldAs(n) {
	case HeldAsName:
		return "name"
	case HeldAsNameEn:
		return "nameEn"
	}
	return "aliases"
}
