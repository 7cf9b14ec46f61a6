// The NATS C client (Debian's libnats-dev): connections, core publish/subscribe, JetStream.
#include <nats/nats.h>
