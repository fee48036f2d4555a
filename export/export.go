// Package export writes the whole graph, with its documents and history,
// in three forms, and reads the first of them back:
//
//   - JSON (WriteJSON, ReadJSON): tupu's own, lossless, versioned envelope;
//     what `tupu import` reads. Same graph, same bytes.
//   - JSON-LD (WriteJSONLD): the graph as linked data in schema.org terms
//     with a tupu vocabulary for what schema.org has no word for.
//   - N-Triples (WriteNTriples): the same triples as the JSON-LD, one a
//     line, for any RDF tool.
//
// It takes domain types in and gives bytes out: it knows nothing of the
// store or of GraphQL.
//
// # The JSON envelope, version 1
//
//	{
//	  "format": "tupu",
//	  "version": 1,
//	  "documents": [ tupu.Document, ... ],   by key
//	  "entities":  [ tupu.Entity, ... ],     by key
//	  "relations": [ tupu.Relation, ... ],   by subject, predicate, object
//	  "facts":     [ tupu.Fact, ... ],       by entity, property, period
//	  "history":   [ tupu.Change, ... ]      by sequence number
//	}
//
// Each entry is the domain type under its JSON tags. The writer sorts the
// sections as shown, indents with two spaces, does not escape <, > and &,
// and ends with a newline, so that the same graph always gives the same
// bytes. The reader is strict: "format" must be "tupu" and "version" 1;
// a field it does not know (names match exactly, case included), a field
// given twice, or anything after the envelope is an error that names its
// path, such as entities[3].source.qoute. A section left out or null is
// empty. A change to the envelope that old readers would misread raises
// the version.
//
// # The RDF forms
//
// JSON-LD and N-Triples hold the same triples, in the same order, with no
// blank nodes. History is in the JSON form only: the RDF forms carry the
// graph and where each statement comes from, not how it got there.
//
// # RDF: IRIs
//
// The graph's own things are named under a base IRI, by default
// DefaultBase ("urn:tupu:"). A base ending in ':' joins with ':', one
// ending in '/' or '#' with '/':
//
//	entity     urn:tupu:entity:<key>                          https://example.org/tupu/entity/<key>
//	document   urn:tupu:document:<key>
//	fact       urn:tupu:fact:<entity>/<property>[/<period>]   (a period's '/' written "--": 2021-01--2021-08)
//	relation   urn:tupu:relation:<subject>/<predicate>/<object>
//
// Keys are [a-z0-9-] and properties snake_case, so they stand as they are;
// anything else in a segment is percent-encoded.
//
// # RDF: vocabulary
//
// Prefixes: schema https://schema.org/, tupu urn:tupu:vocab: (fixed,
// whatever the base), rdf, rdfs, xsd.
//
// A document is a schema:CreativeWork and tupu:Document with
// schema:identifier (its key), schema:name (its title), schema:publisher,
// schema:datePublished, schema:inLanguage, schema:text and tupu:note.
//
// An entity has two types: the schema.org type of its kind (KindTypes)
// and tupu:<Kind> (tupu:District, tupu:GovernmentBody, ...), so the kind
// is never lost; schema:identifier (its key); schema:name twice, its name
// tagged "zh" and its English name tagged "en"; schema:alternateName for
// each alias (tagged "zh" when it is mostly Chinese, untagged otherwise:
// "TI", "OPPO"); schema:description and tupu:note (tagged "zh" when
// mostly Chinese, "en" otherwise, as an English note quoting a few
// Chinese words is); where a document names it, schema:subjectOf the
// document and tupu:quote the words. Each relation is a triple <subject>
// tupu:<predicate> <object>; each fact a schema:additionalProperty link
// to the fact's node.
//
// A fact is a schema:PropertyValue: schema:propertyID (the property),
// schema:name (its label), schema:value (the figure as xsd:decimal, or the
// text when it has no figure; a text beside a figure is
// schema:description), schema:unitText, tupu:period (xsd:gYear,
// xsd:gYearMonth or xsd:date; an interval as a plain literal),
// tupu:periodBasis (how the period was found: stated, context,
// publication_date; absent when unknown), tupu:qualifier (more_than,
// at_least, at_most, about), tupu:quote (the
// words, tagged with the document's language), schema:isBasedOn (the
// document) and tupu:note.
//
// A relation's provenance is a reified rdf:Statement named by the
// relation's IRI: rdf:subject, rdf:predicate, rdf:object, tupu:quote,
// schema:isBasedOn, tupu:note.
//
// The vocabulary comes first: each kind used as an rdfs:Class,
// rdfs:subClassOf its schema.org type, and each predicate used as an
// rdf:Property, both with their Chinese label (rdfs:label) and English
// meaning (rdfs:comment); then documents, entities, facts and relation
// statements, each in the order of the JSON form.
//
// The schema.org type of each kind is in KindTypes.
package export

import "tupu"

// Graph is everything an export holds: the curated data set and the
// history of changes that made it. It has the shape of store.Dump, so
// one converts to the other.
type Graph struct {
	Dataset tupu.Dataset
	History []tupu.Change
}

// The envelope's format name and the version this package writes and reads.
const (
	FormatName = "tupu"
	Version    = 1
)
