-- A site cluster, as its DBA: the federation role (a password, SCRAM over TCP only: see pg_hba.conf),
-- a password for the DBA when the demo keeps the clusters running, and the clinical database.
-- Variables: role, pw (federation role password), dba (DBA password), db.
CREATE ROLE :"role" LOGIN PASSWORD :'pw';
ALTER ROLE postgres PASSWORD :'dba';
CREATE DATABASE :"db";
