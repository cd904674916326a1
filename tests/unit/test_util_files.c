/* test_util_files.c: thumbnail names, free space, and files replaced whole or copied private. */
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "util.h"

#define ID	"0b6c3a9e-1f2d-4c5b-8a7e-9d0c1b2a3f4e"

static char	 dir[] = "/tmp/ot-util-XXXXXX";

static void
test_thumb_path(void)
{
	char	 p[PATH_MAX], want[PATH_MAX];
	size_t	 i;
	int	 n = 0;

	for (i = 0; util_thumb_path(dir, ID, i, p, sizeof(p)) == 0; i++)
		n++;
	CHECK(n == 3);
	snprintf(want, sizeof(want), "%s/" ID ".jpg", dir);
	CHECK(util_thumb_path(dir, ID, 0, p, sizeof(p)) == 0);
	CHECK_STR(p, want);
	snprintf(want, sizeof(want), "%s/" ID ".webp", dir);
	CHECK(util_thumb_path(dir, ID, 1, p, sizeof(p)) == 0);
	CHECK_STR(p, want);
	snprintf(want, sizeof(want), "%s/" ID ".png", dir);
	CHECK(util_thumb_path(dir, ID, 2, p, sizeof(p)) == 0);
	CHECK_STR(p, want);
	CHECK(util_thumb_path(dir, ID, 0, p, 10) == -1);	/* too long */
}

static void
test_thumb_find(void)
{
	char	 p[PATH_MAX], f[PATH_MAX];
	int	 fd;

	CHECK(util_thumb_find(dir, ID, p, sizeof(p)) == 0);
	/* A directory of that name is no thumbnail. */
	snprintf(f, sizeof(f), "%s/" ID ".jpg", dir);
	CHECK(mkdir(f, 0700) == 0);
	CHECK(util_thumb_find(dir, ID, p, sizeof(p)) == 0);
	rmdir(f);
	snprintf(f, sizeof(f), "%s/" ID ".png", dir);
	CHECK((fd = open(f, O_WRONLY | O_CREAT, 0600)) != -1);
	close(fd);
	CHECK(util_thumb_find(dir, ID, p, sizeof(p)) == 1);
	CHECK_STR(p, f);
	unlink(f);
}

static void
test_free_mb(void)
{
	CHECK(util_free_mb(dir) >= 0);
	CHECK(util_free_mb("/nonexistent/ot-util") == -1);
}

/* How many entries dir holds, "." and ".." left out. */
static int
entries(void)
{
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void
test_file_replace_and_copy(void)
{
	struct stat	 st;
	char		 p[PATH_MAX], q[PATH_MAX], got[64];
	FILE		*f;
	size_t		 n;
	mode_t		 old;

	snprintf(p, sizeof(p), "%s/0.txt", dir);
	snprintf(q, sizeof(q), "%s/copy.txt", dir);
	old = umask(077);
	CHECK(util_file_replace(dir, "0.txt", "first\n", 6, 0600) == 0);
	CHECK(util_file_replace(dir, "0.txt", "second\n", 7, 0600) == 0);
	CHECK(stat(p, &st) == 0 && (st.st_mode & 07777) == 0600 && st.st_size == 7);
	/* No temporary file is left beside it. */
	CHECK(entries() == 1);
	/* A copy is a new file of the mode asked, whatever the umask. */
	umask(0);
	CHECK(util_file_copy(p, q, 0600) == 1);
	CHECK(stat(q, &st) == 0 && (st.st_mode & 07777) == 0600);
	if ((f = fopen(q, "r")) != NULL) {
		n = fread(got, 1, sizeof(got) - 1, f);
		got[n] = '\0';
		fclose(f);
		CHECK_STR(got, "second\n");
	}
	/* Never over a file that is there; a missing source is 0, nothing made. */
	CHECK(util_file_copy(p, q, 0600) == -1);
	unlink(q);
	CHECK(util_file_copy("/nonexistent/ot/none.txt", q, 0600) == 0);
	CHECK(access(q, F_OK) == -1);
	umask(old);
	unlink(p);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL)
		return 1;
	test_thumb_path();
	test_thumb_find();
	test_free_mb();
	test_file_replace_and_copy();
	rmdir(dir);
	return unit_done("test_util_files");
}
