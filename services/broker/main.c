/*  sti-broker: parse the configuration, start the broker, wait for SIGTERM
    or SIGINT, stop it, exit 0. Everything else is in broker.c.
*/
#include <stdio.h>

#include "broker.h"
#include "sti_log.h"

int main(int argc, char **argv)
{
    broker_config_t config;
    char err[512];
    int rc = sti_config_load(broker_config_map, &config, &argc, argv, err, sizeof(err));
    if (rc == 1) {
        sti_config_free(broker_config_map, &config); // --help or --describe-config
        return 0;
    }
    if (rc == 0 && argc > 1) {
        snprintf(err, sizeof(err), "unexpected argument '%s'", argv[1]);
        rc = -1;
    }
    sti_log_level_t level = STI_LOG_INFO;
    if (rc == 0 && sti_log_level_parse(config.log_level, &level) != 0) {
        snprintf(err, sizeof(err), "log_level must be debug, info, warn or error");
        rc = -1;
    }
    if (rc == 0) {
        rc = broker_config_check(&config, err, sizeof(err));
    }
    if (rc != 0) {
        fprintf(stderr, "sti-broker: %s\n", err);
        sti_config_free(broker_config_map, &config);
        return 2;
    }
    sti_log_init("sti-broker", level);
    broker_t *broker = broker_new(&config, err, sizeof(err));
    if (!broker) {
        sti_error("cannot start: %s", err);
        sti_config_free(broker_config_map, &config);
        return 1;
    }
    //  The signal may land on any thread, so wake up now and then to look.
    zpoller_t *poller = zpoller_new(NULL);
    while (!zsys_interrupted) {
        zpoller_wait(poller, 200);
    }
    zpoller_destroy(&poller);
    sti_info("stopping");
    broker_destroy(&broker);
    sti_config_free(broker_config_map, &config);
    return 0;
}
