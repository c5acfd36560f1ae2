/*  stictl talent team add|show|update: teams of talents (team.add,
    team.get, team.update of sti.talent).
*/
#include <stdio.h>
#include <string.h>

#include "cmd_talent.h"

#define S_MEMBERS_MAX 100 // members a team may list

//  A team as its flags give it (NULL: not given).
typedef struct {
    const char *name;                   // --name
    const char *leader;                 // --leader
    const char *members[S_MEMBERS_MAX]; // --member, repeated
    size_t member_count;                // members given
    bool members_given;                 // some --member was given
    const char *field;                  // --field
    const char *employer;               // --employer
    const char *uscc;                   // --uscc
    long long version;                  // --version (update)
} s_team_t;

//  Reads the flags from argv[first]. Returns 0, or STICTL_USAGE after printing why.
static int s_flags(int argc, char **argv, int first, s_team_t *team)
{
    for (int i = first; i < argc; i++) {
        const char **slot = strcmp(argv[i], "--name") == 0       ? &team->name
                            : strcmp(argv[i], "--leader") == 0   ? &team->leader
                            : strcmp(argv[i], "--field") == 0    ? &team->field
                            : strcmp(argv[i], "--employer") == 0 ? &team->employer
                            : strcmp(argv[i], "--uscc") == 0     ? &team->uscc
                                                                 : NULL;
        if (i + 1 >= argc) {
            return stictl_usage_error("talent", "team %s: %s needs a value", argv[0], argv[i]);
        }
        if (slot) {
            *slot = argv[++i];
        } else if (strcmp(argv[i], "--member") == 0 && team->member_count < S_MEMBERS_MAX) {
            team->members[team->member_count++] = argv[++i];
            team->members_given = true;
        } else if (strcmp(argv[i], "--version") == 0 &&
                   stictl_parse_int(argv[i + 1], 1, INT64_MAX, &team->version) == 0) {
            i++;
        } else {
            return stictl_usage_error("talent", "team %s: unexpected %s", argv[0], argv[i]);
        }
    }
    return 0;
}

//  Writes the team map of the flags given.
static void s_write(const s_team_t *team, sti_writer_t *w)
{
    size_t pairs = (team->name != NULL) + (team->leader != NULL) + team->members_given +
                   (team->field != NULL) + (team->employer || team->uscc);
    sti_writer_map(w, pairs);
    if (team->name) {
        sti_writer_kv_str(w, "name", team->name);
    }
    if (team->leader) {
        sti_writer_kv_str(w, "leader", team->leader);
    }
    if (team->members_given) {
        sti_writer_str(w, "members");
        sti_writer_array(w, team->member_count);
        for (size_t i = 0; i < team->member_count; i++) {
            sti_writer_str(w, team->members[i]);
        }
    }
    if (team->field) {
        sti_writer_kv_str(w, "field", team->field);
    }
    if (team->employer || team->uscc) {
        sti_writer_str(w, "employer");
        sti_writer_map(w, 1 + (team->uscc != NULL));
        sti_writer_kv_str(w, "name", team->employer ? team->employer : "");
        if (team->uscc) {
            sti_writer_kv_str(w, "uscc", team->uscc);
        }
    }
}

int stictl_talent_team(stictl_t *ctl, int argc, char **argv)
{
    if (argc < 2) {
        return stictl_usage_error("talent", "team: add, show or update");
    }
    const char *sub = argv[1];
    s_team_t team = {0};
    sti_writer_t *request = NULL;
    bool has_id = strcmp(sub, "show") == 0 || strcmp(sub, "update") == 0;
    if (has_id && (argc < 3 || argv[2][0] == '-')) {
        return stictl_usage_error("talent", "team %s: the team id is missing", sub);
    }
    if (strcmp(sub, "add") == 0 || strcmp(sub, "update") == 0) {
        int rc = s_flags(argc - 1, argv + 1, has_id ? 2 : 1, &team);
        if (rc) {
            return rc;
        }
    }
    if (strcmp(sub, "add") == 0) {
        if (!team.name || !team.leader || !team.field) {
            return stictl_usage_error("talent",
                                      "team add: --name, --leader and --field are required");
        }
        request = stictl_request("team.add", NULL, 0);
        s_write(&team, request);
    } else if (strcmp(sub, "show") == 0) {
        if (argc > 3) {
            return stictl_usage_error("talent", "team show: unexpected %s", argv[3]);
        }
        request = stictl_request("team.get", NULL, 0);
        sti_writer_map(request, 1);
        sti_writer_kv_str(request, "id", argv[2]);
    } else if (strcmp(sub, "update") == 0) {
        if (!team.version) {
            return stictl_usage_error("talent", "team update: --version is required");
        }
        request = stictl_request("team.update", NULL, 0);
        sti_writer_map(request, 3);
        sti_writer_kv_str(request, "id", argv[2]);
        sti_writer_kv_int(request, "version", team.version);
        sti_writer_str(request, "set");
        s_write(&team, request);
    } else {
        return stictl_usage_error("talent", "team: unknown subcommand %s", sub);
    }
    sti_reply_t reply;
    int rc = stictl_talent_call(ctl, request, &reply);
    if (rc) {
        return rc;
    }
    char id[64];
    if (strcmp(sub, "add") == 0 && reply.ok && !ctl->json) {
        printf("%s\n", stictl_map_text(reply.body, "id", id, sizeof id));
    } else {
        rc = stictl_talent_print(ctl, &reply);
    }
    sti_reply_release(&reply);
    return rc;
}
