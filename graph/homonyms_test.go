package graph_test

import (
	"encoding/json"
	"strings"
	"testing"

	"tupu/store"
)

// Lookups a write cannot hijack: an editor who creates a district named
// 渝北区 with a key that sorts first, or another holder of the alias TI,
// never makes entity(name:) answer the impostor.
func TestHomonyms_aLookupIsNeverHijacked(t *testing.T) {
	s := mustServe(t)
	editor := s.Token(t, "mallory", store.RoleEditor)
	lookup := func(name string) (key string, code string, candidates []map[string]any) {
		t.Helper()
		r := s.Post(t, `query($n: String) { entity(name: $n) { key } }`, map[string]any{"n": name})
		if len(r.Errors) > 0 {
			c, _ := r.Errors[0].Extensions["candidates"].([]any)
			for _, x := range c {
				candidates = append(candidates, x.(map[string]any))
			}
			return "", r.Code(), candidates
		}
		var d struct{ Entity *struct{ Key string } }
		json.Unmarshal(r.Data, &d)
		if d.Entity == nil {
			return "", "", nil
		}
		return d.Entity.Key, "", nil
	}
	if key, _, _ := lookup("渝北区"); key != "yubei-district" {
		t.Fatalf("before: 渝北区 is %q", key)
	}

	impostor := map[string]any{"key": "aaa-yubei", "kind": "DISTRICT", "name": "渝北区",
		"source": article("渝北区高质量发展经济做到了领跑")}
	msg := refused(t, s, editor, rulesCreate, impostor, "CONFLICT")
	if !strings.Contains(msg, `"渝北区" is held by yubei-district (DISTRICT 渝北区, as its name)`) || !strings.Contains(msg, "allowSharedName") {
		t.Errorf("the refusal: %q", msg)
	}
	if key, _, _ := lookup("渝北区"); key != "yubei-district" {
		t.Errorf("after a refused impostor: 渝北区 is %q", key)
	}

	// Asked for, the homonym is made; the lookup then says AMBIGUOUS
	// with both, and the history says who made it.
	impostor["allowSharedName"] = true
	accepted(t, s, editor, rulesCreate, impostor)
	_, code, candidates := lookup("渝北区")
	if code != "AMBIGUOUS" || len(candidates) != 2 || candidates[0]["key"] != "aaa-yubei" || candidates[1]["key"] != "yubei-district" ||
		candidates[1]["as"] != "name" || candidates[1]["kind"] != "DISTRICT" {
		t.Errorf("渝北区 after the homonym: code %q, candidates %v", code, candidates)
	}
	var h struct {
		Entity struct {
			History struct {
				Nodes []struct{ Actor, Operation string }
			}
		}
	}
	s.MustQuery(t, `{ entity(key: "aaa-yubei") { history(first: 5) { nodes { actor operation } } } }`, nil, &h)
	if n := h.Entity.History.Nodes; len(n) != 1 || n[0].Actor != "mallory" || n[0].Operation != "createEntity" {
		t.Errorf("the homonym's history: %+v", n)
	}

	// The alias TI: another entity taking it, as an alias or as its name
	// (which lookups once preferred to an alias), is refused unless asked
	// for, and then TI is ambiguous, not the impostor's.
	for _, in := range []map[string]any{
		{"key": "aaa-ti", "kind": "COMPANY", "name": "钛公司", "aliases": []string{"ti"}, "note": "test",
			"source": article("与德州仪器成立的“应用处理器与雷达技术联合实验室”")},
		{"key": "aaa-ti-2", "kind": "COMPANY", "name": "TI", "note": "test",
			"source": article("与德州仪器成立的“应用处理器与雷达技术联合实验室”")},
	} {
		beforeKey, beforeCode, _ := lookup("TI")
		if msg := refused(t, s, editor, rulesCreate, in, "CONFLICT"); !strings.Contains(msg, "texas-instruments") {
			t.Errorf("the refusal of %s: %q", in["key"], msg)
		}
		if key, code, _ := lookup("TI"); key != beforeKey || code != beforeCode {
			t.Errorf("TI after a refused %s: %q %q, before %q %q", in["key"], key, code, beforeKey, beforeCode)
		}
		in["allowSharedName"] = true
		accepted(t, s, editor, rulesCreate, in)
		if key, code, _ := lookup("TI"); code != "AMBIGUOUS" {
			t.Errorf("TI after %s: %q %q, want AMBIGUOUS", in["key"], key, code)
		}
	}

	// An update that takes another's name is refused the same way.
	var v struct{ Entity struct{ Version int } }
	s.MustQuery(t, `{ entity(key: "huawei") { version } }`, nil, &v)
	upd := map[string]any{"id": "huawei", "expectedVersion": v.Entity.Version, "aliases": []string{"高通"}}
	if msg := refused(t, s, editor, rulesUpdate, upd, "CONFLICT"); !strings.Contains(msg, "aliases: \"高通\" is held by qualcomm") {
		t.Errorf("an update taking an alias: %q", msg)
	}
	if key, _, _ := lookup("高通"); key != "qualcomm" {
		t.Errorf("高通 after a refused update: %q", key)
	}
}
