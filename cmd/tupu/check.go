package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"tupu"
	"tupu/store"
)

const checkUsage = `tupu check lists the stored statements that do not pass the rules of this
version (written before a rule tightened), each with how to fix it, and
fails when it finds any. The server must be stopped: it holds the file.

Usage:
  tupu check [--db PATH | --store URL]
`

// runCheck lists the stored statements that do not pass the rules every
// way in applies (written before a rule tightened):
//
//	tupu check [--db PATH]
//
// It prints each problem and how to fix it, and fails when it found any.
// A database where everything passes is marked checked for this version of
// the rules, so that the service does not check it again at start.
func runCheck(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("tupu check", checkUsage)
	db := fs.String("db", envOr(getenv, "TUPU_DB", "./data/tupu.db"), "path of the database file [TUPU_DB]")
	cluster := storeFlag(fs, getenv)
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("check: unexpected argument %q (see tupu check --help)", fs.Arg(0))
	}
	loc, err := location(*db, *cluster)
	if err != nil {
		return usagef("check: %v", err)
	}
	if err := mustExist(loc); err != nil {
		return fmt.Errorf("check: %w", err)
	}
	s, err := store.Open(loc, store.Options{})
	if err != nil {
		return fmt.Errorf("check: %w", err)
	}
	defer s.Close()
	sections := map[string]int{}
	n, found, err := s.CheckRules(ctx, func(p tupu.Problem) error {
		sections[p.Section]++
		_, err := fmt.Fprintln(stdout, p)
		return err
	})
	if err != nil {
		return fmt.Errorf("check: %w", err)
	}
	if found == 0 {
		if err := s.RecordRulesPassed(); err != nil {
			return fmt.Errorf("check: %w", err)
		}
		fmt.Fprintf(stdout, "checked %d statements in %s: all pass the rules (version %d)\n", n, s.Path(), tupu.RulesVersion)
		return nil
	}
	fmt.Fprintf(stdout, "\n%d problems in %d statements read: they were written before the rules (version %d) tightened.\n", found, n, tupu.RulesVersion)
	fmt.Fprintln(stdout, "The service serves them as they are; a write to one must fix it, and `tupu import` refuses an export that holds them. To fix:")
	for _, section := range []string{"documents", "entities", "relations", "facts"} {
		if sections[section] > 0 {
			fmt.Fprintf(stdout, "  %s: %s\n", section, fixes[section])
		}
	}
	return fmt.Errorf("check: %d problems (see above)", found)
}

// fixes says how to fix a statement of each section through the API.
var fixes = map[string]string{
	"documents": "documents are never replaced: export, correct the document in the JSON, and import into a new database",
	"entities":  "updateEntity with what the message asks for: a source whose quote names the entity (or a note saying why not), names without invisible characters",
	"relations": "addRelation again with a quote that occurs once and names both ends (or a note saying why not)",
	"facts":     "setFact with a quote that occurs once and writes the figure (or holds the text)",
}

// checkRulesInBackground checks a database the rules of this version have
// not checked yet, while the service serves, and logs what it finds: each
// problem (the first few) and how many there are. It returns a function
// that stops the check and waits for it.
func checkRulesInBackground(s *store.Store, log *slog.Logger) (stop func()) {
	if v, err := s.RulesChecked(); err != nil || v >= tupu.RulesVersion {
		return func() {}
	}
	const shown = 20
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		shownSoFar := 0
		_, found, err := s.CheckRules(ctx, func(p tupu.Problem) error {
			shownSoFar++
			if shownSoFar <= shown {
				log.Warn("a stored statement does not pass the rules", "statement", fmt.Sprintf("%s[%d] %s", p.Section, p.Index, p.Entry), "problem", p.Message)
			}
			return nil
		})
		switch {
		case errors.Is(err, context.Canceled):
		case err != nil:
			log.Error("checking the stored statements against the rules", "error", err)
		case found > 0:
			log.Warn("stored statements do not pass the rules of this version: they are served as they are, a write to one must fix it, and import refuses an export that holds them",
				"problems", found, "rules", tupu.RulesVersion, "list", "tupu check "+storeArg(s))
		default:
			log.Info("every stored statement passes the rules", "rules", tupu.RulesVersion)
			s.RulesPassed()
		}
	}()
	return func() { cancel(); <-done }
}
