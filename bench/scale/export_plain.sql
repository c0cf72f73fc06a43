-- bench/scale/export_plain.sql: writes out, for benchmark 11's export, the
-- plain side: one statement that builds the document of dcpf.export_person
-- (format dcpf-export/1) from the same sources (dcpf.export_sources(): the
-- personal-data registry's select lists, with their decryption, and the
-- art. 15 facts) with PostgreSQL's own JSON functions, as the table owner:
-- no permission check, no export event, no disclosure row, and the rows
-- serialised by json_agg instead of src/export.c. Prints the statement, on
-- one line, without a semicolon ($1 the person, the result text).
\set ON_ERROR_STOP 1
WITH s AS (
    SELECT s.section, s.name, s.n,
           format('(SELECT %s FROM %s ORDER BY %s)', s.select_list, s.source, s.order_expr) AS q
      FROM dcpf.export_sources() WITH ORDINALITY s(section, name, select_list, key_expr, order_expr, source, n)
)
SELECT 'SELECT ''{"format":"dcpf-export/1","person":'' || to_json($1)::text'
       || ' || '',"exported_at":'' || to_json(now())::text || '',"request":null,"transfer_to":null,"tables":{'''
       || (SELECT string_agg(format(' || %L || coalesce((SELECT json_agg(r)::text FROM %s r), ''[]'')',
                                    CASE WHEN n = (SELECT min(n) FROM s WHERE section = 'rows') THEN '' ELSE ',' END
                                    || to_json(name)::text || ':', q), '' ORDER BY n)
             FROM s WHERE section = 'rows')
       || ' || ''},"references":'' || coalesce((SELECT json_agg(r)::text FROM ('
       || (SELECT string_agg(q, ' UNION ALL ' ORDER BY n) FROM s WHERE section = 'references')
       || ') r), ''[]'') || '',"facts":{'''
       || (SELECT string_agg(format(' || %L || %s',
                                    CASE WHEN n = (SELECT min(n) FROM s WHERE section = 'facts') THEN '' ELSE ',' END
                                    || to_json(name)::text || ':',
                                    CASE WHEN name = 'source' THEN format('coalesce((SELECT row_to_json(r)::text FROM %s r LIMIT 1), ''null'')', q)
                                         ELSE format('coalesce((SELECT json_agg(r)::text FROM %s r), ''[]'')', q) END),
                             '' ORDER BY n)
             FROM s WHERE section = 'facts')
       || ' || ''}}''';
