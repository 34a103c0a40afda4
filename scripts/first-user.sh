#!/usr/bin/env bash
# Creates the first user of an account in a deployed stack and prints a token for the public API.
# Reads the stack's outputs (UserPoolId, UserPoolClientId, PublicApiUrl), makes sure the account exists
# in the Accounts table (creating it with --account-name), creates the Cognito user with its immutable
# custom:account_id attribute and a permanent password, signs in with the administrator's password flow
# (ADMIN_USER_PASSWORD_AUTH, open to IAM credentials only) and prints the ID token (or the access
# token) on stdout. Progress goes to stderr. Runs again safely: an existing user is signed in as it is.
set -euo pipefail
export AWS_PAGER=""

usage() {
  cat <<'EOF'
Usage: scripts/first-user.sh --account-id <id> --email <address> [options]

Options (or the environment variable after each):
  --account-id <id>      the account the user acts for (claim account_id)   FIRST_USER_ACCOUNT_ID  required
  --email <address>      the user's email, its sign-in name                 FIRST_USER_EMAIL       required
  --password <password>  12+ characters with lower, upper, digit, symbol    FIRST_USER_PASSWORD    asked if absent
  --account-name <name>  create the account (Active) if it does not exist   FIRST_USER_ACCOUNT_NAME
  --stack <name>         the stack                                          FIRST_USER_STACK       default DroneDelivery-dev
  --token id|access      which token to print                               FIRST_USER_TOKEN       default id
  --region <region>      the stack's region                                 AWS_REGION             default the AWS CLI's
  -h, --help             show this help

Needs the AWS CLI with credentials of the stack's AWS account.
EOF
}

fail() {
  printf 'first-user: %s\n' "$1" >&2
  exit "${2:-1}"
}

say() {
  printf 'first-user: %s\n' "$1" >&2
}

account_id="${FIRST_USER_ACCOUNT_ID:-}"
email="${FIRST_USER_EMAIL:-}"
password="${FIRST_USER_PASSWORD:-}"
account_name="${FIRST_USER_ACCOUNT_NAME:-}"
stack="${FIRST_USER_STACK:-DroneDelivery-dev}"
token_kind="${FIRST_USER_TOKEN:-id}"

while [[ $# -gt 0 ]]; do
  case "$1" in
    -h | --help)
      usage
      exit 0
      ;;
    --account-id | --email | --password | --account-name | --stack | --token | --region)
      [[ $# -ge 2 && -n "$2" ]] || fail "$1 needs a value (see --help)" 2
      case "$1" in
        --account-id) account_id="$2" ;;
        --email) email="$2" ;;
        --password) password="$2" ;;
        --account-name) account_name="$2" ;;
        --stack) stack="$2" ;;
        --token) token_kind="$2" ;;
        --region) export AWS_REGION="$2" AWS_DEFAULT_REGION="$2" ;;
      esac
      shift 2
      ;;
    *) fail "unknown argument \"$1\" (see --help)" 2 ;;
  esac
done

[[ -n "$account_id" ]] || fail "--account-id is required (see --help)" 2
[[ -n "$email" ]] || fail "--email is required (see --help)" 2
[[ "$account_id" =~ ^[A-Za-z0-9_-]{1,64}$ ]] || fail "--account-id: letters, digits, - and _ only, at most 64" 2
email_pattern='^[^[:space:]"\\@]+@[^[:space:]"\\@]+$'
[[ "$email" =~ $email_pattern ]] || fail "--email: \"$email\" is not an email address" 2
case "$token_kind" in
  id) token_field=IdToken ;;
  access) token_field=AccessToken ;;
  *) fail "--token is id or access, not \"$token_kind\"" 2 ;;
esac

command -v aws >/dev/null || fail "the AWS CLI (aws) is not installed"

# 1. The stack's outputs.
pool_id="" client_id="" api_url=""
outputs="$(aws cloudformation describe-stacks --stack-name "$stack" \
  --query 'Stacks[0].Outputs[].[OutputKey,OutputValue]' --output text)" ||
  fail "cannot read the outputs of stack $stack (deployed? right region and credentials?)"
while IFS=$'\t' read -r key value; do
  case "$key" in
    UserPoolId) pool_id="$value" ;;
    UserPoolClientId) client_id="$value" ;;
    PublicApiUrl) api_url="$value" ;;
  esac
done <<<"$outputs"
[[ -n "$pool_id" && -n "$client_id" && -n "$api_url" ]] ||
  fail "stack $stack lacks the UserPoolId, UserPoolClientId or PublicApiUrl output"
say "stack $stack: user pool $pool_id, app client $client_id, API $api_url"

# 2. The account, in the Accounts service's table (dev stages seed acct-demo and a few others).
tables="$(aws cloudformation list-stack-resources --stack-name "$stack" \
  --query "StackResourceSummaries[?ResourceType=='AWS::DynamoDB::Table'].[LogicalResourceId,PhysicalResourceId]" \
  --output text)"
accounts_table="$(awk '$1 ~ /^StatefulAccountsTable/ { print $2 }' <<<"$tables")"
[[ -n "$accounts_table" ]] || fail "stack $stack has no Accounts table (StatefulAccountsTable…)"
key="{\"pk\":{\"S\":\"ACCOUNT#$account_id\"},\"sk\":{\"S\":\"PROFILE\"}}"
status="$(aws dynamodb get-item --table-name "$accounts_table" --key "$key" --consistent-read \
  --query 'Item.status.S' --output text)"
if [[ -z "$status" || "$status" == "None" ]]; then
  [[ -n "$account_name" ]] ||
    fail "account $account_id does not exist in $accounts_table: pass --account-name to create it" 2
  escaped_name="${account_name//\\/\\\\}"
  escaped_name="${escaped_name//\"/\\\"}"
  aws dynamodb put-item --table-name "$accounts_table" --condition-expression 'attribute_not_exists(pk)' \
    --item "{\"pk\":{\"S\":\"ACCOUNT#$account_id\"},\"sk\":{\"S\":\"PROFILE\"},\"accountId\":{\"S\":\"$account_id\"},\"name\":{\"S\":\"$escaped_name\"},\"status\":{\"S\":\"Active\"}}" \
    >/dev/null
  say "account $account_id created (Active)"
else
  say "account $account_id exists ($status)"
fi

# 3. The user, with its account fixed at creation (the attribute is immutable).
errors="$(mktemp)"
trap 'rm -f "$errors"' EXIT
if user="$(aws cognito-idp admin-get-user --user-pool-id "$pool_id" --username "$email" \
  --query "[UserStatus, UserAttributes[?Name=='custom:account_id'].Value | [0]]" --output text 2>"$errors")"; then
  read -r user_status user_account <<<"$user"
  [[ "$user_account" == "$account_id" ]] ||
    fail "user $email exists for account $user_account, not $account_id (custom:account_id cannot change)"
  say "user $email exists ($user_status)"
elif grep -q UserNotFoundException "$errors"; then
  user_status=NEW
else
  cat "$errors" >&2
  fail "cannot look up user $email in $pool_id"
fi

if [[ "$user_status" == "NEW" || "$user_status" == "FORCE_CHANGE_PASSWORD" ]]; then
  if [[ -z "$password" ]]; then
    [[ -t 0 ]] || fail "no password: pass --password or set FIRST_USER_PASSWORD" 2
    read -rsp "Password for $email (12+ characters, lower, upper, digit, symbol): " password && echo >&2
    read -rsp "Again: " again && echo >&2
    [[ "$password" == "$again" ]] || fail "the passwords differ" 2
  fi
  if [[ "$user_status" == "NEW" ]]; then
    aws cognito-idp admin-create-user --user-pool-id "$pool_id" --username "$email" \
      --user-attributes Name=email,Value="$email" Name=email_verified,Value=true \
      Name=custom:account_id,Value="$account_id" \
      --message-action SUPPRESS >/dev/null
    say "user $email created for account $account_id"
  fi
  aws cognito-idp admin-set-user-password --user-pool-id "$pool_id" --username "$email" \
    --password "$password" --permanent
  say "password of $email set (permanent)"
elif [[ -z "$password" ]]; then
  [[ -t 0 ]] || fail "no password: pass --password or set FIRST_USER_PASSWORD" 2
  read -rsp "Password of $email: " password && echo >&2
fi

# 4. Sign in: the administrator's flow, which IAM credentials alone may start (the app client allows it).
escaped_password="${password//\\/\\\\}"
escaped_password="${escaped_password//\"/\\\"}"
result="$(aws cognito-idp admin-initiate-auth --user-pool-id "$pool_id" --client-id "$client_id" \
  --auth-flow ADMIN_USER_PASSWORD_AUTH \
  --auth-parameters "$(printf '{"USERNAME":"%s","PASSWORD":"%s"}' "$email" "$escaped_password")" \
  --query "[ChallengeName, AuthenticationResult.$token_field]" --output text)"
read -r next_challenge token <<<"$result"
[[ -n "$token" && "$token" != "None" ]] ||
  fail "Cognito asked for another step ($next_challenge) instead of issuing tokens"

say "signed in; try: curl -s $api_url/v1/deliveries -H \"authorization: Bearer \$TOKEN\""
printf '%s\n' "$token"
