/* msg.c: every fixed detail and message the API answers, and those nginx answers for it. */
/*
 * The texts of api.md's "Messages" table: the Spanish ones are the
 * contract's, kept word for word.  nginx answers some errors itself, from
 * its configuration, where no C can reach: those texts are here too, and
 * tests/unit/test_shape.c holds every detail written in nginx/ to this
 * table, so that one text never has two spellings.
 */
#include "msg.h"

const char *const msg_str[MSG__MAX] = {
	[MSG_TASK_NOT_FOUND] =		"Descarga no encontrada",
	[MSG_TASK_NOT_READY] =		"Descarga no disponible o no completada",
	[MSG_FILE_MISSING] =		"Archivo físico no encontrado",
	[MSG_FILE_NOT_FOUND] =		"Archivo no encontrado",
	[MSG_THUMBNAIL_NOT_FOUND] =	"Miniatura no encontrada",
	[MSG_SUBTITLES_NOT_FOUND] =	"Subtítulos no encontrados",
	[MSG_TASK_CANCELLED] =		"Descarga cancelada",
	[MSG_TASK_REMOVED] =		"Descarga eliminada",
	[MSG_TASK_ALREADY_COMPLETED] =	"Download already completed; use "
					"DELETE /api/downloads/{id}/remove to delete it",
	[MSG_TASK_STOPPING] =		"Download is still stopping; retry it in a moment",
	[MSG_NOT_FOUND] =		"Not Found",
	[MSG_METHOD_NOT_ALLOWED] =	"Method Not Allowed",
	[MSG_BODY_TOO_LARGE] =		"Request body too large (limit 64 KiB)",
	[MSG_BODY_SHORT] =		"Request body shorter than its Content-Length",
	[MSG_BODY_NOT_JSON_TYPE] =	"Content-Type must be application/json",
	[MSG_BODY_INVALID_JSON] =	"Invalid JSON body",
	[MSG_BODY_NOT_OBJECT] =		"Request body must be a JSON object",
	[MSG_KEY_REQUIRED] =		"API key required: send it as X-API-Key or "
					"Authorization: Bearer",
	[MSG_KEY_INVALID] =		"Invalid or revoked API key",
	[MSG_LINK_INVALID] =		"Invalid, expired or revoked link",
	[MSG_DATABASE_ERROR] =		"Database error",
	[MSG_INTERNAL_ERROR] =		"Internal error",
	[MSG_NAME_TOO_LONG] =		"File name too long",
	[MSG_SUB_NOT_FOUND] =		"Suscripción no encontrada",
	[MSG_SUB_DELETED] =		"Suscripción eliminada",
	[MSG_SUB_DISABLED] =		"The subscription is disabled; enable it "
					"first (PATCH with \"enabled\": true)",
	[MSG_BODY_NOT_TEXT_TYPE] =	"Content-Type must be text/plain (a "
					"Netscape cookies.txt file)",
	[MSG_COOKIES_TOO_LARGE] =	"Cookies file too large (limit 1 MiB)",
	[MSG_COOKIES_NONE] =		"No cookies are stored for this key",
	[MSG_COOKIES_REMOVED] =		"Cookies removed",
	[MSG_HOOK_NOT_FOUND] =		"Webhook no encontrado",
	[MSG_HOOK_DELETED] =		"Webhook eliminado",
	[MSG_HOOK_TEST_QUEUED] =	"Test notification queued",
	[MSG_ADMIN_REQUIRED] =		"An admin key is needed for this route",
	[MSG_BAD_REQUEST] =		"Bad Request",
	[MSG_URI_TOO_LONG] =		"Request URI too long",
	[MSG_HEADERS_TOO_LARGE] =	"Request headers too large",
	[MSG_HOST_UNKNOWN_RUN] =	"Unknown host name; add it to "
					"OFFLINETUBE_SERVER_NAMES",
	[MSG_HOST_UNKNOWN_DEPLOYED] =	"Unknown host name; add it to the host "
					"names in offlinetube-zones.conf",
	[MSG_RATE_LIMITED] =		"Too many requests; slow down and retry",
	[MSG_API_TIMED_OUT] =		"The API program did not answer in time",
	[MSG_API_DOWN] =		"The API program is not answering",
};
