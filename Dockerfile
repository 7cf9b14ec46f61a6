# syntax=docker/dockerfile:1
#
# sluice container image: build with the Swift toolchain, run on debian:bookworm-slim.
#
#   docker build -t sluice .
#   docker run --rm -p 8080:8080 --memory 512m --stop-timeout 35 -v sluice-data:/var/lib/sluice sluice
#
# --stop-timeout: `docker stop` waits 10 s before SIGKILL by default, less than sluice's
# 25 s --shutdown-timeout; give it the shutdown timeout plus a margin so the drain and the
# final flush of the buffer to the sink always finish. deploy/README.md has the details.

# ---------------------------------------------------------------------------------------------
# Build stage. The tag pins the toolchain the project is developed and tested with (6.3.1) on
# the same Debian release as the runtime stage, so the binary links against the same glibc.
FROM swift:6.3.1-bookworm AS build

# zlib1g-dev: headers for the CZlib system library target (gzip request bodies); libnats-dev: the
# NATS C client (3.4) the JetStream sink links (CNATS). Not pinned to a Debian revision (hadolint
# DL3008): the base image tag already fixes the Debian release, and an exact revision disappears
# from the archive with the next security update, breaking the build.
# hadolint ignore=DL3008
RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get update -q \
    && apt-get install -y -q --no-install-recommends zlib1g-dev libnats-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /build

# Dependencies first, so a change to the sources does not fetch them again. Package.resolved is
# not committed (.gitignore); `Package.*` copies it when the context has one.
COPY Package.* ./
RUN swift package resolve

# SwiftPM checks every target's directory when it loads the manifest, the test targets' too.
COPY Sources ./Sources
COPY Tests ./Tests

# --static-swift-stdlib links the Swift runtime, Foundation(Essentials), Dispatch and
# BlocksRuntime into the executable. Swift's static-stdlib link line still takes these as
# shared libraries from the system: glibc (libc, libm; libdl and libpthread are part of libc
# since glibc 2.34), libstdc++ (-lstdc++ in static-stdlib-args.lnk) and libgcc_s (through
# libstdc++ and unwinding); the CZlib target adds libz and CNATS libnats (with libssl3 and
# libprotobuf-c1, its own dependencies). --strip-debug drops DWARF but keeps
# the symbol table, so `perf report` inside the container still shows function names.
RUN swift build -c release --product sluice --static-swift-stdlib \
    && install -D -m 0755 .build/release/sluice /out/sluice \
    && strip --strip-debug /out/sluice

# ---------------------------------------------------------------------------------------------
# Runtime stage. Most of what the binary needs is already in debian:bookworm-slim: libc6 and
# libgcc-s1 are Priority required, libstdc++6 is a dependency of apt and zlib1g a pre-dependency
# of dpkg, both part of every Debian base image. The one package installed is libnats3.4, the
# NATS C client's shared library (it brings libssl3 and libprotobuf-c1), which every sluice
# links (it is used only with --sink jetstream). The ldd check below fails the build if any of
# them is missing. No ca-certificates: the JetStream sink connects with nats:// (plain TCP, in
# the cluster network); add them to the image to use TLS. No curl: the health check uses bash's
# /dev/tcp (bash is Essential in Debian), which adds nothing to the image and no extra attack
# surface.
FROM debian:bookworm-slim

LABEL org.opencontainers.image.title="sluice" \
      org.opencontainers.image.description="Memory-predictable HTTP batch-processing service"

SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# hadolint ignore=DL3008
RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get update -q \
    && apt-get install -y -q --no-install-recommends libnats3.4 \
    && rm -rf /var/lib/apt/lists/*

# A fixed numeric uid/gid: Kubernetes' runAsNonRoot can only verify a numeric USER, and the
# volume's ownership (fsGroup, chown on the host) needs a stable id. The data directory is
# created and owned before VOLUME, so a fresh named or anonymous volume inherits the owner.
RUN groupadd --system --gid 10001 sluice \
    && useradd --system --uid 10001 --gid sluice --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin sluice \
    && install -d -o 10001 -g 10001 -m 0750 /var/lib/sluice

COPY --from=build /out/sluice /usr/local/bin/sluice

# Every shared library the binary asks for must resolve in this image; then it must start.
RUN ldd /usr/local/bin/sluice \
    && if ldd /usr/local/bin/sluice | grep -q 'not found'; then echo 'missing shared library' >&2; exit 1; fi \
    && /usr/local/bin/sluice --help > /dev/null

# Options come from the environment (SLUICE_<OPTION>), so `docker run -e` overrides any of them
# and arguments after the image name are appended flags (the command line wins over the env).
# The memory limit is left to the guard's cgroup detection: `docker run --memory 512m` sets the
# cgroup limit the guard reads; set SLUICE_MEMORY_LIMIT to override it (0 turns the guard off).
ENV SLUICE_HOST=0.0.0.0 \
    SLUICE_PORT=8080 \
    SLUICE_DATA_DIR=/var/lib/sluice \
    SLUICE_SHUTDOWN_TIMEOUT=25s

VOLUME ["/var/lib/sluice"]
EXPOSE 8080
USER 10001:10001

# GET /healthz over bash's /dev/tcp: connect, send the request, read the status line; healthy
# only on "HTTP/1.1 200". A refused connection, a timeout or any other status is unhealthy.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["/bin/bash", "-c", "exec 3<>\"/dev/tcp/127.0.0.1/${SLUICE_PORT:-8080}\" && printf 'GET /healthz HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && IFS= read -r -t 2 status <&3 && [[ $status == 'HTTP/1.1 200 '* ]]"]

# Exec form: sluice is PID 1 and receives SIGTERM itself (it installs its own handlers, so the
# kernel's PID-1 signal protection does not swallow it); it drains, flushes and exits 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/sluice"]
