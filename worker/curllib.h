/* curllib.h: libcurl's functions, loaded at the first webhook delivery. */
#ifndef OT_CURLLIB_H
#define OT_CURLLIB_H

#include <stddef.h>

#include <curl/curl.h>

/*
 * Every libcurl function notify.c calls, as X(member, symbol).  Each member
 * is a pointer of the function's own type (curl.h's declaration), so a
 * wrong argument count is still a compile error.  The members drop the
 * "curl_" prefix: curl.h makes curl_easy_setopt and curl_easy_getinfo
 * type-checking macros, which would swallow a member of the same name.
 */
#define CURLLIB_FUNCTIONS(X)						\
	X(easy_cleanup, curl_easy_cleanup)				\
	X(easy_getinfo, curl_easy_getinfo)				\
	X(easy_init, curl_easy_init)					\
	X(easy_setopt, curl_easy_setopt)				\
	X(easy_strerror, curl_easy_strerror)				\
	X(global_cleanup, curl_global_cleanup)				\
	X(global_init, curl_global_init)				\
	X(multi_add_handle, curl_multi_add_handle)			\
	X(multi_cleanup, curl_multi_cleanup)				\
	X(multi_fdset, curl_multi_fdset)				\
	X(multi_info_read, curl_multi_info_read)			\
	X(multi_init, curl_multi_init)					\
	X(multi_perform, curl_multi_perform)				\
	X(multi_remove_handle, curl_multi_remove_handle)		\
	X(slist_append, curl_slist_append)				\
	X(slist_free_all, curl_slist_free_all)

struct curllib {
#define CURLLIB_MEMBER(m, f)	__typeof__(f) *m;
	CURLLIB_FUNCTIONS(CURLLIB_MEMBER)
#undef CURLLIB_MEMBER
};

/* Filled by curllib_load(); read only after it succeeded. */
extern struct curllib	curllib;

int	curllib_load(char *err, size_t errlen);

#endif
