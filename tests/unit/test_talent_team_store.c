/*  Unit tests of talent_team_store on a throw-away redis-server: team ids,
    a team written and read back (members sorted), an add retried with its
    request id, an unknown talent, a stale version, a team that is not
    there. The talents are made up.
*/
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "talent_stack.h"
#include "talent_team_store.h"

static void test_teams(void **state)
{
    (void)state;
    talent_test_stack_t stack;
    talent_test_stack_up(&stack);
    talent_team_store_t *teams = talent_team_store_new(stack.redis);
    talent_actor_t actor = {"talent.add", "test", "req", NULL, NULL};
    char id[TALENT_REGISTRY_ID_MAX + 1], err[256], other[TALENT_REGISTRY_ID_MAX + 1];
    for (int n = 1; n <= 3; n++) {
        talent_record_t person = talent_test_person(n);
        char request[16];
        snprintf(request, sizeof request, "req-%d", n);
        actor.request = request;
        assert_int_equal(talent_store_add(stack.store, &person, &actor, id, err, sizeof err),
                         TALENT_STORE_OK);
    }
    sti_errcode_t code;
    const talent_codes_t *codes = talent_store_codes(stack.store, &code, err, sizeof err);

    talent_team_t team;
    memset(&team, 0, sizeof team);
    snprintf(team.name, sizeof team.name, "智能装备团队");
    snprintf(team.leader, sizeof team.leader, "T000001");
    snprintf(team.members[0], sizeof team.members[0], "T000003");
    snprintf(team.members[1], sizeof team.members[1], "T000002");
    team.member_count = 2;
    snprintf(team.field, sizeof team.field, "equipment");
    team.present =
        TALENT_TEAM_F_NAME | TALENT_TEAM_F_LEADER | TALENT_TEAM_F_MEMBERS | TALENT_TEAM_F_FIELD;
    int64_t version = 0;
    assert_int_equal(talent_team_store_next_id(teams, id, err, sizeof err), TALENT_TEAM_OK);
    assert_string_equal(id, "G000001");
    assert_int_equal(talent_team_store_write(teams, "add", id, 0, &team, "add-1", &version, other,
                                             err, sizeof err),
                     TALENT_TEAM_OK);
    assert_int_equal(version, 1);
    //  The same request again: the team it made.
    assert_int_equal(talent_team_store_write(teams, "add", "G000002", 0, &team, "add-1", &version,
                                             other, err, sizeof err),
                     TALENT_TEAM_REPLAYED);
    assert_string_equal(other, "G000001");

    talent_team_t back;
    assert_int_equal(
        talent_team_store_read(teams, codes, "G000001", &back, &version, err, sizeof err),
        TALENT_TEAM_OK);
    assert_string_equal(back.name, "智能装备团队");
    assert_string_equal(back.leader, "T000001");
    assert_int_equal(back.member_count, 2);
    assert_string_equal(back.members[0], "T000002"); // sorted
    assert_int_equal(
        talent_team_store_read(teams, codes, "G000009", &back, &version, err, sizeof err),
        TALENT_TEAM_MISSING);

    assert_int_equal(talent_team_store_write(teams, "update", "G000001", 5, &team, "", &version,
                                             other, err, sizeof err),
                     TALENT_TEAM_STALE);
    assert_string_equal(other, "1");
    assert_int_equal(talent_team_store_write(teams, "update", "G000009", 1, &team, "", &version,
                                             other, err, sizeof err),
                     TALENT_TEAM_MISSING);
    snprintf(team.members[1], sizeof team.members[1], "T000099");
    assert_int_equal(talent_team_store_write(teams, "update", "G000001", 1, &team, "", &version,
                                             other, err, sizeof err),
                     TALENT_TEAM_UNKNOWN);
    assert_string_equal(other, "T000099");

    talent_team_store_destroy(&teams);
    talent_team_store_destroy(&teams);
    talent_test_stack_down(&stack);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_teams),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
