---------------------------------------------------------------------------
-- Root cause, part 1: what a metric declares about its causes, and where an
-- alert keeps them.
--   anomaly.metrics.related_metrics     (0.2.0) metrics that move with it;
--   anomaly.metrics.dimension_columns   (0.2.0) its slices;
--   anomaly.metrics.formula             (new)   how it is computed from
--                                               other metrics;
--   anomaly.anomaly_log.root_causes     (new)   the top causes of an alert.
--
-- Formula grammar (one operator family per formula, so that each term's
-- contribution is well defined):
--   formula  := term { op term }
--   sum      :  every op is + or -    (mrr = new + expansion - contraction - churned)
--   product  :  every op is * or /    (revenue = sessions * conversion * order_value)
--   term     := metric name: [A-Za-z_][A-Za-z0-9_]* or a "double quoted" name
--               ("" inside quotes is one ").
-- A term may appear once; a metric cannot be a term of its own formula; each
-- term must be a registered metric when the formula is written.
---------------------------------------------------------------------------

CREATE FUNCTION anomaly.formula_terms(formula pg_catalog.text)
    RETURNS TABLE(term_no pg_catalog.int4, metric pg_catalog.text, sign pg_catalog.int4, kind pg_catalog.text)
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    tok text;
    toks text[];
    i int := 0;
    n int := 0;
    expect_term bool := true;
    next_sign int := 1;
    family text;
    op_family text;
    names text[] := '{}';
    signs int[] := '{}';
    name text;
BEGIN
    toks := ARRAY(SELECT x[1] FROM regexp_matches(formula, '\s*("(?:[^"]|"")*"|[A-Za-z_][A-Za-z0-9_]*|[-+*/]|\S)', 'g') AS x);
    IF cardinality(toks) = 0 THEN
        RAISE EXCEPTION 'formula is empty' USING ERRCODE = '22023',
              HINT = 'Write a sum like new + expansion - contraction - churned or a product like sessions * conversion * order_value.';
    END IF;
    FOREACH tok IN ARRAY toks LOOP
        i := i + 1;
        IF expect_term THEN
            IF tok ~ '^[A-Za-z_][A-Za-z0-9_]*$' THEN
                name := tok;
            ELSIF tok ~ '^"(?:[^"]|"")+"$' THEN
                name := replace(substr(tok, 2, length(tok) - 2), '""', '"');
            ELSE
                RAISE EXCEPTION 'formula "%": expected a metric name at token % ("%")', formula, i, tok
                    USING ERRCODE = '22023',
                          HINT = 'Metric names are identifiers (letters, digits, _) or "double quoted" names.';
            END IF;
            IF name = ANY (names) THEN
                RAISE EXCEPTION 'formula "%": metric "%" appears twice', formula, name USING ERRCODE = '22023';
            END IF;
            names := names || name;
            signs := signs || next_sign;
            expect_term := false;
        ELSE
            op_family := CASE WHEN tok IN ('+', '-') THEN 'sum' WHEN tok IN ('*', '/') THEN 'product' END;
            IF op_family IS NULL THEN
                RAISE EXCEPTION 'formula "%": expected an operator (+ - * /) at token % ("%")', formula, i, tok
                    USING ERRCODE = '22023';
            END IF;
            IF family IS NOT NULL AND family <> op_family THEN
                RAISE EXCEPTION 'formula "%": mixes + / - with * / /', formula
                    USING ERRCODE = '22023',
                          HINT = 'A formula is either a sum of metrics or a product (ratio) of metrics: declare an intermediate metric for mixed formulas.';
            END IF;
            family := op_family;
            next_sign := CASE WHEN tok IN ('-', '/') THEN -1 ELSE 1 END;
            expect_term := true;
        END IF;
    END LOOP;
    IF expect_term THEN
        RAISE EXCEPTION 'formula "%": ends with an operator', formula USING ERRCODE = '22023';
    END IF;
    IF cardinality(names) < 2 THEN
        RAISE EXCEPTION 'formula "%": needs at least two terms', formula USING ERRCODE = '22023';
    END IF;
    RETURN QUERY SELECT u.o::int, u.nm, u.sg, family
                 FROM unnest(names, signs) WITH ORDINALITY AS u(nm, sg, o) ORDER BY u.o;
END;
$$;

COMMENT ON FUNCTION anomaly.formula_terms(pg_catalog.text) IS
'Parses a metric formula: a sum (a + b - c) or a product (a * b / c) of metric names (identifiers or "quoted" names), never both. One row per term: term_no, metric, sign (+1, or -1 for a subtracted or divided term), kind (sum or product). SQLSTATE 22023 with the position for anything else.';

ALTER TABLE anomaly.metrics ADD COLUMN formula pg_catalog.text;

COMMENT ON COLUMN anomaly.metrics.formula IS
'How the metric is computed from other registered metrics, for root-cause work: a sum (new + expansion - contraction - churned) or a product (sessions * conversion * order_value); see anomaly.formula_terms. NULL = none.';

CREATE FUNCTION anomaly.metrics_check_formula()
    RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    missing text;
BEGIN
    IF NEW.formula IS NULL THEN
        RETURN NEW;
    END IF;
    IF EXISTS (SELECT FROM anomaly.formula_terms(NEW.formula) AS t WHERE t.metric = NEW.name) THEN
        RAISE EXCEPTION 'metric "%": its formula cannot use the metric itself', NEW.name USING ERRCODE = '22023';
    END IF;
    SELECT string_agg(format('"%s"', t.metric), ', ' ORDER BY t.term_no) INTO missing
    FROM anomaly.formula_terms(NEW.formula) AS t
    WHERE NOT EXISTS (SELECT FROM anomaly.metrics x WHERE x.name = t.metric);
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'metric "%": formula uses unknown metric(s) %', NEW.name, missing
            USING ERRCODE = '22023', HINT = 'Register each term with anomaly.add_metric first.';
    END IF;
    RETURN NEW;
END;
$$;

COMMENT ON FUNCTION anomaly.metrics_check_formula() IS
'Trigger of anomaly.metrics: a formula must parse (anomaly.formula_terms), must not use the metric itself and may use only registered metrics (SQLSTATE 22023).';

CREATE TRIGGER metrics_check_formula BEFORE INSERT OR UPDATE OF formula, name ON anomaly.metrics
    FOR EACH ROW EXECUTE FUNCTION anomaly.metrics_check_formula();

ALTER TABLE anomaly.anomaly_log ADD COLUMN root_causes pg_catalog.jsonb;

COMMENT ON COLUMN anomaly.anomaly_log.root_causes IS
'Top causes (anomaly.root_cause, at most 5) when the incident opened or last grew while open: [{"rank", "kind", "metric", "series", "score", "evidence"}]; [] when nothing explains it; NULL for info alerts and for alerts already closed or suppressed when first written (ask anomaly.root_cause(id)) or when the analysis failed (a WARNING said why).';
