/*  The plan the unit tests load: data/plans/linping-2021-2025 of the source
    tree, found from where this header is (header only, so it needs no
    target of its own).
*/
#pragma once
#include <stdio.h>
#include <string.h>

//  The plan directory's path (a static buffer).
static inline const char *test_plan_dir(void)
{
    static char dir[4096];
    const char *here = __FILE__;
    const char *tail = strstr(here, "tests/unit/");
    snprintf(dir, sizeof dir, "%.*sdata/plans/linping-2021-2025", tail ? (int)(tail - here) : 0,
             here);
    return dir;
}
