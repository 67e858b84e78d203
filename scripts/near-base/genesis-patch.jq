# Adds the root account to a nearcore genesis.json (the output of `neard init`):
# an Account record ($amount yoctoNEAR, nothing locked, no contract) and a FullAccess AccessKey
# record for $public_key, and raises total_supply by $amount, so that total_supply stays the sum
# of amount + locked over all accounts (nearcore's genesis validation checks it).
# Refuses duplicate records, an inconsistent total_supply and an existing account that differs;
# applying it to its own output changes nothing.
#   jq --arg account localnet --arg public_key ed25519:... --arg amount <yocto> \
#      -f genesis-patch.jq genesis.json
# Amounts are decimal strings above 2^53: they are added digit by digit, never as numbers.

def dec($what):
  if type == "string" and test("^[0-9]+$") then .
  else error("\($what) must be a decimal string, got \(tojson)") end;

def dec_add($a; $b):
  ($a | explode | reverse | map(. - 48)) as $x
  | ($b | explode | reverse | map(. - 48)) as $y
  | reduce range(0; [($x | length), ($y | length)] | max) as $i ({d: [], c: 0};
      (($x[$i] // 0) + ($y[$i] // 0) + .c) as $s
      | .d += [$s % 10] | .c = (if $s >= 10 then 1 else 0 end))
  | (.d + (if .c > 0 then [.c] else [] end)) | reverse | map(. + 48) | implode
  | until(length == 1 or (startswith("0") | not); .[1:]);

def balances_sum:
  reduce (.records[] | select(has("Account")) | .Account as $a
          | ($a.account.amount | dec("amount of \($a.account_id)")),
            ($a.account.locked | dec("locked of \($a.account_id)"))) as $v ("0"; dec_add(.; $v));

# The account a state record belongs to (receipt records have none).
def owner: (to_entries[0].value | if type == "object" then .account_id else null end);

def duplicates: group_by(.) | map(select(length > 1) | .[0]);

($amount | dec("amount")) as $amount
| if ($account | test("^(([a-z0-9]+[-_])*[a-z0-9]+\\.)*([a-z0-9]+[-_])*[a-z0-9]+$") | not)
     or ($account | length) < 2 or ($account | length) > 64
  then error("account \($account | tojson) is not a valid NEAR account id") else . end
| if ($public_key | test("^ed25519:[1-9A-HJ-NP-Za-km-z]{32,44}$") | not)
  then error("public_key \($public_key | tojson) is not an ed25519 public key") else . end
| if (.records | type) != "array" then error("genesis has no records array") else . end
| ([.records[] | select(has("Account")) | .Account.account_id] | duplicates) as $dup
| if $dup != [] then error("genesis has duplicate Account records for \($dup | join(", "))") else . end
| ([.records[] | select(has("AccessKey")) | .AccessKey | "\(.account_id) \(.public_key)"] | duplicates) as $dup
| if $dup != [] then error("genesis has duplicate AccessKey records: \($dup | join(", "))") else . end
| (.total_supply | dec("total_supply")) as $total
| balances_sum as $sum
| if $total != $sum
  then error("genesis total_supply \($total) is not the sum of amount + locked (\($sum))") else . end
| [
    {Account: {account_id: $account, account: {
      amount: $amount, locked: "0", code_hash: "11111111111111111111111111111111",
      storage_usage: 182, version: "V1"}}},
    {AccessKey: {account_id: $account, public_key: $public_key,
      access_key: {nonce: 0, permission: "FullAccess"}}}
  ] as $mine
| [.records[] | select(owner == $account)] as $existing
| if $existing == [] then
    .records += $mine | .total_supply = dec_add($total; $amount)
  elif $existing == $mine then .
  else error("genesis already has records for \($account) that differ from this patch; refusing to change them")
  end
