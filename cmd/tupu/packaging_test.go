package main

import (
	"bufio"
	"debug/elf"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestPackaging_systemdUnit checks packaging/systemd as systemd sees it
// installed, in a directory standing for the root of a machine:
// systemd-sysusers makes the user tupu.sysusers declares, systemd-analyze
// verify has nothing to say of tupu.service with the built program at its
// ExecStart path, and systemd-analyze security rates its exposure 2.0 or
// under ("OK"). Every TUPU_ variable the unit sets is a setting of the
// program. Skips without systemd-analyze, except under CI, where .ci/run
// installs it.
func TestPackaging_systemdUnit(t *testing.T) {
	analyze := needCommand(t, "systemd-analyze")
	sysusers := needCommand(t, "systemd-sysusers")
	unit, err := os.ReadFile("../../packaging/systemd/tupu.service")
	if err != nil {
		t.Fatal(err)
	}
	exec0, env := unitCommand(t, string(unit))

	settings := map[string]bool{}
	for _, s := range defaults().settings() {
		settings[s.env] = true
	}
	for name := range env {
		if strings.HasPrefix(name, "TUPU_") && !settings[name] {
			t.Errorf("the unit sets %s, which is no setting of the program", name)
		}
	}

	root := t.TempDir()
	install := func(src, dst string, mode os.FileMode) {
		t.Helper()
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		dst = filepath.Join(root, dst)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, b, mode); err != nil {
			t.Fatal(err)
		}
	}
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	install(bin, exec0, 0o755)
	install("../../packaging/systemd/tupu.service", "/etc/systemd/system/tupu.service", 0o644)
	install("../../packaging/systemd/tupu.sysusers", "/etc/sysusers.d/tupu.conf", 0o644)
	// The system's own units (the targets a service is ordered after).
	if err := os.MkdirAll(filepath.Join(root, "usr/lib/systemd"), 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("cp", "-a", "/usr/lib/systemd/system", filepath.Join(root, "usr/lib/systemd/")).CombinedOutput(); err != nil {
		t.Fatalf("copying the system's units: %v\n%s", err, out)
	}

	if out, err := exec.Command(sysusers, "--root="+root).CombinedOutput(); err != nil {
		t.Fatalf("systemd-sysusers: %v\n%s", err, out)
	}
	if passwd, _ := os.ReadFile(filepath.Join(root, "etc/passwd")); !regexp.MustCompile(`(?m)^tupu:x:\d+:\d+:[^:]*:/var/lib/tupu:`).Match(passwd) {
		t.Errorf("systemd-sysusers made no user tupu:\n%s", passwd)
	}
	if out, err := exec.Command(analyze, "verify", "--root="+root, "tupu.service").CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	out, err := exec.Command(analyze, "security", "--offline=true", "--root="+root, "--threshold=20", "tupu.service").CombinedOutput()
	overall := regexp.MustCompile(`Overall exposure level for tupu.service: .*`).Find(out)
	if err != nil || overall == nil {
		t.Errorf("systemd-analyze security: %v (the threshold is 2.0)\n%s", err, out)
	}
	t.Logf("%s", overall)
}

// unitCommand returns the program of a unit's ExecStart and the variables
// its Environment lines set.
func unitCommand(t *testing.T, unit string) (program string, env map[string]string) {
	t.Helper()
	env = map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(unit))
	for sc.Scan() {
		key, value, ok := strings.Cut(strings.TrimSpace(sc.Text()), "=")
		switch {
		case !ok:
		case key == "ExecStart":
			program, _, _ = strings.Cut(value, " ")
		case key == "Environment":
			name, v, _ := strings.Cut(value, "=")
			env[name] = v
		}
	}
	if !filepath.IsAbs(program) {
		t.Fatalf("the unit's ExecStart program %q is not an absolute path", program)
	}
	return program, env
}

// TestPackaging_dockerfile checks what can be checked of the container
// image without Docker, which the tests cannot run: the build stage's Go is
// go.mod's; the binary packaging/build makes (as the Dockerfile does, and
// as every test of the program does) is static, so it runs on the empty
// base; the image runs it as a user other than root, with its database on
// its volume; and the program serves with the image's settings.
func TestPackaging_dockerfile(t *testing.T) {
	df, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	goVersion := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(mod)
	stages := regexp.MustCompile(`(?m)^FROM `).Split(string(df), -1)[1:]
	if len(stages) < 2 || goVersion == nil {
		t.Fatalf("want a build stage and an image stage, and go.mod's go line")
	}
	if build := stages[0]; !strings.HasPrefix(build, "golang:"+string(goVersion[1])+"-") ||
		!regexp.MustCompile(`(?m)^RUN packaging/build `).MatchString(build) {
		t.Errorf("the build stage does not run packaging/build with Go %s:\n%s", goVersion[1], build)
	}
	image := stages[len(stages)-1]
	instruction := func(name string) string {
		m := regexp.MustCompile(`(?m)^` + name + ` ((?:.*\\\n)*.*)`).FindStringSubmatch(image)
		if m == nil {
			t.Fatalf("the image has no %s", name)
		}
		return strings.Join(strings.Fields(strings.ReplaceAll(m[1], "\\\n", " ")), " ")
	}
	if user, _, _ := strings.Cut(instruction("USER"), ":"); slices.Contains([]string{"", "0", "root"}, user) {
		t.Errorf("the image runs as %q", user)
	}
	env := map[string]string{}
	for _, kv := range strings.Fields(instruction("ENV")) {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	volume := instruction("VOLUME")
	if !strings.HasPrefix(env["TUPU_DB"], volume+"/") {
		t.Errorf("the database %q is not on the volume %q", env["TUPU_DB"], volume)
	}

	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	libs, _ := f.ImportedLibraries()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			libs = append(libs, "an interpreter")
		}
	}
	f.Close()
	if len(libs) > 0 {
		t.Errorf("the binary is not static: it needs %v", libs)
	}

	// The image's settings, but on 127.0.0.1 and a fresh database.
	for k, v := range env {
		t.Setenv(k, v)
	}
	t.Setenv("TUPU_ADDR", "127.0.0.1:0")
	t.Setenv("TUPU_DB", filepath.Join(t.TempDir(), filepath.Base(env["TUPU_DB"])))
	var args []string
	if err := json.Unmarshal([]byte(instruction("CMD")), &args); err != nil {
		t.Fatalf("the image's CMD is not a JSON list: %v", err)
	}
	cmd, log, exited := start(t, args...)
	url := waitForURL(t, log.String, exited)
	if status, body := get(t, url+"healthz"); status != http.StatusOK {
		t.Errorf("healthz: %d %s", status, body)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v\n%s", err, log.String())
		}
	case <-time.After(15 * time.Second):
		t.Errorf("no exit within 15 s of SIGTERM")
	}
}

// needCommand returns the path of a program the test needs, skipping
// without it, except under CI, where .ci/run installs it.
func needCommand(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing; .ci/run installs it", name)
		}
		t.Skipf("%s is missing", name)
	}
	return path
}
