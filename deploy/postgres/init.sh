#!/bin/sh
# Each service owns its database (DESIGN §3), and so does the portal (its sessions only); each logs
# in as its own role, which can reach no other database: one URL opens nothing of another's. Run
# once, by the postgres image, on an empty data directory; the passwords come from the postgres
# container's environment.
set -e
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v incident_api_password="$INCIDENT_API_DB_PASSWORD" \
  -v notifier_password="$NOTIFIER_DB_PASSWORD" \
  -v portal_password="$PORTAL_DB_PASSWORD" <<'SQL'
CREATE ROLE incident_api LOGIN PASSWORD :'incident_api_password';
CREATE ROLE notifier LOGIN PASSWORD :'notifier_password';
CREATE ROLE portal LOGIN PASSWORD :'portal_password';
CREATE DATABASE incident_api OWNER incident_api;
CREATE DATABASE notifier OWNER notifier;
CREATE DATABASE portal OWNER portal;
-- Without this, every role may connect to every database.
REVOKE ALL ON DATABASE incident_api FROM PUBLIC;
REVOKE ALL ON DATABASE notifier FROM PUBLIC;
REVOKE ALL ON DATABASE portal FROM PUBLIC;
SQL
