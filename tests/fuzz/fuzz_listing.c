/* fuzz_listing.c: a subscription check's -J listing (any JSON) read into entries and judged by the filters. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <json-c/json.h>

#include "resolve.h"
#include "store.h"
#include "subfilter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

/*
 * Whatever the JSON, the listing holds at most max entries, each with a key
 * and a URL a task may hold, and the filters judge every one of them.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct json_tokener	*tok;
	struct json_object	*o;
	struct subscription	 u;
	struct subfilter	 f;
	struct listing		 l;
	char			 err[128];
	size_t			 i;

	if (len > (1 << 20) || (tok = json_tokener_new()) == NULL)
		return 0;
	o = json_tokener_parse_ex(tok, (const char *)data, (int)len);
	json_tokener_free(tok);
	memset(&u, 0, sizeof(u));
	memcpy(u.title_include, "^(a|b)", 7);
	u.min_duration = 10;
	u.max_duration = 3600;
	u.skip_live = 1;
	if (resolve_listing(o, "https://e.com/c", 500, &l, err, sizeof(err)) == 0 &&
	    subfilter_init(&f, &u, err, sizeof(err)) == 0) {
		if (l.n > 500)
			__builtin_trap();
		for (i = 0; i < l.n; i++) {
			if (l.entries[i].key[0] == '\0' || l.entries[i].url[0] == '\0')
				__builtin_trap();
			(void)subfilter_judge(&f, &l.entries[i]);
		}
		subfilter_free(&f);
	}
	resolve_listing_free(&l);
	json_object_put(o);
	return 0;
}
