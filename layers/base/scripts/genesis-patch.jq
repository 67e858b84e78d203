# Adds the root account to a nearcore genesis: an Account record ($amount yoctoNEAR, no stake,
# no contract) and a FullAccess key $public_key; raises total_supply by $amount so it stays the
# sum of amount + locked. Refuses duplicates, an inconsistent total_supply and an existing
# account that differs; idempotent. Amounts are decimal strings, added digit by digit.
#   jq --arg account A --arg public_key ed25519:K --arg amount N -f genesis-patch.jq genesis.json
def dec($w): if type == "string" and test("^[0-9]+$") then . else error("\($w) must be a decimal string, got \(tojson)") end;
def add($a; $b):
  ($a | explode | reverse | map(. - 48)) as $x | ($b | explode | reverse | map(. - 48)) as $y
  | reduce range([($x | length), ($y | length)] | max) as $i ({d: [], c: 0};
      (($x[$i] // 0) + ($y[$i] // 0) + .c) as $s | .d += [$s % 10] | .c = (if $s > 9 then 1 else 0 end))
  | .d + (if .c > 0 then [1] else [] end) | reverse | map(. + 48) | implode
  | until(length == 1 or (startswith("0") | not); .[1:]);
def dups: group_by(.) | map(select(length > 1)[0]) | if . == [] then empty else join(", ") end;
def check(c; msg): if c then . else error(msg) end;
($amount | dec("amount")) as $amount
| ([.records[] | .Account // empty | .account_id] | dups | error("genesis has duplicate Account records for \(.)")),
  ([.records[] | .AccessKey // empty | "\(.account_id) \(.public_key)"] | dups | error("genesis has duplicate AccessKey records: \(.)")),
  .
| (.total_supply | dec("total_supply")) as $total
| (reduce (.records[] | .Account // empty | .account_id as $id | .account | (.amount, .locked) | dec("balance of \($id)"))
    as $v ("0"; add(.; $v))) as $sum
| check($total == $sum; "genesis total_supply \($total) is not the sum of amount + locked (\($sum))")
| [{Account: {account_id: $account, account: {amount: $amount, locked: "0",
      code_hash: "11111111111111111111111111111111", storage_usage: 182, version: "V1"}}},
   {AccessKey: {account_id: $account, public_key: $public_key, access_key: {nonce: 0, permission: "FullAccess"}}}] as $mine
| [.records[] | select(to_entries[0].value | objects | .account_id == $account)] as $old
| if $old == [] then .records += $mine | .total_supply = add($total; $amount)
  elif $old == $mine then .
  else error("genesis already has records for \($account) that differ from this patch; refusing to change them") end
