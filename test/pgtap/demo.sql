-- Figures of the demo module: clinnova.km_svg and clinnova.xml_escape — surface, volatility and
-- the SQLSTATE of every bad argument.
BEGIN;
SELECT plan(18);

-- ---- surface ----
SELECT has_function('clinnova', 'km_svg', ARRAY['clinnova.survfit[]', 'text[]', 'text', 'jsonb'],
                    'km_svg(curves, labels, title, options) exists');
SELECT has_function('clinnova', 'xml_escape', ARRAY['text'], 'xml_escape(text) exists');
SELECT is((SELECT provolatile::text || proparallel::text FROM pg_proc
           WHERE oid = 'clinnova.km_svg(clinnova.survfit[], text[], text, jsonb)'::regprocedure),
          'is', 'km_svg is IMMUTABLE and PARALLEL SAFE');
SELECT is(clinnova.xml_escape(E'a<b & "c" ''d''>\x01'), 'a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;',
          'xml_escape escapes the five special characters and drops control characters');

-- ---- the document ----
CREATE TEMP TABLE c AS
SELECT clinnova.km(t, e) AS curve FROM (VALUES (1.0, true), (2.0, false), (3.0, true), (4.0, true),
                                              (5.0, false), (6.0, true)) v(t, e);
SELECT ok(xml_is_well_formed_document(clinnova.km_svg(ARRAY[curve], ARRAY['A & B'], 'x < y')),
          'a figure with special characters in its texts is a well-formed XML document') FROM c;
SELECT is(clinnova.km_svg(NULL), NULL, 'NULL curves give NULL');

-- ---- bad arguments: 22023 ----
SELECT throws_ok($$SELECT clinnova.km_svg('{}'::clinnova.survfit[])$$, '22023',
                 'km_svg needs at least one curve', 'no curves');
SELECT throws_ok($$SELECT clinnova.km_svg(ARRAY[NULL::clinnova.survfit])$$, '22023',
                 'curve 1 of km_svg is NULL', 'a NULL curve');
SELECT throws_ok($$SELECT clinnova.km_svg(ARRAY[ARRAY[curve]]) FROM c$$, '22023',
                 'km_svg takes one-dimensional arrays of curves and labels', 'a two-dimensional array');
SELECT throws_ok($$SELECT clinnova.km_svg(ARRAY[curve], ARRAY['a', 'b']) FROM c$$, '22023',
                 'km_svg needs one label per curve', 'too many labels');
SELECT throws_ok($$SELECT clinnova.km_svg(ARRAY[curve], NULL, NULL, '[1]') FROM c$$, '22023',
                 'km_svg options must be a JSON object', 'options not an object');
SELECT throws_ok($$SELECT clinnova.km_svg(ARRAY[curve], NULL, NULL, '{"colour": "red"}') FROM c$$, '22023',
                 'unknown km_svg option "colour"', 'an unknown option');
SELECT throws_ok($$SELECT clinnova.km_svg(ARRAY[curve], NULL, NULL, '{"bands": 1}') FROM c$$, '22023',
                 'km_svg option "bands" has the wrong type', 'an option of the wrong type');
SELECT throws_ok($$SELECT clinnova.km_svg(ARRAY[curve], NULL, NULL, '{"conf_type": "logit"}') FROM c$$, '22023',
                 'km_svg option conf_type must be log, log-log or plain', 'an unknown conf_type');
SELECT throws_ok($$SELECT clinnova.km_svg(ARRAY[curve], NULL, NULL, '{"conf_level": 0}') FROM c$$, '22023',
                 'km_svg option conf_level must be between 0 and 1', 'conf_level 0');
SELECT throws_ok($$SELECT clinnova.km_svg(ARRAY[curve], NULL, NULL, '{"x_step": 0.001}') FROM c$$, '22023',
                 'km_svg option x_step gives more than 100 ticks', 'too many ticks');
SELECT throws_ok($$SELECT clinnova.km_svg(ARRAY[curve], NULL, NULL, '{"height": 100}') FROM c$$, '22023',
                 'unknown km_svg option "height"', 'height is not an option (plot_height is)');
SELECT throws_ok($$SELECT clinnova.km_svg(ARRAY[curve], NULL, NULL, '{"colors": ["url(#x)"]}') FROM c$$, '22023',
                 'km_svg option colors must be a non-empty array of colours like "#0072B2" or "teal"',
                 'a colour that is not a colour name or hex value');

SELECT * FROM finish();
ROLLBACK;
