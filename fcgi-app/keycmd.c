/* keycmd.c: `offlinetube-api key add|list|revoke`: managing API keys from the shell. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "auth.h"
#include "config.h"
#include "keycmd.h"
#include "store.h"

static int
key_usage(void)
{
	fprintf(stderr, "usage: offlinetube-api [-c file] key add [-a] NAME\n"
	    "       offlinetube-api [-c file] key list\n"
	    "       offlinetube-api [-c file] key revoke NAME\n"
	    "  -a  the key is an admin's: it sees and acts on every task\n");
	return 1;
}

static int
name_ok(const char *n)
{
	size_t	 i, len = strlen(n);

	if (len == 0 || len > 64)
		return 0;
	for (i = 0; i < len; i++)
		if (!((n[i] >= 'a' && n[i] <= 'z') || (n[i] >= 'A' && n[i] <= 'Z') ||
		    (n[i] >= '0' && n[i] <= '9') || strchr("._-@", n[i]) != NULL))
			return 0;
	return 1;
}

static void
print_key(void *arg, const char *name, const char *prefix, int admin,
    const char *created, const char *revoked)
{
	(void)arg;
	printf("%-24s %-14s %-6s %s%s%s\n", name, prefix, admin ? "admin" : "user",
	    created, revoked[0] != '\0' ? "  revoked " : "", revoked);
}

/* Whether a key of that name exists, whether it is revoked, and its prefix. */
struct name_probe {
	const char	*name;
	int		 found;
	int		 revoked;
	char		 prefix[AUTH_KEY_PREFIX_LEN + 1];
};

static void
probe_key(void *arg, const char *name, const char *prefix, int admin,
    const char *created, const char *revoked)
{
	struct name_probe	*p = arg;

	(void)admin;
	(void)created;
	if (strcmp(name, p->name) == 0) {
		p->found = 1;
		p->revoked = revoked[0] != '\0';
		snprintf(p->prefix, sizeof(p->prefix), "%s", prefix);
	}
}

/*
 * Why an insert found its name or prefix taken.  A revoked key keeps its
 * name (its tasks keep their owner), so revoking never frees one: only
 * another name does.  A free name means the random prefix collided.
 */
static const char *
taken_why(struct store *db, const char *name)
{
	struct name_probe	 p = { name, 0, 0, "" };

	if (store_key_list(db, probe_key, &p) == -1)
		return store_errmsg(db);
	if (!p.found)
		return "the new key's prefix is taken by chance; run it again";
	if (p.revoked)
		return "a revoked key keeps its name (its tasks keep their owner); "
		    "pick another name";
	return "a key with that name exists; pick another name (revoking it "
	    "would not free the name)";
}

/*
 * Revokes a key; the database stops its work in the same statement
 * (migration 019) and its cookies file goes here: the cookies of someone
 * who left are not kept.  0, or 1 with the reason said.
 */
static int
key_revoke(const struct config *c, struct store *db, const char *name)
{
	struct name_probe	 p = { name, 0, 0, "" };
	struct api_key		 k;
	char			 path[PATH_MAX];
	int			 n, known = 0;

	if (store_key_list(db, probe_key, &p) == -1 ||
	    (p.found && (known = store_key_by_prefix(db, p.prefix, &k)) == -1) ||
	    (n = store_key_revoke(db, name)) == -1) {
		fprintf(stderr, "offlinetube-api: %s\n", store_errmsg(db));
		return 1;
	}
	if (n == 0) {
		fprintf(stderr, "offlinetube-api: no active key named %s\n", name);
		return 1;
	}
	fprintf(stderr, "Key \"%s\" revoked: its subscriptions are paused, its "
	    "downloads under way or queued cancelled, its webhooks removed.\n",
	    name);
	/* Never 0.txt, the cookies of keys off. */
	if (known != 1 || k.id <= 0 ||
	    config_cookies_path(c, k.id, path, sizeof(path)) == -1)
		return 0;
	if (unlink(path) == 0)
		fprintf(stderr, "Its cookies (%s) are removed.\n", path);
	else if (errno != ENOENT) {
		fprintf(stderr, "offlinetube-api: its cookies %s: %s; remove the "
		    "file by hand\n", path, strerror(errno));
		return 1;
	}
	return 0;
}

/* argv starts after "key".  The new key goes to stdout, once; nothing else keeps it. */
int
keycmd_main(const struct config *c, int argc, char *argv[])
{
	struct store	*db;
	char		 err[512], key[128], prefix[AUTH_KEY_PREFIX_LEN + 1], hash[65];
	int		 admin = 0, rc = 1, n;

	if (argc < 1)
		return key_usage();
	if (sodium_init() < 0) {
		fprintf(stderr, "offlinetube-api: libsodium failed to initialise\n");
		return 1;
	}
	if ((db = store_open(c->db_path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "offlinetube-api: %s\n", err);
		return 1;
	}
	if (strcmp(argv[0], "add") == 0) {
		if (argc == 3 && strcmp(argv[1], "-a") == 0)
			admin = 1;
		else if (argc != 2) {
			rc = key_usage();
			goto done;
		}
		if (!name_ok(argv[argc - 1])) {
			fprintf(stderr, "offlinetube-api: a key name is 1 to 64 of "
			    "A-Z a-z 0-9 . _ - @\n");
			goto done;
		}
		if (auth_new_key(key, sizeof(key), prefix, hash) == -1)
			goto done;
		if ((n = store_key_insert(db, argv[argc - 1], prefix, hash, admin)) != 1) {
			fprintf(stderr, "offlinetube-api: %s\n", n == 0 ?
			    taken_why(db, argv[argc - 1]) : store_errmsg(db));
			goto done;
		}
		printf("%s\n", key);
		fprintf(stderr, "Key \"%s\" added%s. It is shown this once: keep it "
		    "now.\n", argv[argc - 1], admin ? " (admin)" : "");
		sodium_memzero(key, sizeof(key));
		rc = 0;
	} else if (strcmp(argv[0], "list") == 0 && argc == 1) {
		printf("%-24s %-14s %-6s %s\n", "NAME", "PREFIX", "ROLE", "CREATED");
		rc = store_key_list(db, print_key, NULL) == -1 ? 1 : 0;
	} else if (strcmp(argv[0], "revoke") == 0 && argc == 2)
		rc = key_revoke(c, db, argv[1]);
	else
		rc = key_usage();
done:
	store_close(db);
	return rc;
}
