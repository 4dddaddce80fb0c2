-- tagtrail trace: whether any database inventory was ingested (else a missing account is unknown).
SELECT count(*) > 0 AS seen FROM db_users
