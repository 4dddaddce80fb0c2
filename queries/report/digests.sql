-- report scope: CloudTrail digest validation (`tagtrail verify-digests`) of the digests
-- whose hour overlaps [$1, $2): the latest result per checked item, counted by status.
-- No row means the period's digests were never verified.
SELECT status, COUNT(*) AS items
FROM (
  SELECT status, digest_end_time,
         row_number() OVER (PARTITION BY digest_key, item_kind, item_key ORDER BY checked_at DESC) AS rn
  FROM digest_checks
)
WHERE rn = 1 AND digest_end_time > $1
  AND CAST(digest_end_time AS BIGINT) - 3600000000 < CAST($2 AS BIGINT)
GROUP BY status
ORDER BY status
