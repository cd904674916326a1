/* privdrop.h: never serve as root: switch to OFFLINETUBE_USER first, or refuse. */
#ifndef OT_PRIVDROP_H
#define OT_PRIVDROP_H

#include <stddef.h>

struct config;

void	 privdrop_umask(void);
int	 privdrop(const struct config *, char *err, size_t errlen);

#endif
