-- Demo step 0: install the extension and check the build.
\pset footer off
\echo 'CREATE EXTENSION clinnova'
CREATE EXTENSION clinnova;
\echo
\echo 'What is installed (clinnova.build_info()):'
\x on
SELECT * FROM clinnova.build_info();
\x off
