-- anomaly_detect 0.4.0 -> 0.5.0. Assembled at build time from the files of
-- src/install/0.5.0/ in name order; each file holds one feature.
\echo Use "ALTER EXTENSION anomaly_detect UPDATE TO '0.5.0'" to load this file. \quit
