/*  sti_config: table-driven configuration (after Fluent Bit's config_map).

    A service describes its settings once, as a table of
    {name, type, default, offset, description}; sti_config_load() fills the
    service's context struct from, in rising priority: the defaults, an
    optional JSON file (--config FILE or STI_CONFIG), the environment
    (name "broker" is read from STI_BROKER), and command-line flags
    (--broker VALUE or --broker=VALUE). A key in the JSON file or a flag that
    is not in the table is an error, as is a value of the wrong type.

    A number, a duration or a size has its allowed range in the table, and
    a value outside it, or one that does not read, is refused with a message
    naming the setting, the value, where it came from and the range:

      senders is 0 (flag --senders); it must be from 1 to 64
      block_ms is '5 s' (STI_BLOCK_MS): not a duration: write 500ms, 2s, 1m,
          1h or 1d (a bare number counts milliseconds); it must be from 0 to 1m

    never clamped. --help prints the table with every type and range;
    --describe-config prints it as JSON (docs/settings.md is made from it).
*/
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum {
    STI_CONFIG_STR,        // char * (owned by the context; sti_config_free frees it)
    STI_CONFIG_INT,        // int64_t
    STI_CONFIG_BOOL,       // bool: true/false/on/off/1/0/yes/no
    STI_CONFIG_DOUBLE,     // double
    STI_CONFIG_DURATION,   // int64_t milliseconds: 500ms, 2s, 1m, 1h, 1d; a bare number is ms
    STI_CONFIG_DURATION_S, // int64_t seconds: the same units, whole seconds; a bare number is s
    STI_CONFIG_SIZE,       // int64_t bytes: 512KiB, 16MiB, 1GiB; a bare number is bytes
} sti_config_type_t;

typedef struct {
    const char *name;          // lower_snake; env STI_<NAME>, flag --<name with - for _>
    sti_config_type_t type;    // what the value is, and the field's C type
    const char *default_value; // as text; NULL for none (a NULL string)
    size_t offset;             // offsetof(context, field)
    const char *description;   // one line for --help
    int64_t min, max; // allowed range, in the field's unit; {0, 0}: any (not for STR, BOOL)
} sti_config_entry_t;

#define STI_CONFIG_END                                                                             \
    {                                                                                              \
        NULL, 0, NULL, 0, NULL, 0, 0                                                               \
    }

//  A table is an array of entries ended by one whose name is NULL
//  (STI_CONFIG_END). Fills context. Returns 0; 1 when --help or
//  --describe-config was asked (the usage, or the tables as JSON, printed
//  to stdout); -1 with a reason in err. Arguments that are not flags are left in place:
//  *argc_p / argv are compacted to the program name and the positional args.
int sti_config_load(const sti_config_entry_t *map, void *context, int *argc_p, char **argv,
                    char *err, size_t errlen);
void sti_config_usage(const sti_config_entry_t *map, const char *program, FILE *out);

//  Several tables filling several contexts in one load: a flag or JSON key is
//  looked up in each table in turn and is unknown only when no table has it.
//  Same returns as sti_config_load; --help prints every table.
typedef struct {
    const sti_config_entry_t *map; // table ended by a NULL name
    void *context;                 // the struct its offsets point into
} sti_config_part_t;

int sti_config_load_parts(const sti_config_part_t *parts, size_t count, int *argc_p, char **argv,
                          char *err, size_t errlen);
void sti_config_usage_parts(const sti_config_part_t *parts, size_t count, const char *program,
                            FILE *out);
//  Writes the tables as JSON: {program, settings: [{name, flag, env, type,
//  default, min?, max?, range?, description}]}, min and max in the field's
//  unit, range as --help words it ("1s to 1h").
void sti_config_describe_parts(const sti_config_part_t *parts, size_t count, const char *program,
                               FILE *out);
//  Frees the strings the table put into context.
void sti_config_free(const sti_config_entry_t *map, void *context);
