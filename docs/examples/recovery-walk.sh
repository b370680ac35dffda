#!/bin/bash
# Walk one recovery case end to end through the REST API, against the demo data.
# Usage: TOKEN=$(amends token create --user eleni | tail -1) PICK=20 docs/examples/recovery-walk.sh
# Needs curl and jq. PICK chooses which Key Accounts account to use (one without cases).
set -euo pipefail
API=${AMENDS_URL:-http://127.0.0.1:8000}/api/v1
AUTH="Authorization: Bearer $TOKEN"
j() { curl -s -H "$AUTH" -H "Content-Type: application/json" "$@"; }
ACCOUNT=""
ACCOUNT=${ACCOUNT:-$(j "$API/accounts?team=key-accounts" | jq ".items[${PICK:-20}].id")}
echo "# account $ACCOUNT"
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ); EARLIER=$(date -u -d '-3 hours' +%Y-%m-%dT%H:%M:%SZ)
INCIDENT=$(j -X POST $API/incidents -d "{\"team\":\"key-accounts\",\"title\":\"Shipment sent to the wrong warehouse\",\"occurred_at\":\"$EARLIER\",\"severity\":2,\"cause\":\"process\",\"fault\":\"ours\",\"tags\":[\"logistics\"],\"affected\":[{\"account_id\":$ACCOUNT,\"units\":40,\"impact\":\"Line stopped for a day\"}]}")
echo "$INCIDENT" | jq -c '{id, severity, cases}'
CASE=$(echo "$INCIDENT" | jq '.cases[0].id')
step() { j $API/cases/$CASE | jq ".steps[] | select(.key==\"$1\") | .id"; }
echo "# complete 'first_contact' before recording it -> refused"
j -X POST $API/cases/$CASE/steps/$(step first_contact)/complete | jq -c .
j -X POST $API/cases/$CASE/records -d '{"kind":"contact","data":{"channel":"call","with_whom":"Head of Operations"}}' | jq -c '{kind, by}'
echo "# the record completed its step (record once)"
j $API/cases/$CASE | jq -c '[.steps[] | {key, state}][0:2]'
echo "# pause while waiting on the customer, then resume"
j -X POST $API/cases/$CASE/pause -d '{"reason":"Waiting for their list of damaged units"}' | jq -c '{paused, pause_reason}'
j -X POST $API/cases/$CASE/resume | jq -c '{paused}'
j -X POST $API/cases/$CASE/records -d '{"kind":"conversation","data":{"participants":"Ops lead, Eleni","answers":[{"question":"How can we help you and your team?","answer":"Deliver by Friday"}]}}' | jq -c '{kind}'
j -X POST $API/cases/$CASE/records -d '{"kind":"apology","by":"eleni","data":{"channel":"call","words":"I am sorry: I approved the wrong address."}}' | jq -c '{kind, by}'
j -X POST $API/cases/$CASE/records -d '{"kind":"explanation","data":{"text":"Our picking list used the old warehouse address."}}' | jq -c '{kind}'
DUE=$(date -u -d '+2 days' +%Y-%m-%dT%H:%M:%SZ); LATER=$(date -u -d '+5 days' +%Y-%m-%dT%H:%M:%SZ)
C1=$(j -X POST $API/cases/$CASE/commitments -d "{\"what\":\"Redeliver all 40 units\",\"measure\":\"Signed delivery note\",\"due_at\":\"$DUE\"}" | jq .id)
C2=$(j -X POST $API/cases/$CASE/commitments -d "{\"what\":\"Credit the freight\",\"measure\":\"Credit note issued\",\"due_at\":\"$DUE\"}" | jq .id)
echo "# keep one promise, renegotiate the other, then keep the new one"
j -X POST $API/commitments/$C1/resolve -d '{"status":"kept"}' | jq -c '{what, status}'
C3=$(j -X POST $API/commitments/$C2/resolve -d "{\"status\":\"renegotiated\",\"reason\":\"Finance closes the month first\",\"due_at\":\"$LATER\"}" | jq -c '{id, status, replaces_id}' )
echo "$C3"; C3=$(echo "$C3" | jq .id)
j -X POST $API/commitments/$C3/resolve -d '{"status":"kept"}' | jq -c '{what, status}'
echo "# each record and promise completed its step; the rest are skipped"
j $API/cases/$CASE | jq -c '[.steps[] | {key, state}][0:6]'
for key in changes adjacent_value attentive; do j -X POST $API/cases/$CASE/steps/$(step $key)/skip -d '{"reason":"Agreed with the customer on the call"}' >/dev/null; done
j -X POST $API/cases/$CASE/close -d '{"outcome":"recovered","note":"Back to weekly orders"}' | jq -c '{outcome, closed_at: (.closed_at != null), steps: [.steps[] | .state] | group_by(.) | map({(.[0]): length}) | add}'
echo "# a closed case cannot be changed"
j -X POST $API/cases/$CASE/pause -d '{"reason":"x"}' | jq -c .
echo "# the same account fails again: last chance, escalated to the manager at once"
j -X POST $API/incidents -d "{\"team\":\"key-accounts\",\"title\":\"Second wrong delivery\",\"occurred_at\":\"$EARLIER\",\"severity\":2,\"cause\":\"process\",\"tags\":[\"logistics\"],\"affected\":[{\"account_id\":$ACCOUNT}]}" | jq -c '{cases: [.cases[] | {last_chance}], happened_before: [.happened_before[] | .title]}'
