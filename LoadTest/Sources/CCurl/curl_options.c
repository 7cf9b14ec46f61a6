// Non-variadic wrappers around curl's variadic setopt/getinfo, one per argument type.
#include "CCurl.h"

CURLcode sluice_easy_setopt_long(CURL *easy, CURLoption option, long value) {
    return curl_easy_setopt(easy, option, value);
}

CURLcode sluice_easy_setopt_off(CURL *easy, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(easy, option, value);
}

CURLcode sluice_easy_setopt_pointer(CURL *easy, CURLoption option, const void *value) {
    return curl_easy_setopt(easy, option, value);
}

CURLMcode sluice_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}

CURLcode sluice_easy_getinfo_long(CURL *easy, CURLINFO info, long *value) {
    return curl_easy_getinfo(easy, info, value);
}

CURLcode sluice_easy_set_write_callback(CURL *easy, curl_write_callback callback, void *context) {
    CURLcode code = curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, callback);
    return code == CURLE_OK ? curl_easy_setopt(easy, CURLOPT_WRITEDATA, context) : code;
}

CURLcode sluice_easy_set_private_index(CURL *easy, intptr_t index) {
    return curl_easy_setopt(easy, CURLOPT_PRIVATE, (void *)index);
}

intptr_t sluice_easy_private_index(CURL *easy) {
    void *value = NULL;
    if (curl_easy_getinfo(easy, CURLINFO_PRIVATE, &value) != CURLE_OK) {
        return -1;
    }
    return (intptr_t)value;
}

int sluice_easy_active_socket(CURL *easy) {
    curl_socket_t socket = CURL_SOCKET_BAD;
    if (curl_easy_getinfo(easy, CURLINFO_ACTIVESOCKET, &socket) != CURLE_OK) {
        return -1;
    }
    return socket == CURL_SOCKET_BAD ? -1 : (int)socket;
}

CURLcode sluice_message_result(const CURLMsg *message) {
    return message->data.result;
}
