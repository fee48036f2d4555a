package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"text/tabwriter"

	"tupu/store"
)

// runToken manages the tokens that may write:
//
//	tupu token create --name NAME --role editor|admin --db PATH
//	tupu token list --db PATH
//	tupu token revoke --name NAME --db PATH
//
// It opens the database itself, so the server must be stopped first (a
// running server holds the file's lock; the error says so).
func runToken(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("token: say create, list or revoke")
	}
	verb, args := args[0], args[1:]
	fs := flag.NewFlagSet("tupu token "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", envOr(getenv, "TUPU_DB", "./data/tupu.db"), "path of the database file [TUPU_DB]")
	name := fs.String("name", "", "the token's name, shown in history as who made each change")
	role := fs.String("role", "editor", "editor (create and change) or admin (also delete and add documents)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	s, err := store.Open(*db, store.Options{})
	if err != nil {
		return err
	}
	defer s.Close()
	switch verb {
	case "create":
		var secret string
		err := s.Update(func(tx *store.Tx) error {
			secret, err = tx.CreateToken(*name, store.Role(*role))
			return err
		})
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, secret)
		fmt.Fprintf(stderr, "created token %q (%s); it is shown once: keep it, send it as Authorization: Bearer <token>\n", *name, *role)
		return nil
	case "list":
		var tokens []store.Token
		err := s.View(func(tx *store.Tx) error {
			tokens, err = tx.Tokens()
			return err
		})
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "NAME\tROLE\tCREATED")
		for _, t := range tokens {
			fmt.Fprintf(w, "%s\t%s\t%s\n", t.Name, t.Role, t.Created.Format("2006-01-02 15:04:05Z"))
		}
		return w.Flush()
	case "revoke":
		if err := s.Update(func(tx *store.Tx) error { return tx.RevokeToken(*name) }); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "revoked token %q\n", *name)
		return nil
	}
	return fmt.Errorf("token: unknown verb %q; say create, list or revoke", verb)
}

// runBackup writes a consistent copy of the database to FILE:
//
//	tupu backup FILE --url http://127.0.0.1:8080 --token ADMIN_TOKEN   from a running server
//	tupu backup FILE --db PATH                                         from a stopped one
//
// From a running server the copy is taken inside one read transaction
// while it goes on serving and writing. Restore by stopping the server and
// putting FILE where --db points.
func runBackup(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || len(args[0]) == 0 || args[0][0] == '-' {
		return errors.New("backup: name the file to write first: tupu backup FILE ...")
	}
	file, args := args[0], args[1:]
	fs := flag.NewFlagSet("tupu backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", envOr(getenv, "TUPU_DB", ""), "database file of a stopped server [TUPU_DB]")
	url := fs.String("url", envOr(getenv, "TUPU_URL", ""), "base URL of a running server [TUPU_URL]")
	token := fs.String("token", envOr(getenv, "TUPU_TOKEN", ""), "an admin token, for --url [TUPU_TOKEN]")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if (*db == "") == (*url == "") {
		return errors.New("backup: give --db (a stopped server's file) or --url (a running server)")
	}
	// Write next to the target and rename, so FILE is never half written.
	tmp, err := os.CreateTemp(filepath.Dir(file), ".tupu-backup-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	var n int64
	if *url != "" {
		n, err = backupFromServer(ctx, *url, *token, tmp)
	} else {
		var s *store.Store
		if s, err = store.Open(*db, store.Options{ReadOnly: true}); err == nil {
			n, err = s.Backup(tmp, nil)
			s.Close()
		}
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote %s (%d bytes)\n", file, n)
	return nil
}

func backupFromServer(ctx context.Context, url, token string, w io.Writer) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/admin/backup", nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return 0, fmt.Errorf("the server answered %s: %s", resp.Status, msg)
	}
	return io.Copy(w, resp.Body)
}

// runRestore puts a backup in place of a stopped server's database:
//
//	tupu restore FILE --db PATH
//
// It checks FILE is a tupu database, refuses while a server holds PATH,
// replaces PATH in one rename, and removes the search index beside it,
// which reflects writes the backup does not hold (the server rebuilds it
// at start; an index ahead of its database is otherwise taken as lost
// writes, and refused).
func runRestore(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || len(args[0]) == 0 || args[0][0] == '-' {
		return errors.New("restore: name the backup first: tupu restore FILE --db PATH")
	}
	file, args := args[0], args[1:]
	fs := flag.NewFlagSet("tupu restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", envOr(getenv, "TUPU_DB", "./data/tupu.db"), "the database file to replace [TUPU_DB]")
	index := fs.String("search-index", envOr(getenv, "TUPU_SEARCH_INDEX", ""), "the search index directory (default: the database path + .search) [TUPU_SEARCH_INDEX]")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *index == "" {
		*index = *db + ".search"
	}
	backup, err := store.Open(file, store.Options{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("restore: %s: %w", file, err)
	}
	backup.Close()
	if _, err := os.Stat(*db); err == nil {
		// Taking the lock proves no server has the file open.
		s, err := store.Open(*db, store.Options{})
		if err != nil {
			return fmt.Errorf("restore: %w", err)
		}
		s.Close()
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(*db), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(*db), ".tupu-restore-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.RemoveAll(*index); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), *db); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "restored %s from %s; the search index is rebuilt at the next start\n", *db, file)
	return nil
}
