/* test_secret.c: link.secret is made whole or not at all, and a short one a crash left is replaced. */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "auth.h"
#include "config.h"
#include "unit.h"
#include "util.h"

static char		 dir[] = "/tmp/ot-unit-secret-XXXXXX";
static char		 secret[sizeof(dir) + 16];
static struct config	 cfg;

static int
init(void)
{
	char	 err[512];

	return auth_init(&cfg, err, sizeof(err));
}

/* The size of link.secret, -1 when there is none. */
static long
secret_size(void)
{
	struct stat	 st;

	return stat(secret, &st) == -1 ? -1 : (long)st.st_size;
}

static void
plant(const void *data, size_t len)
{
	int	 fd;

	unlink(secret);
	if ((fd = open(secret, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
		return;
	if (write(fd, data, len) != (ssize_t)len)
		fprintf(stderr, "plant: short write\n");
	close(fd);
}

/* Names in dir other than link.secret: a temporary file left behind. */
static int
others_in_dir(void)
{
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 &&
		    strcmp(de->d_name, "link.secret") != 0) {
			fprintf(stderr, "left in %s: %s\n", dir, de->d_name);
			n++;
		}
	closedir(d);
	return n;
}

static void
test_first_start_makes_it_whole(void)
{
	struct stat	 st;

	unlink(secret);
	CHECK(init() == 0);
	CHECK(stat(secret, &st) == 0 && st.st_size == 32 &&
	    (st.st_mode & 0777) == 0600);
	CHECK(others_in_dir() == 0);
}

static void
test_a_second_start_signs_with_the_same_secret(void)
{
	char	 a[64], b[64];

	CHECK(init() == 0);
	CHECK(auth_sign("/api/stream/x.mp4", 1000, 1, a, sizeof(a)) == 0);
	CHECK(init() == 0);
	CHECK(auth_sign("/api/stream/x.mp4", 1000, 1, b, sizeof(b)) == 0);
	CHECK(strcmp(a, b) == 0);
}

/*
 * The crash between making the file and writing it: a write past
 * RLIMIT_FSIZE kills the start with SIGXFSZ right there.  Made in place,
 * the file would be left empty, and every later start refused.
 */
static void
test_a_crash_while_making_it_leaves_nothing(void)
{
	struct rlimit	 none = { 0, 0 };
	pid_t		 pid;
	int		 status = 0, null;

	unlink(secret);
	if ((pid = fork()) == 0) {
		if ((null = open("/dev/null", O_WRONLY)) != -1)
			dup2(null, STDERR_FILENO);
		setrlimit(RLIMIT_CORE, &none);
		setrlimit(RLIMIT_FSIZE, &none);
		_exit(init() == 0 ? 0 : 1);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGXFSZ);
	CHECK(secret_size() == -1);
	CHECK(others_in_dir() == 0);
	/* And the next start goes on as if nothing happened. */
	CHECK(init() == 0);
	CHECK(secret_size() == 32);
}

/* What an earlier version's crash left: empty, or cut short by a power cut. */
static void
test_an_empty_or_short_secret_is_replaced(void)
{
	unsigned char	 head[10];
	int		 fd;

	plant("", 0);
	CHECK(init() == 0);
	CHECK(secret_size() == 32);
	plant("0123456789", 10);
	CHECK(init() == 0);
	CHECK(secret_size() == 32);
	if ((fd = open(secret, O_RDONLY)) != -1) {
		CHECK(read(fd, head, sizeof(head)) == (ssize_t)sizeof(head));
		CHECK(memcmp(head, "0123456789", sizeof(head)) != 0);
		close(fd);
	}
	CHECK(others_in_dir() == 0);
}

/* A good secret is never replaced: the links signed with it stay valid. */
static void
test_a_good_secret_is_kept_and_used(void)
{
	unsigned char	 key[32], mac[crypto_auth_hmacsha256_BYTES];
	char		 want[64], got[64];
	const char	*msg = "/api/stream/x.mp4\n1000\n1";
	size_t		 i;

	for (i = 0; i < sizeof(key); i++)
		key[i] = (unsigned char)(i * 7 + 1);
	plant(key, sizeof(key));
	CHECK(init() == 0);
	CHECK(secret_size() == 32);
	crypto_auth_hmacsha256(mac, (const unsigned char *)msg, strlen(msg), key);
	sodium_bin2base64(want, sizeof(want), mac, sizeof(mac),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	CHECK(auth_sign("/api/stream/x.mp4", 1000, 1, got, sizeof(got)) == 0);
	CHECK_STR(got, want);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(secret, sizeof(secret), "%s/link.secret", dir);
	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.data_dir, sizeof(cfg.data_dir), "%s", dir);
	snprintf(cfg.listen, sizeof(cfg.listen), "127.0.0.1:8001");
	test_first_start_makes_it_whole();
	test_a_second_start_signs_with_the_same_secret();
	test_a_crash_while_making_it_leaves_nothing();
	test_an_empty_or_short_secret_is_replaced();
	test_a_good_secret_is_kept_and_used();
	unlink(secret);
	rmdir(dir);
	return unit_done("test_secret");
}
