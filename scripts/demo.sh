#!/usr/bin/env bash
# `make demo`: the whole install-code route on the embedded default, from an empty deployment to
# the SLA report, with the `ssi` command line, and each channel a party may choose (a webhook, its
# contact list's email, an inbox it pulls); everything it starts is stopped at the end. The
# services' log is removed with everything else on success, and kept on failure (its tail goes to
# stderr, with where the whole of it is). Each wait is bounded by WAIT_SECONDS (default 60): on a
# loaded machine starting both services alone takes 5-15 s.
set -euo pipefail
cd "$(dirname "$0")/.."

SSI=.venv/bin/ssi
PY=.venv/bin/python
export SSI_ENV=development
WAIT_SECONDS=${WAIT_SECONDS:-60}
SSI_DATA_DIR=$(mktemp -d -t ssi-demo-XXXXXX)
export SSI_DATA_DIR
LOG=$(mktemp -t ssi-demo-XXXXXX.log)  # outside the data directory, so it can outlive it
free_port() { $PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
INCIDENT_API_PORT=$(free_port) NOTIFIER_PORT=$(free_port) PORTAL_PORT=$(free_port)
export INCIDENT_API_PORT NOTIFIER_PORT PORTAL_PORT
export SSI_API_URL=http://127.0.0.1:$INCIDENT_API_PORT SSI_NOTIFIER_URL=http://127.0.0.1:$NOTIFIER_PORT
DEVICE=00-DB-12-34-56-78-90-A0

cleanup() {
  local status=$? jobs; jobs=$(jobs -p)
  if [ -n "$jobs" ]; then kill $jobs 2>/dev/null || true; wait 2>/dev/null || true; fi
  rm -rf "$SSI_DATA_DIR"
  if [ "$status" -eq 0 ]; then
    rm -f "$LOG"
  else
    { printf '\nThe demo failed (exit %s). The services'"'"' log, last 40 lines:\n' "$status"
      tail -n 40 "$LOG"
      printf 'The whole log is kept at %s\n' "$LOG"; } >&2
  fi
}
trap cleanup EXIT
step() { printf '\n== %s\n' "$*"; }
run() {  # shows the command (as `ssi ...`, an argument with spaces quoted), then runs it
  local shown=("$@") i; shown[0]=ssi
  for i in "${!shown[@]}"; do if [[ ${shown[i]} == *" "* ]]; then shown[i]="\"${shown[i]}\""; fi; done
  printf '$ %s\n' "${shown[*]}" >&2; "$@"
}
field() { $PY -c "import json, sys; print(json.load(sys.stdin)$1)"; }
# Runs the command until it succeeds, for up to WAIT_SECONDS; then once more, showing its error.
# It gives up early if the services have stopped: nothing would change.
until_ok() {
  local deadline=$((SECONDS + WAIT_SECONDS))
  while [ "$SECONDS" -lt "$deadline" ]; do
    "$@" >/dev/null 2>&1 && return 0
    if ! kill -0 "$SERVICES" 2>/dev/null; then
      echo "the services stopped while waiting for: $*" >&2
      return 1
    fi
    sleep 0.2
  done
  echo "gave up after ${WAIT_SECONDS} s waiting for: $*" >&2
  "$@"
}
delivered() {  # until the party's newest webhook of this type was delivered
  SSI_TOKEN=$1 $SSI deliveries list --json \
    | $PY -c "import json, sys; sys.exit(not any(d['event_type'] == '$2' and d['status'] == 'succeeded' for d in json.load(sys.stdin)['items']))"
}

step "The services and the portal on SQLite under $SSI_DATA_DIR (API :$INCIDENT_API_PORT, notifier :$NOTIFIER_PORT, portal :$PORTAL_PORT)"
$PY -m services.devserver >"$LOG" 2>&1 &
SERVICES=$!
until_ok curl -sf -o /dev/null --max-time 5 "$SSI_API_URL/readyz"
until_ok curl -sf -o /dev/null --max-time 5 "$SSI_NOTIFIER_URL/readyz"
until_ok curl -sf -o /dev/null --max-time 5 "http://127.0.0.1:$PORTAL_PORT/readyz"
ADMIN=$($SSI token --admin)
GSUP=$($SSI token --party GSUP)
ISUP=$($SSI token --party ISUP)
MSUP=$($SSI token --party MSUP)
PSUP=$($SSI token --party PSUP)
DCCO=$($SSI token --party DCCO --operator)
NOTE="Key with the concierge, flat 4"  # free text: never in an email

step "The contact list: a gaining supplier, three installing suppliers, the DCC service desk"
for p in GSUP:large_supplier ISUP:small_supplier MSUP:small_supplier PSUP:small_supplier DCCO:operator; do
  SSI_TOKEN=$ADMIN run $SSI parties add "${p%%:*}" --name "${p%%:*} Ltd" --category "${p##*:}" \
    --ops-email "ops@${p%%:*}.example" --escalation-email "esc@${p%%:*}.example" >/dev/null
done
SSI_TOKEN=$ADMIN run $SSI parties list

step "A small inventory: Devices ISUP, MSUP and PSUP installed, now registered to GSUP, never commissioned"
{
  echo device_id,device_type,smi_status,installing_party_id,registered_supplier_party_id
  for n in A0 A1 A2 A3; do echo "00-DB-12-34-56-78-90-$n,ESME,installed_not_commissioned,ISUP,GSUP"; done
  echo "00-DB-12-34-56-78-90-B0,ESME,installed_not_commissioned,MSUP,GSUP"
  echo "00-DB-12-34-56-78-90-C0,ESME,installed_not_commissioned,PSUP,GSUP"
} >"$SSI_DATA_DIR/inventory.csv"
SSI_TOKEN=$ADMIN run $SSI devices import "$SSI_DATA_DIR/inventory.csv"

step "Each supplier runs a listener that verifies signatures, and registers it as its endpoint"
for party in ISUP GSUP; do
  port=$(free_port)
  token=$([ $party = ISUP ] && echo "$ISUP" || echo "$GSUP")
  until_ok env SSI_TOKEN="$token" $SSI endpoints list  # the notifier learns parties from the feed
  printf '$ ssi endpoints add http://127.0.0.1:%s/hook\n' "$port"
  secret=$(SSI_TOKEN=$token $SSI endpoints add "http://127.0.0.1:$port/hook" --json | field "['secret']")
  SSI_WEBHOOK_SECRET=$secret $SSI listen --port "$port" --label "[$party's listener]" &
  until_ok curl -s -o /dev/null "http://127.0.0.1:$port/"
done

step "PSUP can poll but not listen: it adds an inbox and pulls it with \`ssi inbox follow\`"
SSI_TOKEN=$PSUP run $SSI endpoints add --inbox >/dev/null
printf '$ ssi inbox follow > inbox.jsonl &\n'
SSI_TOKEN=$PSUP $SSI inbox follow >"$SSI_DATA_DIR/inbox.jsonl" &
FOLLOWER=$!
echo "MSUP registers nothing: its contact list's ops address is its channel"

step "GSUP raises an incident by Device ID; the signed webhook reaches ISUP"
INCIDENT=$(SSI_TOKEN=$GSUP $SSI incidents raise $DEVICE --json | field "['id']")
SSI_TOKEN=$GSUP run $SSI incidents list
until_ok delivered "$ISUP" incident.raised

step "ISUP answers with the install code, read from a file (never a command-line argument)"
(umask 077; printf 83FED3407A939723A5C639B26916D505C3B5 >"$SSI_DATA_DIR/code")
SSI_TOKEN=$ISUP run $SSI incidents respond "$INCIDENT" --outcome install_code_provided \
  --code-file "$SSI_DATA_DIR/code" >/dev/null
until_ok delivered "$GSUP" incident.resolved

step "GSUP reveals the code (audited), commissions the Device, closes: the code is destroyed"
SSI_TOKEN=$GSUP run $SSI incidents reveal "$INCIDENT"
SSI_TOKEN=$GSUP run $SSI incidents close "$INCIDENT"

step "MSUP has no endpoint: GSUP's raise is mailed to its ops contact, an .eml file under \$SSI_DATA_DIR/mail/"
SSI_TOKEN=$GSUP run $SSI incidents raise 00-DB-12-34-56-78-90-B0 --note "$NOTE" >/dev/null
mailed() { grep -lis '^To: ops@MSUP.example' "$SSI_DATA_DIR"/mail/*.eml; }
until_ok mailed
MAIL=$(mailed | head -n 1)
echo "mail/$(basename "$MAIL"):"
grep -E '^(To|Subject): ' "$MAIL" | sed 's/^/  /'
if grep -rqF -e 83FED3407A939723A5C639B26916D505 -e "$NOTE" "$SSI_DATA_DIR/mail"; then
  echo "an install code or a note was mailed" >&2
  exit 1
fi
MESSAGES=("$SSI_DATA_DIR"/mail/*.eml)
echo "no install code and no note in any of the ${#MESSAGES[@]} message(s) mailed: the Device ID and a portal link only"

step "PSUP's follower prints the raise GSUP addressed to it, acknowledges it, and stops"
SSI_TOKEN=$GSUP run $SSI incidents raise 00-DB-12-34-56-78-90-C0 >/dev/null
until_ok grep -q incident.raised "$SSI_DATA_DIR/inbox.jsonl"
until_ok delivered "$PSUP" incident.raised  # acknowledged: fetched items are delivered
$PY - "$SSI_DATA_DIR/inbox.jsonl" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    item = json.loads(line)  # one line per item, as `ssi inbox follow` prints it
    print(f"[PSUP's inbox] {item['type']} reference={item['data']['reference']}")
EOF
kill "$FOLLOWER" && wait "$FOLLOWER" 2>/dev/null || true
echo "follower stopped: the next one starts after what this one acknowledged"

step "The SLA compliance report, as the DCC service desk sees it"
SSI_TOKEN=$DCCO run $SSI report sla

step "The same route is open to people in the portal, http://127.0.0.1:$PORTAL_PORT (sign in as a party)"
curl -sf -o /dev/null "http://127.0.0.1:$PORTAL_PORT/signin/dev" && echo "portal: the sign-in page answers"

step "Done: stopping everything the demo started"
