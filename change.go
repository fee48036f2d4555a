package tupu

import (
	"encoding/json"
	"time"
)

// Change is one recorded change to the graph: who, when, what, and the
// record before and after (JSON of the entity, relation, fact or
// document; absent before a creation and after a deletion). History is
// append-only: nothing rewrites or removes a change.
type Change struct {
	Seq    uint64          `json:"seq"`
	At     time.Time       `json:"at"`
	Actor  string          `json:"actor"`
	Op     string          `json:"op"`
	Entity string          `json:"entity,omitempty"` // the entity changed, or a relation's subject or a fact's entity
	Object string          `json:"object,omitempty"` // a relation's object
	Before json.RawMessage `json:"before,omitempty"`
	After  json.RawMessage `json:"after,omitempty"`
}
