#!/bin/sh
# First start of the compose PostgreSQL (compose.postgres.yaml mounts it in /docker-entrypoint-initdb.d): the
# roles and grants of grants.sql in the database `budgetwatch`, and the roles' passwords from the files
# budgetwatch and its migration read theirs from (secrets/budgetwatch_{owner,app}.env: PGPASSWORD=...).
# Runs once, on an empty data volume, as the image's superuser.
set -eu
owner_password=$(sed -n 's/^PGPASSWORD=//p' /budgetwatch/owner.env)
app_password=$(sed -n 's/^PGPASSWORD=//p' /budgetwatch/app.env)
psql -X -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -f /budgetwatch/grants.sql
psql -X -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v owner_password="$owner_password" -v app_password="$app_password" <<'SQL'
ALTER ROLE budgetwatch_owner PASSWORD :'owner_password';
ALTER ROLE budgetwatch_app PASSWORD :'app_password';
SQL
