/* cmd.h -- the `virtwire` subcommands; each takes argv starting at its own name. */
#ifndef VW_CMD_H
#define VW_CMD_H

int vw_cmd_decode(int argc, char **argv);
int vw_cmd_serve(int argc, char **argv);
int vw_cmd_replay(int argc, char **argv);
int vw_cmd_record(int argc, char **argv);

#endif
