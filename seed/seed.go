// Package seed holds the curated data set the service starts with, and
// reads it. The data lives in data/ as one YAML file per source document
// beside the document's text (data/KEY.yaml cites data/KEY.txt), written
// for people who curate by hand and review in diffs.
package seed

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"

	"tupu"
)

//go:embed data
var data embed.FS

// Data returns the curated data set built into the program.
func Data() fs.FS {
	sub, err := fs.Sub(data, "data")
	if err != nil {
		panic(err) // the embedded tree always has data/
	}
	return sub
}

// file is the layout of one YAML file: one document and what it states.
type file struct {
	Document struct {
		Key         string `yaml:"key"`
		Title       string `yaml:"title"`
		Publisher   string `yaml:"publisher"`
		PublishedAt string `yaml:"publishedAt"`
		Language    string `yaml:"language"`
		Note        string `yaml:"note"`
	} `yaml:"document"`
	Entities []struct {
		Key         string   `yaml:"key"`
		Kind        string   `yaml:"kind"`
		Name        string   `yaml:"name"`
		NameEn      string   `yaml:"nameEn"`
		Aliases     []string `yaml:"aliases"`
		Description string   `yaml:"description"`
		Quote       string   `yaml:"quote"`
		Note        string   `yaml:"note"`
	} `yaml:"entities"`
	Relations []struct {
		Subject   string `yaml:"subject"`
		Predicate string `yaml:"predicate"`
		Object    string `yaml:"object"`
		Quote     string `yaml:"quote"`
		Note      string `yaml:"note"`
	} `yaml:"relations"`
	Facts []struct {
		Entity    string   `yaml:"entity"`
		Property  string   `yaml:"property"`
		Label     string   `yaml:"label"`
		Value     *float64 `yaml:"value"`
		Text      string   `yaml:"text"`
		Unit      string   `yaml:"unit"`
		Period    string   `yaml:"period"`
		Basis     string   `yaml:"periodBasis"`
		Qualifier string   `yaml:"qualifier"`
		Quote     string   `yaml:"quote"`
		Note      string   `yaml:"note"`
	} `yaml:"facts"`
}

// Load reads every *.yaml file of fsys with the text it cites and returns
// the data set, normalized and checked by the rules every way in applies
// (tupu.Dataset.Problems). Errors name the file and the entry at fault.
func Load(fsys fs.FS) (*tupu.Dataset, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, tupu.Errorf(tupu.BadUserInput, "seed: no *.yaml files")
	}
	if other, _ := fs.Glob(fsys, "*.yml"); len(other) > 0 {
		return nil, tupu.Errorf(tupu.BadUserInput, "seed: %s: name seed files *.yaml", other[0])
	}
	slices.Sort(names)
	var d tupu.Dataset
	// Where each file's entries start in the merged sections, so that a
	// problem found in the merged data set names its file and entry.
	starts := make([]map[string]int, len(names))
	for i, name := range names {
		starts[i] = map[string]int{"documents": len(d.Documents), "entities": len(d.Entities),
			"relations": len(d.Relations), "facts": len(d.Facts)}
		if err := loadFile(fsys, name, &d); err != nil {
			return nil, err
		}
	}
	d.Normalize()
	problems := d.Problems()
	if len(problems) == 0 {
		return &d, nil
	}
	lines := make([]string, len(problems))
	for i, p := range problems {
		file := 0
		for file+1 < len(names) && starts[file+1][p.Section] <= p.Index {
			file++
		}
		p.Index -= starts[file][p.Section]
		lines[i] = names[file] + ": " + p.String()
	}
	return nil, tupu.Errorf(tupu.BadUserInput, "seed: %d problems:\n%s", len(problems), strings.Join(lines, "\n"))
}

func loadFile(fsys fs.FS, name string, d *tupu.Dataset) error {
	raw, err := fs.ReadFile(fsys, name)
	if err != nil {
		return err
	}
	var f file
	dec := yaml.NewDecoder(bytes.NewReader(raw), yaml.Strict())
	if err := dec.Decode(&f); err != nil {
		return tupu.Errorf(tupu.BadUserInput, "seed: %s: %s", name, yaml.FormatError(err, false, true))
	}
	var more any
	if err := dec.Decode(&more); !errors.Is(err, io.EOF) {
		return tupu.Errorf(tupu.BadUserInput, "seed: %s: holds more than one YAML document; one file, one document", name)
	}
	doc := f.Document
	if doc.Key == "" {
		return tupu.Errorf(tupu.BadUserInput, "seed: %s: document.key is missing", name)
	}
	if want := doc.Key + ".yaml"; path.Base(name) != want {
		return tupu.Errorf(tupu.BadUserInput, "seed: %s: a file holds the document it is named for; expected %s for document %q", name, want, doc.Key)
	}
	text, err := fs.ReadFile(fsys, strings.TrimSuffix(name, ".yaml")+".txt")
	if err != nil {
		return tupu.Errorf(tupu.BadUserInput, "seed: %s: the document's text: %v", name, err)
	}
	d.Documents = append(d.Documents, tupu.Document{
		Key: doc.Key, Title: doc.Title, Publisher: doc.Publisher, PublishedAt: doc.PublishedAt,
		Language: doc.Language, Note: strings.TrimSpace(doc.Note), Text: string(text),
	})
	cite := func(quote string) tupu.Source { return tupu.Source{Document: doc.Key, Quote: quote} }
	for _, e := range f.Entities {
		src := cite(e.Quote)
		d.Entities = append(d.Entities, tupu.Entity{
			Key: e.Key, Kind: tupu.Kind(e.Kind), Name: e.Name, NameEn: e.NameEn, Aliases: e.Aliases,
			Description: strings.TrimSpace(e.Description), Source: &src, Note: strings.TrimSpace(e.Note),
		})
	}
	for _, r := range f.Relations {
		src := cite(r.Quote)
		d.Relations = append(d.Relations, tupu.Relation{
			Subject: r.Subject, Predicate: tupu.Predicate(r.Predicate), Object: r.Object,
			Source: &src, Note: strings.TrimSpace(r.Note),
		})
	}
	for _, x := range f.Facts {
		d.Facts = append(d.Facts, tupu.Fact{
			Entity: x.Entity, Property: x.Property, Label: x.Label, Value: x.Value, Text: x.Text,
			Unit: x.Unit, Period: x.Period, PeriodBasis: tupu.PeriodBasis(x.Basis), Qualifier: tupu.Qualifier(x.Qualifier),
			Source: cite(x.Quote), Note: strings.TrimSpace(x.Note),
		})
	}
	return nil
}

// Describe says in a line what a data set holds.
func Describe(d *tupu.Dataset) string {
	return fmt.Sprintf("%d documents, %d entities, %d relations, %d facts",
		len(d.Documents), len(d.Entities), len(d.Relations), len(d.Facts))
}
