package tupu_test

import (
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// TestMarkdown_linksResolve checks every relative link of the project's
// Markdown files (the README, docs/, the changelog, ...): the file or
// directory it names exists, and a #fragment names a heading of the file
// it points into, as GitHub makes heading anchors.
func TestMarkdown_linksResolve(t *testing.T) {
	files := map[string]string{} // path → content
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == ".git") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".md") {
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			files[path] = string(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files["README.md"] == "" {
		t.Fatal("no README.md")
	}
	checked := 0
	for path, content := range files {
		for _, target := range markdownLinks(content) {
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			file, fragment, _ := strings.Cut(target, "#")
			file, err := url.PathUnescape(file)
			if err != nil {
				t.Errorf("%s: link %q: %v", path, target, err)
				continue
			}
			into := path
			if file != "" {
				into = filepath.Join(filepath.Dir(path), filepath.FromSlash(file))
				if _, err := os.Stat(into); err != nil {
					t.Errorf("%s: link %q: no such file", path, target)
					continue
				}
			}
			checked++
			if fragment == "" || !strings.HasSuffix(into, ".md") {
				continue
			}
			if !headingAnchors(files[into])[fragment] {
				t.Errorf("%s: link %q: %s has no heading with that anchor", path, target, into)
			}
		}
	}
	if checked == 0 {
		t.Error("no relative link found: the link pattern is broken")
	}
}

var (
	// codeBlock matches fenced code blocks and inline code, where a link
	// is text.
	codeBlock = regexp.MustCompile("(?s)```.*?```|`[^`\n]*`")
	// markdownLink matches an inline link or image: [text](target) or
	// [text](<target>), with an optional "title".
	markdownLink = regexp.MustCompile(`!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)`)
	heading      = regexp.MustCompile(`(?m)^#{1,6}\s+(.+?)\s*#*\s*$`)
)

func markdownLinks(content string) []string {
	content = codeBlock.ReplaceAllString(content, "")
	var links []string
	for _, m := range markdownLink.FindAllStringSubmatch(content, -1) {
		links = append(links, m[1])
	}
	return links
}

// headingAnchors returns the anchors GitHub gives the headings of a
// Markdown file: lower case, punctuation dropped, spaces as hyphens, a
// repeated one numbered.
func headingAnchors(content string) map[string]bool {
	content = regexp.MustCompile("(?s)```.*?```").ReplaceAllString(content, "")
	anchors := map[string]bool{}
	seen := map[string]int{}
	for _, m := range heading.FindAllStringSubmatch(content, -1) {
		var b strings.Builder
		for _, r := range strings.ToLower(m[1]) {
			switch {
			case r == ' ':
				b.WriteRune('-')
			case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r):
				b.WriteRune(r)
			}
		}
		a := b.String()
		if n := seen[a]; n > 0 {
			anchors[a+"-"+string(rune('0'+n))] = true
		}
		seen[a]++
		anchors[a] = true
	}
	return anchors
}
