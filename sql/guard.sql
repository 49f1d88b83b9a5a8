-- The C++/PostgreSQL boundary: every C++ exception becomes an ordinary SQL
-- error with a fitting SQLSTATE, the connection stays usable, and long C++
-- loops stop when the statement is cancelled.
-- The test entry points are in the library but not in the extension's SQL.
CREATE FUNCTION pg_temp.throw_cpp(text) RETURNS void
    AS 'anomaly_detect', 'anomaly_test_throw' LANGUAGE C STRICT;
CREATE FUNCTION pg_temp.spin(bigint) RETURNS bigint
    AS 'anomaly_detect', 'anomaly_test_spin' LANGUAGE C STRICT;

CREATE FUNCTION pg_temp.sqlstate_of(kind text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_temp.throw_cpp(kind);
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ' ' || SQLERRM;
END $$;

SELECT kind, pg_temp.sqlstate_of(kind) AS error
FROM unnest(ARRAY['bad_alloc', 'invalid_argument', 'invalid_parameter', 'data_error',
                  'corrupt_value', 'length_error', 'runtime_error', 'unknown', 'none']) kind;

-- The errors as a user sees them, each followed by a working query.
SELECT pg_temp.throw_cpp('runtime_error');
SELECT 1 + 1 AS still_connected;
SELECT pg_temp.throw_cpp('unknown');
SELECT 1 + 1 AS still_connected;
SELECT pg_temp.throw_cpp('bad_alloc');
SELECT 1 + 1 AS still_connected;

-- Inside a transaction the error aborts the transaction, as any error does.
BEGIN;
SELECT pg_temp.throw_cpp('invalid_parameter');
SELECT 1;
ROLLBACK;
-- A savepoint survives it.
BEGIN;
SAVEPOINT s;
SELECT pg_temp.throw_cpp('data_error');
ROLLBACK TO SAVEPOINT s;
SELECT 'transaction goes on' AS status;
COMMIT;

-- Cancellation: a C++ loop of a trillion steps stops at statement_timeout.
SELECT pg_temp.spin(1000);
SET statement_timeout = '300ms';
SELECT pg_temp.spin(1000000000000);
-- A real detector call that runs for seconds (5 million points, a window of a
-- million) stops too: the core polls for the cancel.
SELECT cardinality(anomaly.mad_zscore(array_fill(1.5::float8, ARRAY[5000000]), 1000000, 1));
RESET statement_timeout;
SELECT 1 + 1 AS still_connected;
