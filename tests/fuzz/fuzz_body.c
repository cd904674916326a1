/* fuzz_body.c: a POST body through the JSON parser and the declared field checks. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <json-c/json.h>

#include "req.h"
#include "store.h"
#include "validate.h"

/* The same declarations POST /api/download uses, field for field. */
static const struct field fields[] = {
	{ "url", 1, NULL, validate_url },
	{ "download_type", 0, "video", validate_download_type },
	{ "quality", 0, "best", validate_quality },
	{ "format_id", 0, NULL, validate_format_id },
	{ "audio_format", 0, "m4a", validate_audio_format },
	{ "sponsorblock", 0, "off", validate_sponsorblock },
};
#define NFIELDS	(sizeof(fields) / sizeof(fields[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct json_object	*o;
	const char		*detail, *v[NFIELDS];
	char			 why[256], langs[STORE_SUBTITLES_LEN];
	size_t			 i, n, count;
	int			 embed;

	if ((o = req_parse_json((const char *)data, len, &detail)) == NULL)
		return 0;
	if (validate_bool(o, "embed_metadata", &embed, why, sizeof(why)) == 0 &&
	    embed != 0 && embed != 1)
		__builtin_trap();
	/*
	 * Subtitles that pass are what the store, the record's JSON and the
	 * file names rely on: at most 8 codes of 2 to 16 of A-Z a-z 0-9 '-',
	 * comma-separated.
	 */
	if (validate_subtitles(o, "subtitles", langs, why, sizeof(why)) == 0) {
		if (strlen(langs) >= sizeof(langs))
			__builtin_trap();
		for (i = 0, count = 0; langs[i] != '\0'; i += n + (langs[i + n] == ',')) {
			n = strcspn(langs + i, ",");
			if (n < 2 || n > 16 || ++count > 8 ||
			    strspn(langs + i, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "abcdefghijklmnopqrstuvwxyz0123456789-") != n)
				__builtin_trap();
		}
	}
	if (validate_fields(o, fields, NFIELDS, v, why, sizeof(why)) == 0) {
		/* What passed must be what the checks promise downstream. */
		if (v[0] == NULL || v[0][0] == '-' || strlen(v[0]) > 2048)
			__builtin_trap();
		for (i = 0; v[0][i] != '\0'; i++)
			if ((unsigned char)v[0][i] <= 0x20)
				__builtin_trap();
		if (strcmp(v[5], "off") != 0 && strcmp(v[5], "mark") != 0 &&
		    strcmp(v[5], "remove") != 0)
			__builtin_trap();
	}
	json_object_put(o);
	return 0;
}
