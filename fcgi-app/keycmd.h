/* keycmd.h: `offlinetube-api key add|list|revoke`: managing API keys from the shell. */
#ifndef OT_KEYCMD_H
#define OT_KEYCMD_H

struct config;

int	 keycmd_main(const struct config *, int argc, char *argv[]);

#endif
