/* util.h: small helpers both programs share: times, numbers, paths, text. */
#ifndef OT_UTIL_H
#define OT_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define ISO_TIME_LEN	21	/* "2026-11-22T08:00:00Z" plus NUL */

void		 util_iso_now(char buf[ISO_TIME_LEN]);
void		 util_iso_time(int64_t secs, char buf[ISO_TIME_LEN]);
int64_t		 util_now_ms(void);	/* monotonic milliseconds */
int		 util_strtonum(const char *s, long long min, long long max,
		    long long *out);
int		 util_path_join(char *buf, size_t len, const char *a,
		    const char *b);
int		 util_mkdir_p(const char *path, int mode);
int		 util_rm_rf(const char *path);
int		 util_is_uuid(const char *s);
int		 util_file_create(const char *dir, const char *name,
		    const void *data, size_t len, int mode);
int		 util_file_replace(const char *dir, const char *name,
		    const void *data, size_t len, int mode);
int		 util_file_copy(const char *src, const char *dst, int mode);
size_t		 util_utf8_len(const char *s, size_t max);
long long	 util_free_mb(const char *dir);
int		 util_thumb_path(const char *dir, const char *id, size_t i,
		    char *path, size_t len);
const char	*util_find_program(const char *name, char *buf, size_t len);
int		 util_thumb_find(const char *dir, const char *id, char *path,
		    size_t len);

#endif
