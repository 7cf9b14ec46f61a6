// The JetStream ceiling without sluice: publishes COUNT messages shaped like the JetStream
// sink's (a 120-byte W1 sink record as payload, a Nats-Msg-Id header "<16 hex>-<n>", a reply
// subject "<inbox>.1.<n>" per message) to one stream on file storage, at most WINDOW awaiting
// their PubAck, the acks read on one synchronous subscription as the sink reads them. Prints
// messages/s and this process's CPU per message. Built and run by jetstream.sh (CEILING=1):
//
//   cc -O2 nats-ceiling.c -lnats -o nats-ceiling && ./nats-ceiling nats://127.0.0.1:4222 1000000 8192
#include <nats/nats.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double seconds_now(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec + now.tv_nsec / 1e9;
}

static double cpu_seconds(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

static int fail(const char *what, natsStatus status) {
    fprintf(stderr, "nats-ceiling: %s: %s\n", what, natsStatus_GetText(status));
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: nats-ceiling URL COUNT WINDOW\n");
        return 2;
    }
    const char *url = argv[1];
    long count = atol(argv[2]), window = atol(argv[3]);
    natsConnection *connection = NULL;
    natsOptions *options = NULL;
    natsStatus status = natsOptions_Create(&options);
    if (status == NATS_OK) status = natsOptions_SetURL(options, url);
    if (status == NATS_OK) status = natsOptions_SetIOBufSize(options, 256 << 10);
    if (status == NATS_OK) status = natsConnection_Connect(&connection, options);
    if (status != NATS_OK) return fail("connect", status);
    jsCtx *js = NULL;
    if ((status = natsConnection_JetStream(&js, connection, NULL)) != NATS_OK) return fail("JetStream context", status);
    jsStreamConfig config;
    jsStreamConfig_Init(&config);
    const char *subjects[] = {"ceiling.items"};
    config.Name = "CEILING";
    config.Subjects = subjects;
    config.SubjectsLen = 1;
    config.Storage = js_FileStorage;
    jsStreamInfo *info = NULL;
    jsErrCode code = 0;
    if ((status = js_AddStream(&info, js, &config, NULL, &code)) != NATS_OK) return fail("add stream", status);
    jsStreamInfo_Destroy(info);
    natsSubscription *acks = NULL;
    if ((status = natsConnection_SubscribeSync(&acks, connection, "_INBOX.ceiling.>")) != NATS_OK) return fail("subscribe", status);
    natsSubscription_SetPendingLimits(acks, -1, -1);

    const char *record = "{\"id\":\"item-42\",\"received_at\":\"2026-12-03T06:00:00.123456Z\","
                         "\"data\":{\"value\":42,\"name\":\"test\",\"active\":true},\"metadata\":[]}";
    int length = (int)strlen(record);
    char reply[64], id[64];
    long sent = 0, answered = 0, refused = 0;
    double start = seconds_now(), cpu_start = cpu_seconds();
    while (answered < count) {
        while (sent < count && sent - answered < window) {
            snprintf(reply, sizeof reply, "_INBOX.ceiling.1.%ld", sent);
            snprintf(id, sizeof id, "9f86d081884c7d65-%ld", sent);
            natsMsg *message = NULL;
            status = natsMsg_Create(&message, "ceiling.items", reply, record, length);
            if (status == NATS_OK) status = natsMsgHeader_Set(message, "Nats-Msg-Id", id);
            if (status == NATS_OK) status = natsConnection_PublishMsg(connection, message);
            natsMsg_Destroy(message);
            if (status != NATS_OK) return fail("publish", status);
            sent++;
        }
        natsMsg *ack = NULL;
        if ((status = natsSubscription_NextMsg(&ack, acks, 10000)) != NATS_OK) return fail("waiting for a PubAck", status);
        do {
            if (strstr(natsMsg_GetData(ack), "\"error\"") != NULL) refused++;
            natsMsg_Destroy(ack);
            ack = NULL;
            answered++;
        } while (natsSubscription_NextMsg(&ack, acks, 0) == NATS_OK);
    }
    double elapsed = seconds_now() - start, cpu = cpu_seconds() - cpu_start;
    printf("%ld messages acknowledged (%ld refused) in %.2f s: %.0f messages/s; client CPU %.2f us/message\n",
           answered, refused, elapsed, answered / elapsed, cpu / answered * 1e6);
    natsSubscription_Destroy(acks);
    jsCtx_Destroy(js);
    natsConnection_Destroy(connection);
    natsOptions_Destroy(options);
    return refused == 0 ? 0 : 1;
}
