// gzip (RFC 1952) with zlib: deflateInit2/inflateInit2 are macros Swift cannot import.
#include "CCurl.h"
#include <zlib.h>

size_t sluice_gzip_bound(size_t length) {
    // compressBound covers the zlib wrapper (6 bytes); gzip's header and trailer add 18.
    return compressBound((uLong)length) + 18;
}

int sluice_gzip_compress(const uint8_t *source, size_t sourceLength,
                         uint8_t *destination, size_t capacity, size_t *written) {
    z_stream stream = {0};
    // windowBits 15 + 16 selects the gzip wrapper; memLevel 8 is zlib's default.
    int code = deflateInit2(&stream, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    if (code != Z_OK) {
        return code;
    }
    stream.next_in = (Bytef *)source;
    stream.avail_in = (uInt)sourceLength;
    stream.next_out = destination;
    stream.avail_out = (uInt)capacity;
    code = deflate(&stream, Z_FINISH);
    *written = stream.total_out;
    deflateEnd(&stream);
    return code == Z_STREAM_END ? Z_OK : (code == Z_OK ? Z_BUF_ERROR : code);
}

int sluice_gzip_decompress(const uint8_t *source, size_t sourceLength,
                           uint8_t *destination, size_t capacity, size_t *written) {
    z_stream stream = {0};
    // windowBits 15 + 32 detects a gzip or zlib header automatically.
    int code = inflateInit2(&stream, 15 + 32);
    if (code != Z_OK) {
        return code;
    }
    stream.next_in = (Bytef *)source;
    stream.avail_in = (uInt)sourceLength;
    stream.next_out = destination;
    stream.avail_out = (uInt)capacity;
    code = inflate(&stream, Z_FINISH);
    *written = stream.total_out;
    inflateEnd(&stream);
    if (code == Z_STREAM_END) {
        return Z_OK;
    }
    return code == Z_OK || code == Z_BUF_ERROR ? Z_BUF_ERROR : code;
}
