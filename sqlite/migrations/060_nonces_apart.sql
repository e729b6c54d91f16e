-- Nonces of signed requests are recorded in a file of their own beside the store's
-- (sqlite.NonceSuffix), with their own writer; the store's table is no longer used.
DROP TABLE nonces;
