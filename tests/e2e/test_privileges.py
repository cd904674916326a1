"""test_privileges.py: the programs never serve as root, and what they write is
closed to other users (umask 027)."""
import os
import pwd
import stat
import subprocess

import pytest

import harness
from harness import BIN, RUN_AS

as_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs a root test run")


def uid_of(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("Uid:"):
                return [int(x) for x in line.split()[1:]]
    raise AssertionError("no Uid line")


@as_root
@pytest.mark.parametrize("prog", ["offlinetube-api", "offlinetube-worker"])
def test_started_as_root_without_a_user_they_refuse(tmp_path, prog):
    env = {k: v for k, v in os.environ.items() if k != "OFFLINETUBE_USER"}
    env.update(OFFLINETUBE_DATA_DIR=str(tmp_path), ASAN_OPTIONS="detect_leaks=0")
    p = subprocess.run([os.path.join(BIN, prog)], env=env, capture_output=True,
                       text=True, timeout=30)
    assert p.returncode != 0
    assert "refusing to run as root" in p.stderr and "OFFLINETUBE_USER" in p.stderr
    assert not os.path.exists(tmp_path / "offlinetube.db"), "nothing opened as root"


@as_root
def test_started_as_root_they_become_the_user_and_so_does_yt_dlp(service, site):
    nobody = pwd.getpwnam(RUN_AS).pw_uid
    pids = service.pids()
    for name in ("api", "worker"):
        assert uid_of(pids[name]) == [nobody] * 4, name
    t = service.download(site.page("clip"))
    st = os.stat(service.path_of(t))
    assert st.st_uid == nobody, "yt-dlp ran as the user too"
    # The SQLite file (PostgreSQL's data is its server's).
    if not harness.PG:
        assert os.stat(os.path.join(service.data_dir, "offlinetube.db")).st_uid == nobody


def test_files_are_closed_to_other_users(service, site):
    t = service.download(site.page("clip2"))
    paths = [service.path_of(t), os.path.join(service.data_dir, "link.secret")]
    if not harness.PG:
        paths.append(os.path.join(service.data_dir, "offlinetube.db"))
    for path in paths:
        mode = stat.S_IMODE(os.stat(path).st_mode)
        assert mode & 0o027 == 0, (path, oct(mode))
    for d in ("downloads", "thumbnails", "tmp"):
        mode = stat.S_IMODE(os.stat(os.path.join(service.data_dir, d)).st_mode)
        assert mode & 0o007 == 0, (d, oct(mode))


def test_the_api_makes_its_own_socket_0660(service):
    """Started as make run starts it (no socket handed over), the API creates the
    socket itself: nginx's workers reach it through the group, nobody else."""
    assert "listening on " + service.socket_path in service.log("api")
    st = os.stat(service.socket_path)
    assert stat.S_ISSOCK(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o660, oct(st.st_mode)


@as_root
def test_a_data_directory_the_user_cannot_reach_is_said_so(tmp_path):
    closed = tmp_path / "closed"
    closed.mkdir(mode=0o700)
    env = dict(os.environ, OFFLINETUBE_DATA_DIR=str(closed / "data"), OFFLINETUBE_USER=RUN_AS,
               ASAN_OPTIONS="detect_leaks=0")
    p = subprocess.run([os.path.join(BIN, "offlinetube-worker")], env=env,
                       capture_output=True, text=True, timeout=30)
    assert p.returncode != 0
    assert f"as {RUN_AS}, cannot write in" in p.stderr, p.stderr
