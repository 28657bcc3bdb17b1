/* virtwire.c -- the `virtwire` command line: dispatches to a subcommand. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "fuzz_campaign.h"
#include "fuzz_targets.h"

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    { "decode", vw_cmd_decode, "decode a captured byte stream and check every message" },
    { "serve", vw_cmd_serve, "run a reference server (openhook, openhook-xdr, qemud)" },
    { "replay", vw_cmd_replay, "run conformance transcripts against a server" },
    { "record", vw_cmd_record, "relay one client to a server and write a transcript" },
    { "fuzz", vw_cmd_fuzz, "time-boxed fuzzing campaigns, crash de-duplication, a table" },
    { "reproduce", vw_cmd_reproduce, "run a fuzz input in the sanitizer build, dump it, file it" },
};

static void usage(FILE *f) {
    fputs("usage: virtwire COMMAND [ARGS]\n\ncommands:\n", f);
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    }
    fputs("\n`virtwire COMMAND --help` describes a command.\n", f);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        puts("virtwire " VW_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[1], commands[i].name) == 0) {
            return commands[i].run(argc - 1, argv + 1);
        }
    }
    fprintf(stderr, "virtwire: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
