// The write callback: keeps the first bytes of a response body and counts the rest.
#include "CCurl.h"
#include <string.h>

static size_t sluice_sink_write(char *data, size_t size, size_t count, void *userp) {
    sluice_response_sink *sink = userp;
    size_t length = size * count;
    size_t room = sizeof(sink->bytes) - sink->length;
    size_t kept = length < room ? length : room;
    if (kept > 0) {
        memcpy(sink->bytes + sink->length, data, kept);
        sink->length += kept;
    }
    sink->totalLength += length;
    return length; // always consume: a short return would abort the transfer
}

CURLcode sluice_easy_capture_body(CURL *easy, sluice_response_sink *sink) {
    CURLcode code = curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, sluice_sink_write);
    if (code != CURLE_OK) {
        return code;
    }
    return curl_easy_setopt(easy, CURLOPT_WRITEDATA, sink);
}
