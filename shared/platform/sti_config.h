/*  sti_config: table-driven configuration (after Fluent Bit's config_map).

    A service describes its settings once, as a table of
    {name, type, default, offset, description}; sti_config_load() fills the
    service's context struct from, in rising priority: the defaults, an
    optional JSON file (--config FILE or STI_CONFIG), the environment
    (name "broker" is read from STI_BROKER), and command-line flags
    (--broker VALUE or --broker=VALUE). A key in the JSON file or a flag that
    is not in the table is an error, as is a value of the wrong type.
    --help prints the table.
*/
#pragma once
#include <stddef.h>
#include <stdio.h>

typedef enum {
    STI_CONFIG_STR,    // char * (owned by the context; sti_config_free frees it)
    STI_CONFIG_INT,    // int64_t
    STI_CONFIG_BOOL,   // bool: true/false/on/off/1/0/yes/no
    STI_CONFIG_DOUBLE, // double
} sti_config_type_t;

typedef struct {
    const char *name;          // lower_snake; env STI_<NAME>, flag --<name with - for _>
    sti_config_type_t type;
    const char *default_value; // as text; NULL for none (a NULL string)
    size_t offset;             // offsetof(context, field)
    const char *description;   // one line for --help
} sti_config_entry_t;

//  A table is an array of entries ended by one whose name is NULL.
//  Fills context. Returns 0; 1 when --help was asked (usage printed to stdout);
//  -1 with a reason in err. Arguments that are not flags are left in place:
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
//  Frees the strings the table put into context.
void sti_config_free(const sti_config_entry_t *map, void *context);
