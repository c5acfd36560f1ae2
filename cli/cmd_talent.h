/*  cmd_talent: what the files of `stictl talent` share (cmd_talent.c: the
    record commands; cmd_talent_io.c: import and export; cmd_talent_team.c:
    teams; cmd_talent_rekey.c: re-keying).
*/
#pragma once
#include "stictl.h"

//  The fields of a record as flags or CSV columns give them (NULL: not given).
typedef struct {
    const char *name;       // --name
    const char *gender;     // --gender
    const char *birth_year; // --birth-year (text; sent as a number when it is one)
    const char *id_type;    // --id-type
    const char *id_number;  // --id-number
    const char *phone;      // --phone
    const char *email;      // --email
    const char *category;   // --category
    const char *field;      // --field
    const char *employer;   // --employer
    const char *uscc;       // --uscc
    const char *channel;    // --channel
    const char *station;    // --station
    const char *arrived;    // --arrived
    const char *notes;      // --notes
    int overseas;           // -1 not given, 0 --not-overseas, 1 --overseas
} stictl_talent_fields_t;

//  Writes the fields given as the record map sti.talent reads.
void stictl_talent_fields_write(const stictl_talent_fields_t *fields, sti_writer_t *writer);
//  Takes one record flag at argv[*i] (advancing *i past its value). Returns
//  1 when taken, 0 when it is not a record flag, -1 when its value is missing.
int stictl_talent_fields_flag(stictl_talent_fields_t *fields, int argc, char **argv, int *i);
//  Sends request (destroyed) to sti.talent. Returns 0 when a reply came in
//  *reply (release it), else the exit code after printing why (stictl_call).
int stictl_talent_call(stictl_t *ctl, sti_writer_t *request, sti_reply_t *reply);
//  Asks op (talent.search or talent.export) for one page: the encoded
//  filters (pairs entries, as stictl_talent_filters wrote them), limit, and
//  cursor (0: the first page). Returns STICTL_OK with an ok reply the caller
//  releases, or the exit code after printing what failed.
int stictl_talent_page(stictl_t *ctl, const char *op, sti_writer_t *filters, int pairs,
                       int64_t limit, int64_t cursor, sti_reply_t *reply);
//  Prints a record reply (text, or JSON with --json) or the error. Returns the exit code.
int stictl_talent_print(stictl_t *ctl, const sti_reply_t *reply);

int stictl_talent_import(stictl_t *ctl, int argc, char **argv);
int stictl_talent_export(stictl_t *ctl, int argc, char **argv);
int stictl_talent_team(stictl_t *ctl, int argc, char **argv);
//  stictl talent rekey [--limit N] (cmd_talent_rekey.c).
int stictl_talent_rekey(stictl_t *ctl, int argc, char **argv);
//  Reads the search filters of argv (from index 1) into a writer as the
//  body map of talent.search / talent.export, without cursor and limit.
//  Returns the number of pairs written into filters, or -1 after a usage
//  error (printed); *limit and *cursor (may be NULL) take --limit / --cursor,
//  *all --all, *path the one positional argument (may be NULL: none allowed).
int stictl_talent_filters(int argc, char **argv, sti_writer_t *filters, long long *limit,
                          long long *cursor, bool *all, const char **path);
