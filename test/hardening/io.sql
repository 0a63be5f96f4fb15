-- test/hardening/io.sql — malformed text and binary forms of every type of the extension.
--
-- \i it after test/hardening/sweep.sql (it uses hz_types, hz_sample, hz_try and hz_text).  It defines,
-- in pg_temp:
--   hz_text_mutations(s)       malformed variants of a valid text form: truncations, each
--                              number replaced by NaN / Infinity / huge / negative / a string,
--                              punctuation deleted, strings emptied or made huge, random
--                              character flips (fixed seed), junk and deeply nested JSON
--   hz_binary_mutations(b)     malformed variants of a valid binary form: truncations, wrong
--                              version byte, byte flips, 4-byte lengths set to 0 / -1 / huge,
--                              8-byte doubles set to NaN / Infinity / -1, trailing bytes
--   hz_io_run(samples)         feeds every variant of the first `samples` samples of every type
--                              to the type's input function (a cast from text) and to its
--                              receive function (binary COPY FROM a file written with
--                              lo_export, so the bytes reach recv exactly as a client's would)
--                              and records the outcome in hz_io
-- Rules: an input error is of class 22 (22P02 text, 22P03 binary) or 54 (limits), never an
-- internal error or a crash; a malformed form that is accepted must be a valid value: its text
-- reads back to the same value (recv re-runs the checks of in).
-- (not echoed into pg_regress output: the definitions would bury the results)
\set hz_echo :ECHO
\set ECHO none
\set hz_quiet :QUIET
\set QUIET on

CREATE TEMP TABLE hz_io (
    id serial PRIMARY KEY,
    typ regtype NOT NULL,
    form text NOT NULL,             -- 'text' or 'binary'
    variant text NOT NULL,
    state text,
    message text,
    result text
);

-- Malformed variants of a text form.
CREATE FUNCTION pg_temp.hz_text_mutations(s text)
RETURNS TABLE (variant text, txt text) LANGUAGE plpgsql AS $$
DECLARE
    len integer := length(s);
    k integer;
    nnum integer;
    nstr integer;
    r text;
    p text;
BEGIN
    -- truncations (about 60 prefixes, always the short ones and the one missing its last character)
    FOR k IN SELECT DISTINCT x FROM (SELECT generate_series(0, len - 1, greatest(1, len / 60)) x
                                     UNION SELECT generate_series(0, least(8, len - 1)) UNION SELECT len - 1) q
                                     WHERE x >= 0 ORDER BY 1 LOOP
        variant := 'truncated to ' || k; txt := left(s, k); RETURN NEXT;
    END LOOP;
    -- every number (the first 40) replaced by each bad value
    nnum := (SELECT count(*) FROM regexp_matches(s, '-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?', 'g'));
    FOR k IN 1 .. least(nnum, 40) LOOP
        FOREACH r IN ARRAY ARRAY['NaN', '"NaN"', 'Infinity', '-Infinity', '-1', '1e309', '-1e309', '1e-400', '0', '-0',
                                 '0.5', '99999999999999999999', '2147483648', 'null', '"x"', '[]', '{}', ''] LOOP
            variant := format('number %s -> %s', k, r);
            txt := regexp_replace(s, '-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?', r, 1, k);
            RETURN NEXT;
        END LOOP;
    END LOOP;
    -- every string (the first 20) emptied, replaced, made huge
    nstr := (SELECT count(*) FROM regexp_matches(s, '"[^"]*"', 'g'));
    FOR k IN 1 .. least(nstr, 20) LOOP
        FOREACH r IN ARRAY ARRAY['""', '"x"', 'null', '1', '[]', '"' || repeat('a', 3000) || '"', '"\u0000"', '"\ud800"'] LOOP
            variant := format('string %s -> %s', k, left(r, 12));
            txt := regexp_replace(s, '"[^"]*"', r, 1, k);
            RETURN NEXT;
        END LOOP;
    END LOOP;
    -- punctuation deleted (the first 8 of each kind)
    FOREACH p IN ARRAY ARRAY['\[', '\]', '\{', '\}', ',', ':', '"'] LOOP
        FOR k IN 1 .. least(8, (SELECT count(*) FROM regexp_matches(s, p, 'g'))::integer) LOOP
            variant := format('deleted %s #%s', p, k);
            txt := regexp_replace(s, p, '', 1, k);
            RETURN NEXT;
        END LOOP;
    END LOOP;
    -- random characters replaced (fixed seed: the same variants every run)
    PERFORM setseed(0.42);
    FOR k IN 1 .. 60 LOOP
        DECLARE
            pos integer := 1 + floor(random() * greatest(len, 1))::integer;
            ch text := substr(' -.:,[]{}"0159AZaz\e' || chr(233) || chr(127), 1 + floor(random() * 24)::integer, 1);
        BEGIN
            variant := format('char %s -> %s', pos, ch);
            txt := overlay(s placing ch from pos for 1);
            RETURN NEXT;
        END;
    END LOOP;
    -- whole-value junk
    FOREACH r IN ARRAY ARRAY['', ' ', 'null', '{}', '[]', '0', '"x"', '{"type": null}', s || s, s || ' x',
                             '{"x": 1, ' || substr(s, 2), repeat('[', 5000) || repeat(']', 5000),
                             '{' || repeat('"a": {', 3000) || repeat('}', 3000) || '}',
                             repeat('x', 100000), upper(s), lower(s)] LOOP
        variant := 'junk ' || left(r, 20); txt := r; RETURN NEXT;
    END LOOP;
END
$$;

-- A big-endian 8-byte double as bytea.
CREATE FUNCTION pg_temp.hz_f8(v float8) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$ SELECT float8send(v) $$;

-- Malformed variants of a binary form.
CREATE FUNCTION pg_temp.hz_binary_mutations(b bytea)
RETURNS TABLE (variant text, bin bytea) LANGUAGE plpgsql AS $$
DECLARE
    len integer := length(b);
    k integer;
    v integer;
    r bytea;
    step integer := greatest(1, len / 48);
BEGIN
    -- truncations: the first 64 lengths and about 50 more
    FOR k IN SELECT DISTINCT x FROM (SELECT generate_series(0, least(63, len - 1)) x
                                     UNION SELECT generate_series(0, len - 1, step) UNION SELECT len - 1) q
                                     WHERE x >= 0 ORDER BY 1 LOOP
        variant := 'truncated to ' || k; bin := substr(b, 1, k); RETURN NEXT;
    END LOOP;
    -- version byte
    FOREACH v IN ARRAY ARRAY[0, 2, 127, 255] LOOP
        variant := 'version byte ' || v; bin := set_byte(b, 0, v); RETURN NEXT;
    END LOOP;
    -- single bytes (the first 64 and about 50 more positions)
    FOR k IN SELECT DISTINCT x FROM (SELECT generate_series(1, least(63, len - 1)) x
                                     UNION SELECT generate_series(1, len - 1, step)) q ORDER BY 1 LOOP
        FOREACH v IN ARRAY ARRAY[0, 1, 127, 128, 255] LOOP
            IF get_byte(b, k) <> v THEN
                variant := format('byte %s = %s', k, v); bin := set_byte(b, k, v); RETURN NEXT;
            END IF;
        END LOOP;
    END LOOP;
    -- 4-byte integers (lengths and counts) at every position of the first 64 and about 50 more
    FOR k IN SELECT DISTINCT x FROM (SELECT generate_series(0, least(63, len - 4)) x
                                     UNION SELECT generate_series(0, len - 4, step)) q WHERE x >= 0 ORDER BY 1 LOOP
        FOREACH r IN ARRAY ARRAY['\x00000000', '\xffffffff', '\x7fffffff', '\x80000000', '\x00010000']::bytea[] LOOP
            variant := format('int4 at %s = %s', k, r);
            bin := overlay(b placing r from k + 1 for 4); RETURN NEXT;
        END LOOP;
    END LOOP;
    -- 8-byte doubles at every 8th position (and unaligned ones near the start)
    FOR k IN SELECT DISTINCT x FROM (SELECT generate_series(0, len - 8, 8) x UNION SELECT generate_series(1, least(15, len - 8))
                                     UNION SELECT generate_series(0, len - 8, greatest(8, step))) q WHERE x >= 0 ORDER BY 1 LOOP
        FOREACH r IN ARRAY ARRAY[pg_temp.hz_f8('NaN'), pg_temp.hz_f8('Infinity'), pg_temp.hz_f8('-Infinity'),
                                 pg_temp.hz_f8(-1), pg_temp.hz_f8(0.5), pg_temp.hz_f8(1e308), pg_temp.hz_f8(5e-324)] LOOP
            variant := format('float8 at %s = %s', k, pg_temp.float8recv_text(r));
            bin := overlay(b placing r from k + 1 for 8); RETURN NEXT;
        END LOOP;
    END LOOP;
    -- trailing bytes, empty, junk
    variant := 'one trailing byte'; bin := b || '\x00'::bytea; RETURN NEXT;
    variant := 'doubled'; bin := b || b; RETURN NEXT;
    variant := 'empty'; bin := ''::bytea; RETURN NEXT;
    variant := 'all 0xff'; bin := decode(repeat('ff', len), 'hex'); RETURN NEXT;
    variant := 'all zero'; bin := decode(repeat('00', len), 'hex'); RETURN NEXT;
END
$$;

-- The text of a big-endian double (for variant names).
CREATE FUNCTION pg_temp.float8recv_text(b bytea) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE encode(b, 'hex') WHEN '7ff8000000000000' THEN 'NaN' WHEN '7ff0000000000000' THEN 'Infinity'
                               WHEN 'fff0000000000000' THEN '-Infinity' ELSE encode(b, 'hex') END
$$;

-- A binary COPY file holding one row with one field.
CREATE FUNCTION pg_temp.hz_copy_file(payload bytea) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
  SELECT '\x5047434f50590aff0d0a00'::bytea || '\x0000000000000000'::bytea || '\x0001'::bytea
         || int4send(length(payload)) || payload || '\xffff'::bytea
$$;

-- Feed bytes to the receive function of typ: binary COPY FROM a server-side file into a
-- temporary table, then read the value back through hz_text (text round trip).
CREATE FUNCTION pg_temp.hz_recv(typ regtype, payload bytea, OUT state text, OUT message text, OUT result text)
LANGUAGE plpgsql AS $$
DECLARE
    lo oid;
    path text := current_setting('data_directory') || '/hardening_recv_' || pg_backend_pid() || '.bin';
    tbl text := 'hz_recv_' || (SELECT typname FROM pg_type WHERE oid = typ);
    detail text;
BEGIN
    IF to_regclass('pg_temp.' || tbl) IS NULL THEN
        EXECUTE format('CREATE TEMP TABLE %I (v %s)', tbl, typ);
    END IF;
    BEGIN
        -- the large object, its locks and the rows are rolled back with the subtransaction;
        -- the file stays (and is overwritten by the next call)
        lo := lo_from_bytea(0, pg_temp.hz_copy_file(payload));
        PERFORM lo_export(lo, path);
        EXECUTE format('COPY pg_temp.%I FROM %L WITH (FORMAT binary)', tbl, path);
        EXECUTE format('SELECT pg_temp.hz_text(v) FROM pg_temp.%I', tbl) INTO result;
        state := '00000';
        RAISE SQLSTATE 'HZ001';
    EXCEPTION
        WHEN SQLSTATE 'HZ001' THEN NULL;
        WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
            message := message || coalesce(' (' || nullif(detail, '') || ')', '');
    END;
END
$$;

-- Run the text and binary corpus over the first `samples` samples of every type.
CREATE FUNCTION pg_temp.hz_io_run(samples integer DEFAULT 2) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    t regtype;
    s record;
    m record;
    r record;
    val text;
    bin bytea;
    n bigint := 0;
BEGIN
    FOR t IN SELECT * FROM pg_temp.hz_types() LOOP
        FOR s IN SELECT * FROM pg_temp.hz_sample WHERE typ = t AND ord <= samples ORDER BY ord LOOP
            EXECUTE format('SELECT (%s)::%s::text, %s((%s)::%s)', s.expr, t,
                           (SELECT typsend::regproc FROM pg_type WHERE oid = t), s.expr, t) INTO val, bin;
            FOR m IN SELECT * FROM pg_temp.hz_text_mutations(val) LOOP
                r := pg_temp.hz_try(format('SELECT pg_temp.hz_text(%L::%s)', m.txt, t));
                INSERT INTO pg_temp.hz_io (typ, form, variant, state, message, result)
                VALUES (t, 'text', format('sample %s: %s', s.ord, m.variant), r.state, r.message, left(r.result, 500));
                n := n + 1;
            END LOOP;
            FOR m IN SELECT * FROM pg_temp.hz_binary_mutations(bin) LOOP
                r := pg_temp.hz_recv(t, m.bin);
                INSERT INTO pg_temp.hz_io (typ, form, variant, state, message, result)
                VALUES (t, 'binary', format('sample %s: %s', s.ord, m.variant), r.state, r.message, left(r.result, 500));
                n := n + 1;
            END LOOP;
        END LOOP;
    END LOOP;
    RETURN n;
END
$$;

-- Allowed outcomes of malformed input: class 22 or 54, or 08P01 (protocol violation), which
-- PostgreSQL's own pq_getmsg* raise for binary data that ends early (as int8recv does); the
-- models module's receive functions read with them.
CREATE FUNCTION pg_temp.hz_io_allowed(state text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT state = '00000' OR left(state, 2) IN ('22', '54') OR state = '08P01'
$$;
\set QUIET :hz_quiet
\set ECHO :hz_echo
