package tupu_test

import (
	"os"
	"strings"
	"testing"

	"tupu"
)

// TestDataModel_listsVocabulary keeps the data model of the docs
// (docs/data-model.md) in step with the vocabulary the loader enforces.
func TestDataModel_listsVocabulary(t *testing.T) {
	doc, err := os.ReadFile("docs/data-model.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range tupu.Kinds {
		if !strings.Contains(string(doc), "| `"+string(k.Kind)+"` |") {
			t.Errorf("docs/data-model.md does not list kind %s", k.Kind)
		}
	}
	for _, p := range tupu.Predicates {
		if !strings.Contains(string(doc), "| `"+string(p.Predicate)+"` |") {
			t.Errorf("docs/data-model.md does not list predicate %s", p.Predicate)
		}
	}
}

func TestValidatePeriod(t *testing.T) {
	for _, p := range []string{"", "2020", "2021-08", "2020-12-31", "2016/2020", "2021-01/2021-08", "2020-02-29"} {
		if err := tupu.ValidatePeriod("period", p); err != nil {
			t.Errorf("%q: %v", p, err)
		}
	}
	for _, p := range []string{"20", "2020-13", "2021-02-29", "2021/2020", "2020/", "today", "2020-1"} {
		if err := tupu.ValidatePeriod("period", p); tupu.ErrorCode(err) != tupu.BadUserInput {
			t.Errorf("%q: got %v, want BAD_USER_INPUT", p, err)
		}
	}
}

func TestErrorCode(t *testing.T) {
	err := tupu.Errorf(tupu.NotFound, "no entity has key %q", "x")
	if tupu.ErrorCode(err) != tupu.NotFound || tupu.ErrorMessage(err) != `no entity has key "x"` {
		t.Errorf("domain error: %s %q", tupu.ErrorCode(err), tupu.ErrorMessage(err))
	}
	plain := os.ErrNotExist
	if tupu.ErrorCode(plain) != tupu.Internal || tupu.ErrorMessage(plain) != tupu.InternalMessage {
		t.Errorf("plain error: %s %q", tupu.ErrorCode(plain), tupu.ErrorMessage(plain))
	}
}
