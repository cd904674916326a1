/* util.c: small helpers both programs share: times, numbers, paths, text. */
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

void
util_iso_time(int64_t secs, char buf[ISO_TIME_LEN])
{
	struct tm	 tm;
	time_t		 t = (time_t)secs;

	gmtime_r(&t, &tm);
	strftime(buf, ISO_TIME_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void
util_iso_now(char buf[ISO_TIME_LEN])
{
	util_iso_time((int64_t)time(NULL), buf);
}

int64_t
util_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Like OpenBSD's strtonum(3): the whole string must be a decimal number within
 * [min, max]; no sign tricks, no trailing junk, no empty string.
 */
int
util_strtonum(const char *s, long long min, long long max, long long *out)
{
	char		*end;
	long long	 v;

	if (s == NULL || *s == '\0' || (*s != '-' && (*s < '0' || *s > '9')))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
util_path_join(char *buf, size_t len, const char *a, const char *b)
{
	int	 n;

	n = snprintf(buf, len, "%s/%s", a, b);
	if (n < 0 || (size_t)n >= len)
		return -1;
	return 0;
}

int
util_mkdir_p(const char *path, int mode)
{
	char	 tmp[PATH_MAX];
	char	*p;
	size_t	 len;

	len = strlen(path);
	if (len == 0 || len >= sizeof(tmp))
		return -1;
	memcpy(tmp, path, len + 1);
	for (p = tmp + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, (mode_t)mode) == -1 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(tmp, (mode_t)mode) == -1 && errno != EEXIST)
		return -1;
	return 0;
}

/* Removes a directory tree without following symbolic links. */
int
util_rm_rf(const char *path)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	char		 child[PATH_MAX];
	int		 rc = 0;

	if (lstat(path, &st) == -1)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (util_path_join(child, sizeof(child), path, de->d_name) == -1 ||
		    util_rm_rf(child) == -1)
			rc = -1;
	}
	closedir(d);
	if (rmdir(path) == -1)
		rc = -1;
	return rc;
}

/* A lower-case UUID in its 8-4-4-4-12 form; nothing else is ever used as an id. */
int
util_is_uuid(const char *s)
{
	size_t	 i;

	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	}
	return s[36] == '\0';
}

/* Writes all of len bytes to fd; -1 on error (errno set). */
static int
write_all(int fd, const char *p, size_t len)
{
	ssize_t	 n;
	size_t	 off = 0;

	while (off < len) {
		if ((n = write(fd, p + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		off += (size_t)n;
	}
	return 0;
}

/*
 * A new temporary file beside dir/name, ".name.XXXXXX", of mode: its fd, its
 * path in tmp.  -1 on error (errno set), with nothing left and tmp "".
 */
static int
tmp_create(const char *dir, const char *name, int mode, char *tmp,
    size_t tmplen)
{
	int	 n, fd, save;

	n = snprintf(tmp, tmplen, "%s/.%s.XXXXXX", dir, name);
	if (n < 0 || (size_t)n >= tmplen) {
		tmp[0] = '\0';
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		tmp[0] = '\0';
		return -1;
	}
	if (fchmod(fd, (mode_t)mode) == -1) {
		save = errno;
		close(fd);
		(void)unlink(tmp);
		tmp[0] = '\0';
		errno = save;
		return -1;
	}
	return fd;
}

/*
 * Makes dir/name hold data, all or nothing, even across a crash or a power
 * cut: the data goes into an unnamed file (O_TMPFILE) that is synced before
 * it gets its name, and the directory is synced after, so the name never
 * shows an empty or partial file and a crash leaves nothing behind.  A file
 * system without O_TMPFILE (NFS) gets a named temporary file instead.  The
 * name is linked, never renamed over: 1 when dir/name exists already (its
 * content is the caller's to read), 0 when made, -1 on error (errno set).
 */
int
util_file_create(const char *dir, const char *name, const void *data,
    size_t len, int mode)
{
	char		 path[PATH_MAX], tmp[PATH_MAX], proc[64];
	int		 fd = -1, dfd = -1, rc = -1, save, linked;

	tmp[0] = '\0';
	if (util_path_join(path, sizeof(path), dir, name) == -1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		goto fail;
	fd = openat(dfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, (mode_t)mode);
	if (fd == -1 && (errno == EOPNOTSUPP || errno == EISDIR ||
	    errno == EINVAL))
		fd = tmp_create(dir, name, mode, tmp, sizeof(tmp));
	if (fd == -1)
		goto fail;
	if (write_all(fd, data, len) == -1 || fsync(fd) == -1)
		goto fail;
	if (tmp[0] != '\0')
		linked = link(tmp, path);
	else {
		/* Without CAP_DAC_READ_SEARCH, AT_EMPTY_PATH is refused: /proc is not. */
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		linked = linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW);
	}
	if (linked == -1) {
		if (errno == EEXIST)
			rc = 1;
		goto fail;
	}
	if (fsync(dfd) == -1)
		goto fail;
	rc = 0;
fail:
	save = errno;
	if (fd != -1)
		close(fd);
	if (tmp[0] != '\0')
		(void)unlink(tmp);
	if (dfd != -1)
		close(dfd);
	errno = save;
	return rc;
}

/*
 * Makes dir/name hold data (mode: its permissions), replacing what it held,
 * all or nothing: a temporary file beside it, synced, renamed over the name,
 * and the directory synced, so the name shows the old file or the new one
 * whole, never a part, across a crash.  0 done; -1 on error (errno set), and
 * no temporary file left behind.
 */
int
util_file_replace(const char *dir, const char *name, const void *data,
    size_t len, int mode)
{
	char	 path[PATH_MAX], tmp[PATH_MAX];
	int	 fd = -1, dfd = -1, save;

	tmp[0] = '\0';
	if (util_path_join(path, sizeof(path), dir, name) == -1) {
		errno = ENAMETOOLONG;
		goto fail;
	}
	if ((fd = tmp_create(dir, name, mode, tmp, sizeof(tmp))) == -1)
		goto fail;
	if (write_all(fd, data, len) == -1 || fsync(fd) == -1 ||
	    close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) == -1)
		goto fail;
	tmp[0] = '\0';
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fsync(dfd) == -1)
		goto fail;
	close(dfd);
	return 0;
fail:
	save = errno;
	if (fd != -1)
		close(fd);
	if (dfd != -1)
		close(dfd);
	if (tmp[0] != '\0')
		(void)unlink(tmp);
	errno = save;
	return -1;
}

/*
 * Copies the file src to dst, a new file of mode (never one that exists).
 * 1 copied; 0 src does not exist; -1 on error (errno set), and dst removed.
 */
int
util_file_copy(const char *src, const char *dst, int mode)
{
	char	 buf[16384];
	ssize_t	 n;
	int	 in = -1, out = -1, rc = -1, made = 0, save;

	if ((in = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		if (errno == ENOENT)
			return 0;
		return -1;
	}
	if ((out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC |
	    O_NOFOLLOW, (mode_t)mode)) == -1)
		goto fail;
	made = 1;
	/* The umask may have taken bits off: the mode is what was asked. */
	if (fchmod(out, (mode_t)mode) == -1)
		goto fail;
	for (;;) {
		if ((n = read(in, buf, sizeof(buf))) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (n == 0)
			break;
		if (write_all(out, buf, (size_t)n) == -1)
			goto fail;
	}
	if (close(out) == -1) {
		out = -1;
		goto fail;
	}
	out = -1;
	rc = 1;
fail:
	save = errno;
	close(in);
	if (out != -1)
		close(out);
	if (rc == -1 && made)
		(void)unlink(dst);
	errno = save;
	return rc;
}

/* The length of s cut to at most max bytes, never inside a UTF-8 sequence. */
size_t
util_utf8_len(const char *s, size_t max)
{
	size_t	 n = strlen(s);

	if (n <= max)
		return n;
	for (n = max; n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80; n--)
		;
	return n;
}

/* Megabytes free to us (not root's reserve) on the file system of dir; -1 when unknown. */
long long
util_free_mb(const char *dir)
{
	struct statvfs	 sv;

	if (statvfs(dir, &sv) == -1)
		return -1;
	return (long long)((unsigned long long)sv.f_bavail * sv.f_frsize /
	    (1024 * 1024));
}

/*
 * dir/{id}.{ext} for the i-th image type a thumbnail is kept as (its type
 * is its content's, see worker/media.c).  -1 past the last type, or when
 * the path is too long.
 */
int
util_thumb_path(const char *dir, const char *id, size_t i, char *path,
    size_t len)
{
	static const char *const exts[] = { "jpg", "webp", "png" };
	char	 name[128];
	int	 n;

	if (i >= sizeof(exts) / sizeof(exts[0]))
		return -1;
	n = snprintf(name, sizeof(name), "%s.%s", id, exts[i]);
	if (n < 0 || (size_t)n >= sizeof(name))
		return -1;
	return util_path_join(path, len, dir, name);
}

/* A task's thumbnail in dir, whichever its type: 1 with path set, 0 when none. */
int
util_thumb_find(const char *dir, const char *id, char *path, size_t len)
{
	struct stat	 st;
	size_t		 i;

	for (i = 0; util_thumb_path(dir, id, i, path, len) == 0; i++)
		if (lstat(path, &st) == 0 && S_ISREG(st.st_mode))
			return 1;
	return 0;
}

/*
 * A program as exec would find it: a name with a '/' as it is, a bare name
 * in PATH.  buf holds its path; NULL when there is none that may be run.
 */
const char *
util_find_program(const char *name, char *buf, size_t len)
{
	const char	*path, *p, *e;
	int		 n;

	if (strchr(name, '/') != NULL)
		return access(name, X_OK) == 0 && strlen(name) < len ?
		    memcpy(buf, name, strlen(name) + 1) : NULL;
	if ((path = getenv("PATH")) == NULL)
		path = "/usr/bin:/bin";
	for (p = path; *p != '\0'; p = *e ? e + 1 : e) {
		if ((e = strchr(p, ':')) == NULL)
			e = p + strlen(p);
		n = snprintf(buf, len, "%.*s/%s", (int)(e - p), p, name);
		if (n > 0 && (size_t)n < len && e > p && access(buf, X_OK) == 0)
			return buf;
	}
	return NULL;
}
