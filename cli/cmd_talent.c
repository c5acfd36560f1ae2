/*  stictl talent: the talent registry (sti.talent) from the command line.

    Every answer of the service shows personal data masked, and so does
    everything this command prints (it only prints what the service says),
    except `reveal`, which an officer asks for with a reason that goes to the
    audit log. Records: add, show, update, leave, remove, search, stats, audit,
    reveal; the key: rekey (cmd_talent_rekey.c); files:
    import (.csv or .xlsx, per-row results like stictl ingest, exit 3 when a
    row was refused) and export (CSV, masked); teams: team add, show, update
    (cmd_talent_team.c). The flags of a record are the same for add, update
    and the columns of an import file.
*/
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd_talent.h"
#include "stictl.h"

const char stictl_talent_usage[] =
    "usage: stictl talent "
    "add|show|update|leave|remove|search|import|export|stats|audit|reveal|rekey|team ...\n"
    "\n"
    "  add --name NAME --id-type resident|passport|other --id-number N [--phone P]\n"
    "      [--email E] --category LEVEL --field FIELD [--employer NAME] [--uscc CODE]\n"
    "      --channel CHANNEL [--station NAME] [--overseas] --arrived YYYY-MM-DD\n"
    "      [--gender G] [--birth-year Y] [--notes TEXT]\n"
    "                         registers a talent; prints its registry id\n"
    "                         (--json: the masked record with id and version)\n"
    "  show ID                prints the record (personal data masked)\n"
    "  update ID --version V [any flag of add; --not-overseas]\n"
    "                         changes the fields given (a stale version is refused)\n"
    "  leave ID --date YYYY-MM-DD [--version V]   the talent has left\n"
    "  remove ID [--version V]  erases the talent (the audit log keeps the id)\n"
    "  search [--category C] [--field F] [--employer NAME] [--channel C]\n"
    "      [--overseas|--not-overseas] [--status active|left] [--name PREFIX]\n"
    "      [--limit N] [--cursor N] [--all]\n"
    "  import FILE.csv|FILE.xlsx  registers every row (a CSV in UTF-8 or GBK, an\n"
    "                         .xlsx's first sheet): columns name, id_type, id_number,\n"
    "                         category, field, channel, arrived (required) and phone,\n"
    "                         email, employer, uscc, station, overseas, gender,\n"
    "                         birth_year, notes; exit 3 when a row was refused, 2 when\n"
    "                         the file cannot be read or has no data rows\n"
    "  export [FILE.csv] [search filters]  every matching record as CSV, masked\n"
    "  stats                  counts by category, field, channel, overseas, year\n"
    "  audit ID               who read or changed the record, when, with which op\n"
    "  reveal ID --reason TEXT  the document number, phone and e-mail in clear\n"
    "                         (role officer over CURVE only; written to the audit log)\n"
    "  rekey [--limit N]      moves every record to the current key (admin), N a\n"
    "                         batch (default 100); exit 3 when some remain under old keys\n"
    "  team add --name NAME --leader ID [--member ID]... --field FIELD\n"
    "      [--employer NAME] [--uscc CODE]\n"
    "  team show ID\n"
    "  team update ID --version V [--name N] [--leader ID] [--member ID]... [--field F]\n";

//  Prints an ok reply's body as JSON, or the error. Returns the exit code.
static int s_print_json(const sti_reply_t *reply)
{
    if (!reply->ok) {
        return stictl_print_error(reply);
    }
    cJSON *json = stictl_json_from_node(reply->body);
    stictl_json_print(&json);
    return STICTL_OK;
}

int stictl_talent_call(stictl_t *ctl, sti_writer_t *request, sti_reply_t *reply)
{
    int rc = stictl_call(ctl, "sti.talent", request, reply);
    sti_writer_destroy(&request);
    return rc;
}

int stictl_talent_page(stictl_t *ctl, const char *op, sti_writer_t *filters, int pairs,
                       int64_t limit, int64_t cursor, sti_reply_t *reply)
{
    size_t size;
    const void *data = sti_writer_data(filters, &size);
    sti_writer_t *request = stictl_request(op, NULL, 0);
    sti_writer_map(request, (size_t)pairs + 1 + (cursor > 0));
    sti_writer_raw(request, data, size);
    sti_writer_kv_int(request, "limit", limit);
    if (cursor > 0) {
        sti_writer_kv_int(request, "cursor", cursor);
    }
    int rc = stictl_talent_call(ctl, request, reply);
    if (rc == 0 && !reply->ok) {
        rc = stictl_print_error(reply);
        rc = rc == STICTL_OK ? STICTL_FAILED : rc; // the reply is released below
        sti_reply_release(reply);
    }
    return rc;
}

//  Prints a record as "key: value" lines (nested maps as key.sub).
static void s_print_record(sti_node_t record, const char *prefix)
{
    for (size_t i = 0; i < sti_node_size(record); i++) {
        char key[64], value[2048], name[160];
        stictl_node_text(sti_node_key_at(record, i), key, sizeof key);
        snprintf(name, sizeof name, "%s%s", prefix, key);
        sti_node_t node = sti_node_value_at(record, i);
        if (sti_node_type(node) == STI_TYPE_MAP) {
            char sub[170];
            snprintf(sub, sizeof sub, "%s.", name);
            s_print_record(node, sub);
        } else if (sti_node_type(node) == STI_TYPE_ARRAY) {
            printf("%s:", name);
            for (size_t j = 0; j < sti_node_size(node); j++) {
                printf(" %s", stictl_node_text(sti_node_at(node, j), value, sizeof value));
            }
            printf("\n");
        } else {
            printf("%s: %s\n", name, stictl_node_text(node, value, sizeof value));
        }
    }
}

int stictl_talent_print(stictl_t *ctl, const sti_reply_t *reply)
{
    if (ctl->json || !reply->ok) {
        return s_print_json(reply);
    }
    s_print_record(reply->body, "");
    return STICTL_OK;
}

//  --- the record's flags ---

void stictl_talent_fields_write(const stictl_talent_fields_t *f, sti_writer_t *w)
{
    size_t pairs = 0;
    const char *texts[] = {"name",     f->name,     "gender",     f->gender,   "id_type",
                           f->id_type, "id_number", f->id_number, "phone",     f->phone,
                           "email",    f->email,    "category",   f->category, "field",
                           f->field,   "arrived",   f->arrived,   "notes",     f->notes};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i += 2) {
        pairs += texts[i + 1] != NULL;
    }
    pairs += (f->employer || f->uscc) + (f->channel != NULL) + (f->overseas >= 0) +
             (f->birth_year != NULL);
    sti_writer_map(w, pairs);
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i += 2) {
        if (texts[i + 1]) {
            sti_writer_kv_str(w, texts[i], texts[i + 1]);
        }
    }
    if (f->employer || f->uscc) {
        sti_writer_str(w, "employer");
        sti_writer_map(w, 1 + (f->uscc != NULL));
        sti_writer_kv_str(w, "name", f->employer ? f->employer : "");
        if (f->uscc) {
            sti_writer_kv_str(w, "uscc", f->uscc);
        }
    }
    if (f->channel) {
        sti_writer_str(w, "channel");
        sti_writer_map(w, 1 + (f->station != NULL));
        sti_writer_kv_str(w, "kind", f->channel);
        if (f->station) {
            sti_writer_kv_str(w, "station", f->station);
        }
    }
    if (f->overseas >= 0) {
        sti_writer_kv_bool(w, "overseas", f->overseas == 1);
    }
    if (f->birth_year) {
        //  A number when it is one, else the text, so the service names the problem.
        long long year;
        sti_writer_str(w, "birth_year");
        if (stictl_parse_int(f->birth_year, -1000000, 1000000, &year) == 0) {
            sti_writer_int(w, year);
        } else {
            sti_writer_str(w, f->birth_year);
        }
    }
}

//  Takes one record flag at argv[*i]. Returns 1 when taken, 0 when it is not
//  a record flag, -1 when its value is missing.
int stictl_talent_fields_flag(stictl_talent_fields_t *f, int argc, char **argv, int *i)
{
    static const struct {
        const char *flag;
        size_t offset;
    } s_flags[] = {
        {"--name", offsetof(stictl_talent_fields_t, name)},
        {"--gender", offsetof(stictl_talent_fields_t, gender)},
        {"--birth-year", offsetof(stictl_talent_fields_t, birth_year)},
        {"--id-type", offsetof(stictl_talent_fields_t, id_type)},
        {"--id-number", offsetof(stictl_talent_fields_t, id_number)},
        {"--phone", offsetof(stictl_talent_fields_t, phone)},
        {"--email", offsetof(stictl_talent_fields_t, email)},
        {"--category", offsetof(stictl_talent_fields_t, category)},
        {"--field", offsetof(stictl_talent_fields_t, field)},
        {"--employer", offsetof(stictl_talent_fields_t, employer)},
        {"--uscc", offsetof(stictl_talent_fields_t, uscc)},
        {"--channel", offsetof(stictl_talent_fields_t, channel)},
        {"--station", offsetof(stictl_talent_fields_t, station)},
        {"--arrived", offsetof(stictl_talent_fields_t, arrived)},
        {"--notes", offsetof(stictl_talent_fields_t, notes)},
    };
    if (strcmp(argv[*i], "--overseas") == 0 || strcmp(argv[*i], "--not-overseas") == 0) {
        f->overseas = argv[*i][2] == 'o';
        return 1;
    }
    for (size_t k = 0; k < sizeof s_flags / sizeof s_flags[0]; k++) {
        if (strcmp(argv[*i], s_flags[k].flag) == 0) {
            if (*i + 1 >= argc) {
                return -1;
            }
            *(const char **)((char *)f + s_flags[k].offset) = argv[++*i];
            return 1;
        }
    }
    return 0;
}

//  --- commands ---

//  A request whose body is {id: argv[1], ...more}: returns the writer after
//  the id pair (the caller writes `more` pairs), or NULL after a usage error.
static sti_writer_t *s_id_request(const char *op, int argc, char **argv, size_t more)
{
    if (argc < 2 || argv[1][0] == '-') {
        stictl_usage_error("talent", "%s: the registry id is missing", argv[0]);
        return NULL;
    }
    sti_writer_t *request = stictl_request(op, NULL, 0);
    sti_writer_map(request, 1 + more);
    sti_writer_kv_str(request, "id", argv[1]);
    return request;
}

static int s_add(stictl_t *ctl, int argc, char **argv)
{
    stictl_talent_fields_t fields = {.overseas = -1};
    for (int i = 1; i < argc; i++) {
        int taken = stictl_talent_fields_flag(&fields, argc, argv, &i);
        if (taken <= 0) {
            return stictl_usage_error("talent", "add: %s %s", argv[i],
                                      taken < 0 ? "needs a value" : "is not a flag of add");
        }
    }
    const char *missing = !fields.name        ? "--name"
                          : !fields.id_type   ? "--id-type"
                          : !fields.id_number ? "--id-number"
                          : !fields.category  ? "--category"
                          : !fields.field     ? "--field"
                          : !fields.channel   ? "--channel"
                          : !fields.arrived   ? "--arrived"
                                              : NULL;
    if (missing) {
        return stictl_usage_error("talent", "add: %s is required", missing);
    }
    sti_writer_t *request = stictl_request("talent.add", NULL, 0);
    stictl_talent_fields_write(&fields, request);
    sti_reply_t reply;
    int rc = stictl_talent_call(ctl, request, &reply);
    if (rc) {
        return rc;
    }
    char id[64];
    if (!reply.ok || ctl->json) {
        rc = s_print_json(&reply);
    } else {
        printf("%s\n", stictl_map_text(reply.body, "id", id, sizeof id));
    }
    sti_reply_release(&reply);
    return rc;
}

//  Prints audit entries: time (local), op, who, request, and the reason when given.
static void s_print_audit(sti_node_t entries)
{
    for (size_t i = 0; i < sti_node_size(entries); i++) {
        char time[48], op_text[64], who[80], req[160], reason[256];
        sti_node_t entry = sti_node_at(entries, i);
        printf("%s  %-14s %-12s %s", stictl_map_time(entry, "time", time, sizeof time),
               stictl_map_text(entry, "op", op_text, sizeof op_text),
               stictl_map_text(entry, "who", who, sizeof who),
               stictl_map_text(entry, "request", req, sizeof req));
        if (sti_node_type(sti_node_get(entry, "reason")) == STI_TYPE_STR) {
            printf("  reason: %s", stictl_map_text(entry, "reason", reason, sizeof reason));
        }
        printf("\n");
    }
}

//  show / remove / audit / reveal: one id (for remove an optional
//  --version, for reveal a --reason).
static int s_simple(stictl_t *ctl, int argc, char **argv, const char *op)
{
    long long version = 0;
    const char *reason = NULL;
    bool reveal = strcmp(op, "talent.reveal") == 0;
    for (int i = 2; i < argc; i++) {
        if (strcmp(op, "talent.remove") == 0 && strcmp(argv[i], "--version") == 0 && i + 1 < argc &&
            stictl_parse_int(argv[i + 1], 1, INT64_MAX, &version) == 0) {
            i++;
        } else if (reveal && strcmp(argv[i], "--reason") == 0 && i + 1 < argc) {
            reason = argv[++i];
        } else {
            return stictl_usage_error("talent", "%s: unexpected %s", argv[0], argv[i]);
        }
    }
    if (reveal && !reason) {
        return stictl_usage_error("talent",
                                  "reveal: --reason is missing (it goes to the audit log)");
    }
    sti_writer_t *request = s_id_request(op, argc, argv, version > 0 || reason);
    if (!request) {
        return STICTL_USAGE;
    }
    if (version > 0) {
        sti_writer_kv_int(request, "version", version);
    }
    if (reason) {
        sti_writer_kv_str(request, "reason", reason);
    }
    sti_reply_t reply;
    int rc = stictl_talent_call(ctl, request, &reply);
    if (rc) {
        return rc;
    }
    if (!reply.ok || ctl->json || strcmp(op, "talent.get") == 0 || reveal) {
        rc = stictl_talent_print(ctl, &reply);
    } else if (strcmp(op, "talent.remove") == 0) {
        printf("removed %s\n", argv[1]);
    } else {
        s_print_audit(sti_node_get(reply.body, "entries"));
    }
    sti_reply_release(&reply);
    return rc;
}

static int s_update(stictl_t *ctl, int argc, char **argv, bool leave)
{
    stictl_talent_fields_t fields = {.overseas = -1};
    long long version = 0;
    const char *date = NULL;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--version") == 0 && i + 1 < argc) {
            if (stictl_parse_int(argv[++i], 1, INT64_MAX, &version) != 0) {
                return stictl_usage_error("talent", "%s: --version must be 1 or more", argv[0]);
            }
        } else if (leave && strcmp(argv[i], "--date") == 0 && i + 1 < argc) {
            date = argv[++i];
        } else if (leave || stictl_talent_fields_flag(&fields, argc, argv, &i) <= 0) {
            return stictl_usage_error("talent", "%s: unexpected %s", argv[0], argv[i]);
        }
    }
    if ((!leave && !version) || (leave && !date)) {
        return stictl_usage_error("talent", "%s: %s is required", argv[0],
                                  leave ? "--date" : "--version");
    }
    sti_writer_t *request = s_id_request(leave ? "talent.leave" : "talent.update", argc, argv,
                                         leave ? 1 + (version > 0) : 2);
    if (!request) {
        return STICTL_USAGE;
    }
    if (version > 0) {
        sti_writer_kv_int(request, "version", version);
    }
    if (leave) {
        sti_writer_kv_str(request, "left_on", date);
    } else {
        sti_writer_str(request, "set");
        stictl_talent_fields_write(&fields, request);
    }
    sti_reply_t reply;
    int rc = stictl_talent_call(ctl, request, &reply);
    if (rc) {
        return rc;
    }
    char text[64];
    if (!reply.ok || ctl->json) {
        rc = s_print_json(&reply);
    } else {
        printf("%s version %s\n", argv[1],
               stictl_map_text(reply.body, "version", text, sizeof text));
    }
    sti_reply_release(&reply);
    return rc;
}

int stictl_talent_filters(int argc, char **argv, sti_writer_t *filters, long long *limit,
                          long long *cursor, bool *all, const char **path)
{
    static const char *const s_text[][2] = {{"--category", "category"}, {"--field", "field"},
                                            {"--employer", "employer"}, {"--channel", "channel"},
                                            {"--status", "status"},     {"--name", "name"}};
    int pairs = 0;
    for (int i = 1; i < argc; i++) {
        bool taken = false;
        for (size_t k = 0; k < sizeof s_text / sizeof s_text[0] && !taken; k++) {
            if (strcmp(argv[i], s_text[k][0]) == 0 && i + 1 < argc) {
                sti_writer_kv_str(filters, s_text[k][1], argv[++i]);
                pairs++;
                taken = true;
            }
        }
        if (taken) {
            continue;
        }
        if (strcmp(argv[i], "--overseas") == 0 || strcmp(argv[i], "--not-overseas") == 0) {
            sti_writer_kv_bool(filters, "overseas", argv[i][2] == 'o');
            pairs++;
        } else if (limit && strcmp(argv[i], "--limit") == 0 && i + 1 < argc) {
            if (stictl_parse_int(argv[++i], 1, 1000, limit) != 0) {
                stictl_usage_error("talent", "%s: --limit must be from 1 to 1000", argv[0]);
                return -1;
            }
        } else if (cursor && strcmp(argv[i], "--cursor") == 0 && i + 1 < argc) {
            if (stictl_parse_int(argv[++i], 0, INT64_MAX, cursor) != 0) {
                stictl_usage_error("talent", "%s: --cursor must be a next of a page", argv[0]);
                return -1;
            }
        } else if (all && strcmp(argv[i], "--all") == 0) {
            *all = true;
        } else if (path && !*path && argv[i][0] != '-') {
            *path = argv[i];
        } else {
            stictl_usage_error("talent", "%s: unexpected %s", argv[0], argv[i]);
            return -1;
        }
    }
    return pairs;
}

//  Prints one page of talents as a table.
static void s_print_page(sti_node_t talents)
{
    for (size_t i = 0; i < sti_node_size(talents); i++) {
        sti_node_t t = sti_node_at(talents, i);
        char id[40], name[160], category[40], field[40], arrived[16], status[16];
        stictl_map_text(t, "name", name, sizeof name);
        printf("%-9s ", stictl_map_text(t, "id", id, sizeof id));
        stictl_print_padded(stdout, stictl_text_fit(name, 20), 21);
        printf("%-11s %-20s %-10s %-6s %s\n",
               stictl_map_text(t, "category", category, sizeof category),
               stictl_map_text(t, "field", field, sizeof field),
               stictl_map_text(t, "arrived", arrived, sizeof arrived),
               stictl_map_text(t, "status", status, sizeof status),
               sti_node_type(sti_node_get(t, "overseas")) == STI_TYPE_BOOL &&
                       stictl_map_text(t, "overseas", id, sizeof id)[0] == 't'
                   ? "overseas"
                   : "");
    }
}

static int s_search(stictl_t *ctl, int argc, char **argv)
{
    sti_writer_t *filters = sti_writer_new();
    long long limit = 20, cursor = 0;
    bool all = false;
    int pairs = stictl_talent_filters(argc, argv, filters, &limit, &cursor, &all, NULL);
    int rc = pairs < 0 ? STICTL_USAGE : STICTL_OK;
    cJSON *found = ctl->json ? cJSON_CreateArray() : NULL;
    while (rc == STICTL_OK) {
        sti_reply_t reply;
        rc = stictl_talent_page(ctl, "talent.search", filters, pairs, limit > 100 ? 100 : limit,
                                cursor, &reply);
        if (rc != STICTL_OK) {
            break;
        }
        sti_node_t talents = sti_node_get(reply.body, "talents"),
                   next = sti_node_get(reply.body, "next");
        int64_t next_cursor = 0;
        sti_field_error_t err;
        if (sti_node_type(next) == STI_TYPE_INT) {
            sti_node_int(next, &next_cursor, &err);
        }
        if (found) {
            for (size_t i = 0; i < sti_node_size(talents); i++) {
                cJSON_AddItemToArray(found, stictl_json_from_node(sti_node_at(talents, i)));
            }
        } else {
            s_print_page(talents);
        }
        sti_reply_release(&reply);
        cursor = next_cursor;
        if (!next_cursor || !all) {
            if (next_cursor && !found) {
                printf("more: --cursor %lld\n", cursor);
            }
            break;
        }
    }
    if (found && rc == STICTL_OK) {
        cJSON *out = cJSON_CreateObject();
        cJSON_AddItemToObject(out, "talents", found);
        if (cursor) {
            cJSON_AddNumberToObject(out, "next", (double)cursor);
        } else {
            cJSON_AddNullToObject(out, "next");
        }
        stictl_json_print(&out);
    } else if (found) {
        cJSON_Delete(found);
    }
    sti_writer_destroy(&filters);
    return rc;
}

static int s_stats(stictl_t *ctl, int argc, char **argv)
{
    if (argc > 1) {
        return stictl_usage_error("talent", "stats: unexpected %s", argv[1]);
    }
    sti_writer_t *request = stictl_request("talent.stats", NULL, 0);
    sti_writer_map(request, 0);
    sti_reply_t reply;
    int rc = stictl_talent_call(ctl, request, &reply);
    if (rc) {
        return rc;
    }
    if (!reply.ok || ctl->json) {
        rc = s_print_json(&reply);
    } else {
        char total[32];
        printf("total: %s\n", stictl_map_text(reply.body, "total", total, sizeof total));
        for (size_t i = 0; i < sti_node_size(reply.body); i++) {
            sti_node_t group = sti_node_value_at(reply.body, i);
            if (sti_node_type(group) != STI_TYPE_MAP) {
                continue;
            }
            char name[32];
            printf("%s:", stictl_node_text(sti_node_key_at(reply.body, i), name, sizeof name));
            for (size_t j = 0; j < sti_node_size(group); j++) {
                char key[64], value[32];
                printf(" %s=%s", stictl_node_text(sti_node_key_at(group, j), key, sizeof key),
                       stictl_node_text(sti_node_value_at(group, j), value, sizeof value));
            }
            printf("\n");
        }
    }
    sti_reply_release(&reply);
    return rc;
}

int stictl_talent(stictl_t *ctl, int argc, char **argv)
{
    if (argc < 2) {
        return stictl_usage_error("talent", "a subcommand is missing");
    }
    const char *sub = argv[1];
    argc--;
    argv++;
    if (strcmp(sub, "add") == 0) {
        return s_add(ctl, argc, argv);
    } else if (strcmp(sub, "show") == 0) {
        return s_simple(ctl, argc, argv, "talent.get");
    } else if (strcmp(sub, "remove") == 0) {
        return s_simple(ctl, argc, argv, "talent.remove");
    } else if (strcmp(sub, "audit") == 0) {
        return s_simple(ctl, argc, argv, "talent.audit");
    } else if (strcmp(sub, "reveal") == 0) {
        return s_simple(ctl, argc, argv, "talent.reveal");
    } else if (strcmp(sub, "update") == 0) {
        return s_update(ctl, argc, argv, false);
    } else if (strcmp(sub, "leave") == 0) {
        return s_update(ctl, argc, argv, true);
    } else if (strcmp(sub, "search") == 0) {
        return s_search(ctl, argc, argv);
    } else if (strcmp(sub, "stats") == 0) {
        return s_stats(ctl, argc, argv);
    } else if (strcmp(sub, "import") == 0) {
        return stictl_talent_import(ctl, argc, argv);
    } else if (strcmp(sub, "export") == 0) {
        return stictl_talent_export(ctl, argc, argv);
    } else if (strcmp(sub, "team") == 0) {
        return stictl_talent_team(ctl, argc, argv);
    } else if (strcmp(sub, "rekey") == 0) {
        return stictl_talent_rekey(ctl, argc, argv);
    }
    return stictl_usage_error("talent", "unknown subcommand %s", sub);
}
