/* dbwatch.h: wakes the worker's loop when anything commits to the database. */
#ifndef OT_DBWATCH_H
#define OT_DBWATCH_H

int	 dbwatch_open(const char *db_path);
void	 dbwatch_drain(int fd);

#endif
