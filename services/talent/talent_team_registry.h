/*  talent_team_registry: the team ops of sti.talent: team.add, team.get and
    team.update (docs/ops.md, section sti.talent; docs/talent.md, "Teams").

    A team is a name, a leader and members (registered talents), a field
    code and an optional employer (talent_team decodes and checks it); the
    store (talent_team_store) checks that the talents are registered in the
    same step as it writes. A team holds no personal data, so its reads are
    not audited. team.add is applied once per request id: the same request
    again is answered with the team it made, as it is now.
*/
#pragma once
#include "sti_service.h"
#include "talent_store.h"
#include "talent_team_store.h"

typedef struct _talent_team_registry_t talent_team_registry_t;

//  The team ops on borrowed stores (they outlive them): store for the
//  codes, teams for the teams. Returns a new object the caller destroys.
talent_team_registry_t *talent_team_registry_new(talent_store_t *store, talent_team_store_t *teams);
void talent_team_registry_destroy(talent_team_registry_t **self_p);

//  The ops, bound to a talent_team_registry_t.
extern const sti_op_table_t talent_team_registry_ops;
