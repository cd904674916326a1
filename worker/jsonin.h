/* jsonin.h: yt-dlp's JSON as it arrives: parsed a read at a time, its tree freed a slice at a time. */
#ifndef OT_JSONIN_H
#define OT_JSONIN_H

#include <stddef.h>

struct json_object;
struct jsonin;

struct jsonin		*jsonin_new(void);
int			 jsonin_feed(struct jsonin *, const char *, size_t);
struct json_object	*jsonin_root(struct jsonin *);
void			 jsonin_free(struct jsonin *);
int			 jsonin_sweep(size_t n);

#endif
