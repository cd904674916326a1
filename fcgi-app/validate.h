/* validate.h: declared checks for request fields, run before any handler uses them. */
#ifndef OT_VALIDATE_H
#define OT_VALIDATE_H

#include <stddef.h>

struct config;
struct json_object;

/* A validator returns NULL when value is acceptable, else what is wrong with it. */
typedef const char *(*validator)(const char *value, struct json_object *body);

struct field {
	const char	*name;
	int		 required;
	const char	*def;		/* the value when absent (NULL: stays absent) */
	validator	 check;
};

/* The download fields of POST /api/download, which subscriptions take as well. */
enum { VD_TYPE, VD_QUALITY, VD_FORMAT_ID, VD_AUDIO_FORMAT, VD__MAX };
extern const struct field validate_download[VD__MAX];

int		 validate_fields(struct json_object *body, const struct field *,
		    size_t nfields, const char **values, char *detail,
		    size_t detaillen);

int		 validate_url_host(const struct config *, const char *field,
		    const char *url, char *detail, size_t detaillen);

const char	*validate_url(const char *, struct json_object *);
const char	*validate_download_type(const char *, struct json_object *);
const char	*validate_quality(const char *, struct json_object *);
const char	*validate_format_id(const char *, struct json_object *);
const char	*validate_audio_format(const char *, struct json_object *);
const char	*validate_sponsorblock(const char *, struct json_object *);

int		 validate_bool(struct json_object *body, const char *field,
		    int *value, char *detail, size_t detaillen);
int		 validate_subtitles(struct json_object *body, const char *field,
		    char *langs, char *detail, size_t detaillen);
int		 validate_subtitles_value(struct json_object *value,
		    const char *field, char *langs, char *detail,
		    size_t detaillen);

#endif
