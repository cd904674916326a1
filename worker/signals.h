/* signals.h: the worker's signals as bytes in a pipe, and a child's clean slate after fork. */
#ifndef OT_SIGNALS_H
#define OT_SIGNALS_H

int	 signals_init(void);
int	 signals_fd(void);
void	 signals_child(void);

#endif
