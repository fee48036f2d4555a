package main

import (
	"flag"
	"fmt"
	"path/filepath"
	"strings"

	"tupu/store"
)

// Where the graph is kept: a bbolt file (--db PATH, the default), or an
// etcd cluster (--store etcd://host:2379,host:2379/prefix, see
// docs/cluster.md). Every command that opens the graph takes both; --store,
// when set, wins.

const storeHelp = "an etcd cluster to keep the graph in instead of the file: etcd://host:2379[,host:2379...][/prefix][?settings] (docs/cluster.md); when set, --db is not used"

// storeFlag defines --store on fs, defaulting to TUPU_STORE.
func storeFlag(fs *flag.FlagSet, getenv func(string) string) *string {
	return fs.String("store", envOr(getenv, "TUPU_STORE", ""), storeHelp+" [TUPU_STORE]")
}

// location returns where the graph is: the cluster when one is named, else
// the file db.
func location(db, cluster string) (string, error) {
	if cluster == "" {
		return db, nil
	}
	if !store.IsClusterURL(cluster) {
		return "", fmt.Errorf("--store %q: name an etcd cluster, etcd://host:2379/prefix (a file goes with --db)", cluster)
	}
	return cluster, nil
}

// clusterIndexDir is where a server over a cluster keeps its search
// index, unless told: in the file's directory, named after the cluster
// (s.Path() holds no credentials). Every server keeps an index of its own.
func clusterIndexDir(db string, s *store.Store) string {
	return besideDB(db, s.Path(), ".search")
}

// clusterMirrorDir is where a server over the cluster at loc keeps its
// mirror (the copy of the graph reads come from), unless the URL says
// (mirror=): beside its search index, named alike.
func clusterMirrorDir(db, loc string) (string, error) {
	name, err := store.Location(loc)
	if err != nil {
		return "", err
	}
	return besideDB(db, name, ".mirror"), nil
}

// besideDB names a server's own directory for the cluster named name
// (its endpoints and prefix): in the directory of its file db, after the
// cluster, with suffix.
func besideDB(db, name, suffix string) string {
	name = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			return r
		}
		return '_'
	}, strings.TrimPrefix(name, "etcd://"))
	return filepath.Join(filepath.Dir(db), "etcd-"+name+suffix)
}

// storeArg is the flag that names s to a command: --db PATH, or --store
// and the cluster (without its credentials).
func storeArg(s *store.Store) string {
	if s.IsFile() {
		return "--db " + s.Path()
	}
	return "--store " + s.Path()
}
