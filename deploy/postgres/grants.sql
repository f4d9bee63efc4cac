-- budgetwatch on PostgreSQL 15: the roles and the grants it needs, least privilege (docs/deploy.md,
-- "PostgreSQL"). Nobody runs budgetwatch as a superuser:
--   budgetwatch_owner  owns the database and its schema; `budgetwatch migrate --db postgresql://budgetwatch_owner@...`
--                      creates and upgrades the tables (DDL). Used for migrations only.
--   budgetwatch_app    what the daemon and the CLI connect as: SELECT, INSERT, UPDATE, DELETE on the tables,
--                      USAGE and SELECT on their identity sequences, CONNECT and TEMPORARY on the database (ingest
--                      stages payments in a temporary table for COPY). No DDL, no ownership, no superuser.
--
-- Run once by a DBA (a superuser, or the database's owner with CREATEROLE), connected to budgetwatch's database,
-- before or after the first migration (the default privileges cover the tables the owner creates later):
--   psql -X -v ON_ERROR_STOP=1 -d budgetwatch -f deploy/postgres/grants.sql
--   psql -X -v ON_ERROR_STOP=1 -d budgetwatch -v owner=bw_owner -v app=bw_app -f deploy/postgres/grants.sql
-- then give the roles passwords (\password budgetwatch_owner, \password budgetwatch_app) or client certificates.
-- Running it again changes nothing. Tested by tests/integration/postgres_roles_test.cpp.
\if :{?owner}
\else
\set owner budgetwatch_owner
\endif
\if :{?app}
\else
\set app budgetwatch_app
\endif

-- The two roles, when they do not exist yet (LOGIN; no SUPERUSER, CREATEDB, CREATEROLE or REPLICATION).
SELECT format('CREATE ROLE %I LOGIN', :'owner')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I LOGIN', :'app')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app') \gexec

-- The database belongs to the owner (PostgreSQL 15: so does its schema public, owned by pg_database_owner);
-- other roles may not connect to it or create in it unless granted here.
SELECT format('ALTER DATABASE %I OWNER TO %I', current_database(), :'owner') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database()) \gexec
SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', current_database(), :'app') \gexec
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"app";

-- The tables and sequences there now, and those the owner's migrations create later.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO :"app";
