/*  stictl_orgs: the org units as org.list answers them, so that a table
    can show a unit's name beside its code (临平区 beside linping).

    One org.list per command that needs it: the reply is kept and looked up
    by a walk, since a district has tens of units, not thousands.
*/
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "sti_catalog.h"
#include "stictl.h"

int stictl_orgs_get(stictl_t *ctl, stictl_orgs_t *orgs)
{
    assert(ctl && orgs);
    memset(orgs, 0, sizeof *orgs);
    sti_writer_t *request = stictl_request("org.list", NULL, 0);
    sti_writer_map(request, 0);
    int rc = stictl_call_ok(ctl, "sti.indicators", &request, &orgs->reply);
    if (rc == 0) {
        orgs->units = sti_node_get(orgs->reply.body, "orgs");
        orgs->held = true;
    }
    return rc;
}

void stictl_orgs_release(stictl_orgs_t *orgs)
{
    assert(orgs);
    if (orgs->held) {
        sti_reply_release(&orgs->reply);
        orgs->held = false;
    }
}

const char *stictl_orgs_name(const stictl_orgs_t *orgs, const char *code, char *buf, size_t cap)
{
    assert(orgs && code && buf && cap > 0);
    snprintf(buf, cap, "%s", code);
    for (size_t i = 0; orgs->held && i < sti_node_size(orgs->units); i++) {
        sti_node_t unit = sti_node_at(orgs->units, i);
        char seen[STI_CODE_MAX];
        if (strcmp(stictl_map_text(unit, "code", seen, sizeof seen), code) == 0) {
            sti_node_t name = sti_node_get(unit, "name_zh");
            if (sti_node_type(name) == STI_TYPE_STR) {
                stictl_node_text(name, buf, cap);
            }
            break;
        }
    }
    return buf;
}

const char *stictl_orgs_root(const stictl_orgs_t *orgs, char *buf, size_t cap)
{
    assert(orgs && buf && cap > 0);
    for (size_t i = 0; orgs->held && i < sti_node_size(orgs->units); i++) {
        sti_node_t unit = sti_node_at(orgs->units, i);
        if (sti_node_type(sti_node_get(unit, "parent")) == STI_TYPE_NIL) {
            return stictl_map_text(unit, "code", buf, cap);
        }
    }
    return NULL;
}
