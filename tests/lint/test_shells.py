"""test_shells.py: every shell script runs under the shell that runs it.

Debian's /bin/sh is dash.  `make run` once started a bash script with `sh`
and failed on every stock Debian at its first line, while the tests started
the same script with bash and passed.  So:

- every tracked file whose first line is #!/bin/sh passes checkbashisms and
  ShellCheck's POSIX checks (checkbashisms alone lets `set -o pipefail` and
  `wait -n` through, the very lines that failed); every script, sh or bash,
  passes ShellCheck at warning level;
- every `sh FILE` or `bash FILE` written in the Makefile, debian/rules, the
  docs, the units and the tests names a file whose first line names that shell;
- a tracked file that is executed directly has a first line naming an
  interpreter this machine has;
- what each Makefile target runs (its recipes, as `make -n` prints them,
  which make hands to /bin/sh) passes the same two checks.
"""
import os
import re
import shutil
import subprocess

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHECKBASHISMS = shutil.which("checkbashisms") or "/usr/bin/checkbashisms"
SHELLCHECK = shutil.which("shellcheck") or "/usr/bin/shellcheck"

# Where scripts are started from: these files are read for `sh FILE` / `bash FILE`.
CALLERS = ("Makefile", "debian/rules", "README.md", ".ci/run")
CALLER_DIRS = ("docs", "dist", "tests", "bench", "scripts", "debian")
# An installed path names the script of the tree it was copied from.
INSTALLED = re.compile(r"^(?:\$\(\w+\)|/usr(?:/local)?)/share/offlinetube/")


def tracked_files():
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, check=True,
                             capture_output=True).stdout
        files = [f for f in out.decode().split("\0") if f]
    except (OSError, subprocess.CalledProcessError):
        files = []
        for root, dirs, names in os.walk(REPO):
            dirs[:] = [d for d in dirs if d not in (".git", "build", "node_modules")]
            files += [os.path.relpath(os.path.join(root, n), REPO) for n in names]
    return sorted(f for f in files if os.path.isfile(os.path.join(REPO, f)))


def first_line(path):
    try:
        with open(os.path.join(REPO, path), "rb") as f:
            return f.readline(200).decode("utf-8", "replace").rstrip("\n")
    except OSError:
        return ""


def shell_of(line):
    """'sh', 'bash', another interpreter's name, or None without #!."""
    if not line.startswith("#!"):
        return None
    words = line[2:].split()
    if not words:
        return ""
    prog = os.path.basename(words[0])
    if prog == "env" and len(words) > 1:
        prog = words[1]
    return prog


def checkbashisms(path):
    return subprocess.run([CHECKBASHISMS, "--posix", "--extra", path],
                          capture_output=True, text=True)


def shellcheck(path, shell=None, only_posix=False):
    """ShellCheck's findings at warning level (gcc format), as a list of lines;
    only_posix keeps parse errors and the "In POSIX sh, ... is undefined"
    family (SC1xxx, SC3xxx)."""
    argv = [SHELLCHECK, "-S", "warning", "-f", "gcc"] + (["-s", shell] if shell else [])
    r = subprocess.run(argv + [path], capture_output=True, text=True)
    found = [l for l in r.stdout.splitlines() if "[SC" in l]
    if only_posix:
        found = [l for l in found if re.search(r"\[SC[13]\d{3}\]", l)]
    assert r.returncode in (0, 1), r.stderr
    return found


def test_checks_find_a_bashism(tmp_path):
    """The checks below would pass on anything if their tools were missing or mute."""
    bad = tmp_path / "bad.sh"
    bad.write_text("#!/bin/sh\nset -euo pipefail\nsource ./x\nwait -n\n")
    r = checkbashisms(str(bad))
    assert r.returncode != 0 and "source" in r.stderr + r.stdout, r
    found = "\n".join(shellcheck(str(bad), only_posix=True))
    assert "pipefail" in found and "wait -n" in found, found


SH_SCRIPTS = [f for f in tracked_files() if shell_of(first_line(f)) == "sh"]


def test_there_are_sh_scripts():
    assert "scripts/install-deps.sh" in SH_SCRIPTS, SH_SCRIPTS


@pytest.mark.parametrize("script", SH_SCRIPTS)
def test_sh_script_has_no_bashisms(script):
    r = checkbashisms(os.path.join(REPO, script))
    assert r.returncode == 0, f"{script}: {r.stderr}{r.stdout}"


SCRIPTS = [f for f in tracked_files() if shell_of(first_line(f)) in ("sh", "bash")]


@pytest.mark.parametrize("script", SCRIPTS)
def test_script_passes_shellcheck(script):
    found = shellcheck(os.path.join(REPO, script))
    assert not found, "\n".join(found)


def invocations():
    """(caller, line number, shell, script) for each `sh X` / `bash X` that
    names a script of this tree, in the callers' text and in argv lists."""
    files = [f for f in tracked_files() if f in CALLERS or f.startswith(
        tuple(d + "/" for d in CALLER_DIRS))]
    found = []
    word = re.compile(r"""(?:^|[\s;&|(`"'\[,@])(sh|bash)["']?(?:,\s*|\s+)"""
                      r"""(?:os\.path\.join\(REPO,\s*)?([^\s;&|)`]+)""")
    for f in files:
        try:
            with open(os.path.join(REPO, f), encoding="utf-8") as fh:
                lines = fh.read().splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for n, line in enumerate(lines, 1):
            for m in word.finditer(line):
                arg = m.group(2)
                # os.path.join(REPO, "scripts", "run.sh") -> scripts/run.sh
                parts = re.findall(r'"([^"]+)"', arg) if '"' in arg else [arg]
                path = "/".join(parts) if '"' in arg else arg
                path = INSTALLED.sub("", path.strip("'\""))
                if path.startswith("$(CURDIR)/"):
                    path = path[len("$(CURDIR)/"):]
                if os.path.isfile(os.path.join(REPO, path)) and \
                        shell_of(first_line(path)) is not None:
                    found.append((f, n, m.group(1), path))
    return found


def test_scripts_are_found_where_they_are_started():
    found = {(c, s, p) for c, _, s, p in invocations()}
    assert ("Makefile", "bash", "scripts/run.sh") in found, sorted(found)
    assert ("Makefile", "sh", "scripts/install-deps.sh") in found, sorted(found)


def test_every_script_is_started_by_the_shell_its_first_line_names():
    wrong = [f"{c}:{n}: `{s} {p}` but {p} starts with {first_line(p)!r}"
             for c, n, s, p in invocations() if shell_of(first_line(p)) != s]
    assert not wrong, "\n".join(wrong)


def test_executable_scripts_name_an_interpreter_that_exists():
    bad = []
    for f in tracked_files():
        line = first_line(f)
        if not line.startswith("#!") or not os.access(os.path.join(REPO, f), os.X_OK):
            continue
        words = line[2:].split()
        prog = words[0] if words else ""
        if os.path.basename(prog) == "env" and len(words) > 1:
            ok = shutil.which(words[1]) is not None
        else:
            ok = os.access(prog, os.X_OK)
        if not ok:
            bad.append(f"{f}: {line}")
    assert not bad, "\n".join(bad)


def phony_targets():
    with open(os.path.join(REPO, "Makefile")) as f:
        text = f.read().replace("\\\n", " ")
    targets = []
    for m in re.finditer(r"^\.PHONY:(.*)$", text, re.M):
        targets += m.group(1).split()
    return sorted(set(targets))


def test_makefile_lists_its_targets():
    assert {"run", "test", "bench", "install"} <= set(phony_targets())


@pytest.mark.parametrize("target", phony_targets())
def test_make_target_recipes_are_posix_sh(target, tmp_path):
    """make hands each recipe line to /bin/sh: none may need bash."""
    r = subprocess.run(["make", "-n", "-B", "--no-print-directory", target],
                       cwd=REPO, capture_output=True, text=True,
                       env=dict(os.environ, MAKEFLAGS=""))
    assert r.returncode == 0, r.stderr
    script = tmp_path / f"make-{target}.sh"
    lines = [l for l in r.stdout.splitlines() if not re.match(r"make(\[\d+\])?: ", l)]
    script.write_text("#!/bin/sh\n" + "\n".join(lines) + "\n")
    c = checkbashisms(str(script))
    assert c.returncode == 0, f"make {target}: {c.stderr}{c.stdout}"
    found = shellcheck(str(script), "sh", only_posix=True)
    assert not found, f"make {target}:\n" + "\n".join(found)
