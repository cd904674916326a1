/* test_util_files.c: the one thumbnail naming both programs use, and free space as the disk guard reads it. */
#include <sys/stat.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
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

int
main(void)
{
	if (mkdtemp(dir) == NULL)
		return 1;
	test_thumb_path();
	test_thumb_find();
	test_free_mb();
	rmdir(dir);
	return unit_done("test_util_files");
}
