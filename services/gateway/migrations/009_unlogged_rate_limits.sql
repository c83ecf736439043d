-- Rate-limit counters are disposable: UNLOGGED skips the write-ahead log (no fsync on every counted request); after a
-- crash PostgreSQL empties the table, which only forgives the current minute's hits.
ALTER TABLE rate_limit_hits SET UNLOGGED;
