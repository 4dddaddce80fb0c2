-- report scope: the files in the lake (ingest_manifest) by kind and status, whatever
-- their period: a file's events are counted by coverage.sql. $1/$2 are unused here.
SELECT COALESCE(kind, '') AS kind, status, COUNT(*) AS files, SUM(kept) AS records
FROM ingest_manifest
WHERE $1 <= $2
GROUP BY kind, status
ORDER BY kind, status
