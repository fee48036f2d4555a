// Command build makes the explorer's generated files from its sources: the
// JavaScript and CSS bundle (esbuild, through its Go API, so no Node runs)
// and the trusted-documents manifest of its GraphQL operations. It runs
// from the explorer package's go:generate line, in that directory:
//
//	src/**/*.ts, src/**/*.css  →  dist/app.js, dist/app.css
//	src/**/*.graphql           →  dist/trusted-documents.json
//	the npm packages bundled   →  dist/licenses.txt (their licences and notices)
//
// The bundle takes its npm packages from node_modules, which npm installs
// from package-lock.json; when node_modules is missing or was installed
// from another lock file, build runs `npm ci` first. Each .graphql file
// holds one named operation, checked against the service's schema here, so
// a broken operation fails the build rather than the page.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

const (
	srcDir     = "src"
	distDir    = "dist"
	entryPoint = "src/main.ts"
	schemaFile = "../schema.graphql"
	manifest   = "dist/trusted-documents.json"
	licenses   = "dist/licenses.txt"
	lockFile   = "package-lock.json"
	// installedLock is where npm records what node_modules holds.
	installedLock = "node_modules/.package-lock.json"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "explorer build:", err)
		os.Exit(1)
	}
}

func run() error {
	ops, err := readOperations()
	if err != nil {
		return err
	}
	if err := installPackages(); err != nil {
		return err
	}
	if err := os.MkdirAll(distDir, 0o755); err != nil {
		return err
	}
	outputs, err := bundle(ops)
	if err != nil {
		return err
	}
	outputs[manifest], err = manifestJSON(ops)
	if err != nil {
		return err
	}
	for path, data := range outputs {
		if err := writeIfChanged(path, data); err != nil {
			return err
		}
	}
	return nil
}

// operation is one .graphql file: a single named operation.
type operation struct {
	Name     string `json:"name"`
	Document string `json:"document"`
	Hash     string `json:"hash"` // SHA-256 of Document, hex: its key in the manifest
}

// readOperations reads every .graphql file under src and checks each is
// one named operation valid against the schema.
func readOperations() (map[string]operation, error) {
	sdl, err := os.ReadFile(schemaFile)
	if err != nil {
		return nil, err
	}
	schema, gerr := gqlparser.LoadSchema(&ast.Source{Name: "schema.graphql", Input: string(sdl)})
	if gerr != nil {
		return nil, fmt.Errorf("schema: %v", gerr)
	}
	ops := map[string]operation{} // by file path
	names := map[string]string{}
	err = filepath.WalkDir(srcDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".graphql" {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		doc, errs := gqlparser.LoadQuery(schema, string(raw))
		if errs != nil {
			return fmt.Errorf("%s: %v", path, errs)
		}
		if len(doc.Operations) != 1 || doc.Operations[0].Name == "" {
			return fmt.Errorf("%s: want one named operation, have %d", path, len(doc.Operations))
		}
		name := doc.Operations[0].Name
		if other, ok := names[name]; ok {
			return fmt.Errorf("%s: operation %s is also in %s", path, name, other)
		}
		names[name] = path
		sum := sha256.Sum256(raw)
		ops[filepath.ToSlash(path)] = operation{Name: name, Document: string(raw), Hash: hex.EncodeToString(sum[:])}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(ops) == 0 {
		return nil, fmt.Errorf("no .graphql operations under %s", srcDir)
	}
	return ops, nil
}

// manifestJSON is the trusted-documents manifest: SHA-256 → document, the
// format tupu's --trusted-documents reads.
func manifestJSON(ops map[string]operation) ([]byte, error) {
	m := make(map[string]string, len(ops))
	for _, op := range ops {
		m[op.Hash] = op.Document
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil { // map keys come out sorted
		return nil, err
	}
	return b.Bytes(), nil
}

// installPackages runs npm ci unless node_modules holds what the lock file
// says: npm records what it installed in node_modules/.package-lock.json.
func installPackages() error {
	want, err := lockedPackages(lockFile)
	if err != nil {
		return err
	}
	delete(want, "") // the project itself
	if have, err := lockedPackages(installedLock); err == nil && reflect.DeepEqual(have, want) {
		return nil
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return fmt.Errorf("node_modules is missing or out of date, and npm is not installed to install it (npm ci in explorer/): %w", err)
	}
	fmt.Fprintln(os.Stderr, "explorer build: npm ci (node_modules is missing or out of date)")
	cmd := exec.Command(npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("npm ci: %w", err)
	}
	return nil
}

// lockedPackages reads the packages of an npm lock file.
func lockedPackages(path string) (map[string]any, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var lock struct {
		Packages map[string]any `json:"packages"`
	}
	if err := json.Unmarshal(raw, &lock); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return lock.Packages, nil
}

// bundle builds src/main.ts and what it imports into one script and one
// style sheet. An import of a .graphql file becomes its operation: name,
// document and hash.
func bundle(ops map[string]operation) (map[string][]byte, error) {
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	graphqlFiles := api.Plugin{
		Name: "graphql-operations",
		Setup: func(b api.PluginBuild) {
			b.OnLoad(api.OnLoadOptions{Filter: `\.graphql$`}, func(args api.OnLoadArgs) (api.OnLoadResult, error) {
				rel, err := filepath.Rel(wd, args.Path)
				if err != nil {
					return api.OnLoadResult{}, err
				}
				op, ok := ops[filepath.ToSlash(rel)]
				if !ok {
					return api.OnLoadResult{}, fmt.Errorf("%s is not an operation under %s", rel, srcDir)
				}
				js, err := json.Marshal(op)
				if err != nil {
					return api.OnLoadResult{}, err
				}
				contents := "export default " + string(js) + ";"
				return api.OnLoadResult{Contents: &contents, Loader: api.LoaderJS}, nil
			})
		},
	}
	result := api.Build(api.BuildOptions{
		AbsWorkingDir:     wd,
		EntryPoints:       []string{entryPoint},
		EntryNames:        "app",
		Outdir:            distDir,
		Bundle:            true,
		Format:            api.FormatIIFE,
		Platform:          api.PlatformBrowser,
		Target:            api.ES2020,
		MinifyWhitespace:  true,
		MinifyIdentifiers: true,
		MinifySyntax:      true,
		Charset:           api.CharsetUTF8,
		LegalComments:     api.LegalCommentsEndOfFile,
		Tsconfig:          "tsconfig.json",
		Metafile:          true,
		Banner:            map[string]string{"js": "/*! tupu explorer. The npm packages bundled here and their licences: /explore/licenses.txt */"},
		LogLevel:          api.LogLevelWarning,
		Plugins:           []api.Plugin{graphqlFiles},
		Write:             false,
	})
	if len(result.Errors) > 0 {
		msgs := api.FormatMessages(result.Errors, api.FormatMessagesOptions{Kind: api.ErrorMessage})
		return nil, fmt.Errorf("esbuild:\n%s", strings.Join(msgs, ""))
	}
	out := map[string][]byte{}
	for _, f := range result.OutputFiles {
		rel, err := filepath.Rel(wd, f.Path)
		if err != nil {
			return nil, err
		}
		out[filepath.ToSlash(rel)] = f.Contents
	}
	names := make([]string, 0, len(out))
	for n := range out {
		names = append(names, n)
	}
	sort.Strings(names)
	if want := []string{"dist/app.css", "dist/app.js"}; strings.Join(names, " ") != strings.Join(want, " ") {
		return nil, fmt.Errorf("esbuild wrote %v, want %v", names, want)
	}
	out[licenses], err = licenseText(result.Metafile)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// licenseText gathers the licence and notice files of every npm package
// the bundle took code from (esbuild's metafile lists the inputs), so the
// app ships them as their licences ask.
func licenseText(metafile string) ([]byte, error) {
	var meta struct {
		Inputs map[string]json.RawMessage `json:"inputs"`
	}
	if err := json.Unmarshal([]byte(metafile), &meta); err != nil {
		return nil, fmt.Errorf("esbuild metafile: %w", err)
	}
	pkgs := map[string]bool{}
	for in := range meta.Inputs {
		rest, ok := strings.CutPrefix(filepath.ToSlash(in), "node_modules/")
		if !ok {
			continue
		}
		parts := strings.SplitN(rest, "/", 3)
		name := parts[0]
		if strings.HasPrefix(name, "@") && len(parts) > 1 {
			name += "/" + parts[1]
		}
		pkgs[name] = true
	}
	names := make([]string, 0, len(pkgs))
	for n := range pkgs {
		names = append(names, n)
	}
	sort.Strings(names)
	var b bytes.Buffer
	b.WriteString("The explorer's script bundles code from these npm packages, under their licences.\n")
	for _, name := range names {
		dir := filepath.Join("node_modules", filepath.FromSlash(name))
		var pkg struct{ Version, License string }
		raw, err := os.ReadFile(filepath.Join(dir, "package.json"))
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(raw, &pkg); err != nil {
			return nil, fmt.Errorf("%s/package.json: %w", dir, err)
		}
		fmt.Fprintf(&b, "\n\n=== %s %s (%s)\n", name, pkg.Version, pkg.License)
		var files []string
		for _, pattern := range []string{"LICEN[CS]E*", "NOTICE*", "COPYING*", "CopyrightNotice*", "licenses/*"} {
			m, err := filepath.Glob(filepath.Join(dir, pattern))
			if err != nil {
				return nil, err
			}
			files = append(files, m...)
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("%s has no licence file to ship with the bundle", name)
		}
		sort.Strings(files)
		for _, f := range files {
			text, err := os.ReadFile(f)
			if err != nil {
				return nil, err
			}
			rel, _ := filepath.Rel(dir, f)
			fmt.Fprintf(&b, "\n--- %s\n\n%s\n", filepath.ToSlash(rel), strings.TrimSpace(string(text)))
		}
	}
	return b.Bytes(), nil
}

// writeIfChanged leaves a file that already holds data alone, so that an
// unchanged build touches nothing.
func writeIfChanged(path string, data []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return nil
	}
	return os.WriteFile(path, data, 0o644)
}
